"""Relative dates in cited sentences resolved against the article's date; a question's time words as filters."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dates import question_time, resolve_relative

THURSDAY = "2021-07-08"  # the article's publication date


@pytest.mark.parametrize(("sentence", "labels"), [
    ("The rockets hit the base on Tuesday, officials said.", ["Tuesday = 6 July 2021"]),
    ("Police said yesterday that two men were held.", ["yesterday = 7 July 2021"]),
    ("Last month, 12 people died in the floods.", ["Last month = June 2021"]),
    ("The minister resigned two days ago.", ["two days ago = 6 July 2021"]),
    ("The club won the title last year.", ["last year = 2020"]),
    ("He spoke earlier this week.", ["earlier this week = week of 5 July 2021"]),
    ("The talks resume next Monday.", ["next Monday = 12 July 2021"]),
])
def test_relative_expressions_are_resolved_against_the_article_date(sentence, labels):
    assert [found.label() for found in resolve_relative(sentence, THURSDAY)] == labels


def test_resolved_expressions_carry_their_offsets_in_the_sentence():
    sentence = "Fourteen rockets hit the base on Tuesday."
    (found,) = resolve_relative(sentence, THURSDAY)
    assert sentence[found.start:found.end] == "on Tuesday" and found.date == dt.date(2021, 7, 6)


def test_absolute_dates_and_undated_articles_resolve_nothing():
    assert resolve_relative("On Tuesday, 6 July the team flew home.", THURSDAY) == []
    assert resolve_relative("The rockets hit on Tuesday.", None) == []
    assert resolve_relative("Fourteen of the projectiles hit the target.", THURSDAY) == []


@pytest.mark.parametrize(("question", "date_from", "date_to"), [
    ("How many cases were reported since March 2020?", dt.date(2020, 3, 1), None),
    ("Who won the cup after 2019?", dt.date(2020, 1, 1), None),
    ("Who won the cup before 2019?", None, dt.date(2018, 12, 31)),
    # An event "in" a period is reported in it or in the days after.
    ("What did the council decide in 2020?", dt.date(2020, 1, 1), dt.date(2021, 1, 7)),
    ("Who went after the London Bridge attacker in November 2019?", dt.date(2019, 11, 1), dt.date(2019, 12, 7)),
    ("Who led the party between 2018 and 2020?", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
    ("How many had died as of 9 July 2021?", None, dt.date(2021, 7, 9)),
    ("Who is the Pentagon spokesman?", None, None),
])
def test_time_words_of_a_question_become_publication_date_filters(question, date_from, date_to):
    intent = question_time(question)
    assert (intent.date_from, intent.date_to) == (date_from, date_to)


@pytest.mark.parametrize("question", ["What is the latest death toll?", "Who is currently in charge?",
                                      "What is the most recent figure?", "How many had died as of 9 July 2021?"])
def test_latest_and_as_of_questions_ask_for_the_newest_reports(question):
    assert question_time(question).latest


def test_a_question_without_time_words_does_not_ask_for_recency():
    assert not question_time("How many rockets hit the base?").latest

"""Follow-up rewriting: the rule-based fallback used when the model's rewrite is unusable."""

import pytest

from app.answering.rewriting import (EARLIER_NOTE, Turn, asked_part, clean_rewrite, resolve_pronoun, rewrite, topic_phrase,
                                     usable_rewrite)

EARLIER = "How many rockets were launched at the base?"


@pytest.mark.parametrize("earlier, topic", [
    (EARLIER, "the rockets"),
    ("What was the missile hidden in?", "the missile"),
    ("Who is the Pentagon spokesman?", "the Pentagon spokesman"),
    ("Where did the storm make landfall?", "the storm"),
    ("When did Iran fire the missiles?", "Iran"),
    ("Which country did the plane crash in?", "the country"),
])
def test_topic_phrase_finds_what_the_earlier_question_was_about(earlier, topic):
    assert topic_phrase(earlier) == topic


def test_topic_phrase_gives_nothing_when_the_subject_is_the_unknown():
    # "Who won?": a later "she" means the answer, which the question does not name.
    assert topic_phrase("Who won the mayoral election in Toronto?") is None
    assert topic_phrase("Rockets hit the base.") is None


@pytest.mark.parametrize("question, earlier, resolved", [
    ("And how many of them hit?", EARLIER, "How many of the rockets hit?"),
    ("Where was it found?", "What was the missile hidden in?", "Where was the missile found?"),
    ("What did he say about the weapons?", "Who is the Pentagon spokesman?",
     "What did the Pentagon spokesman say about the weapons?"),
    ("And how strong was it?", "Where did the storm make landfall?", "How strong was the storm?"),
    ("What was their range?", EARLIER, "What was the rockets’ range?"),
])
def test_a_pronoun_is_replaced_by_the_earlier_topic(question, earlier, resolved):
    assert resolve_pronoun(question, earlier) == resolved


def test_a_pronoun_that_does_not_agree_in_number_is_left_alone():
    # "it" is the attack, not the rockets: no guess rather than a wrong one.
    assert resolve_pronoun("When did it happen?", EARLIER) is None
    assert resolve_pronoun("Who fired the rockets?", EARLIER) is None  # no pronoun at all


def test_the_rule_goes_first_and_the_model_is_not_asked_when_it_applies():
    history = [Turn(EARLIER, "Two dozen rockets were launched [1].")]

    def must_not_be_called(transcript, question):
        raise AssertionError("the model was asked although the rule resolved the follow-up")

    rewritten = rewrite("And how many of them hit?", history, must_not_be_called)
    assert asked_part(rewritten) == "How many of the rockets hit?"
    assert rewritten.endswith(f"{EARLIER_NOTE}{history[-1].question})")  # the event, for retrieval


def test_the_model_rewrites_what_the_rule_cannot_and_is_not_believed_when_it_answers():
    # A refused earlier answer gives no statement to resolve "that" with: the model is asked.
    history = [Turn(EARLIER, "The articles don't say. Nothing in them answers it.")]
    good = "Standalone question: Who said that two dozen rockets were launched at the base?"
    assert rewrite("Who said that?", history, lambda t, q: good) == \
        "Who said that two dozen rockets were launched at the base?"
    answered = "General Hamad Naims said it."  # an answer, not a question
    assert rewrite("Who said that?", history, lambda t, q: answered) == \
        f"Who said that? (This follows the earlier question: {EARLIER})"

    def broken(transcript, question):
        raise ConnectionError("server went away")

    assert rewrite("When did it happen?", history, broken) == \
        f"When did it happen? (This follows the earlier question: {EARLIER})"


def test_a_standalone_question_is_not_rewritten():
    def must_not_be_called(transcript, question):
        raise AssertionError("the model was asked to rewrite a standalone question")

    history = [Turn(EARLIER, "Two dozen [1].")]
    assert rewrite("Who is the Pentagon spokesman?", history, must_not_be_called) == "Who is the Pentagon spokesman?"
    assert rewrite("And how many of them hit?", [], must_not_be_called) == "And how many of them hit?"


def test_rewrite_checks():
    assert clean_rewrite('"Question: Where was the missile found?"\nExtra line') == "Where was the missile found?"
    assert usable_rewrite("Where was it found?", "Where was the missile found?")
    assert not usable_rewrite("Where was it found?", "It was found in a flour bag.")  # an answer
    assert not usable_rewrite("And how many of them hit?", "How many rockets were launched?")  # lost "hit"


def test_a_follow_up_about_the_previous_answer_is_resolved_from_that_answer():
    from app.answering.rewriting import resolve_from_answer

    answer = "A flour bag. This time the missile was hidden in a flour bag [1]."
    assert resolve_from_answer("Who said that?", answer) == "Who said that this time the missile was hidden in a flour bag?"
    when = resolve_from_answer("When did it happen?", "Fourteen of the projectiles hit the target [1].")
    assert when == "When did it happen: Fourteen of the projectiles hit the target?"
    assert resolve_from_answer("Who said that?", "The articles don't say. Nothing in them answers it.") is None


def test_that_before_a_noun_names_a_thing_not_the_previous_answer():
    from app.answering.rewriting import resolve_from_answer

    answer = "15. Other 15 shells fell near KPA civil police posts 250 and 251 [1]."
    assert resolve_from_answer("And how many people did South Korea evacuate after that exchange?", answer) is None
    assert resolve_from_answer("When did that happen?", answer).startswith("When did that happen: other 15 shells")


def test_the_earlier_question_added_as_context_is_not_part_of_what_is_asked():
    from app.answering.rewriting import asked_part

    standalone = rewrite("What about Kevin McCarthy?",
                         [Turn("How many votes did Nancy Pelosi receive when the 116th US Congress elected her?", "220.")],
                         lambda transcript, question: "")
    assert standalone.startswith("What about Kevin McCarthy? (This follows the earlier question: How many votes")
    assert asked_part(standalone) == "What about Kevin McCarthy?"


def test_a_count_whose_noun_is_left_out_counts_what_the_earlier_question_counted():
    history = [Turn("How many votes did Nancy Pelosi receive when the 116th US Congress elected her?", "220.")]
    assert asked_part(rewrite("And how many did Kevin McCarthy get?", history, _no_model)) == \
        "How many votes did Kevin McCarthy get?"


def test_a_fragment_takes_the_place_of_the_earlier_phrase_for_the_same_noun():
    history = [Turn("What was the half-time score in University's round 5 win over Maroochydore?", "12 points to 3.")]
    assert rewrite("And the final score?", history, _no_model) == \
        "What was the final score in University's round 5 win over Maroochydore?"


def test_a_bare_why_asks_why_of_the_earlier_answer():
    history = [Turn("Who postponed Ohio's primary?", "Mike DeWine. Governor Mike DeWine postponed it, citing the "
                                                     "health crisis [1].")]
    assert rewrite("Why?", history, _no_model) == "Why: Governor Mike DeWine postponed it, citing the health crisis?"


def test_a_singular_pronoun_stands_for_the_earlier_subject_when_the_counted_thing_is_plural():
    from app.nlp import load_spacy

    history = [Turn("How many seats did the Conservative Party win in the December 2019 UK general election?", "365.")]
    assert asked_part(rewrite("And how many seats did it gain compared with before the election?", history, _no_model,
                   load_spacy())) == "How many seats did the Conservative Party gain compared with before the election?"


def test_who_said_a_quotation_asks_about_the_quoted_sentence_that_gave_the_answer():
    from app.answering.rewriting import resolve_from_answer

    answer = ("Flour bag. “Terrorists have been using various methods to reach the base. This time the missile was "
              "hidden in a flour bag. We are now collecting evidence,” he said [1].")
    assert resolve_from_answer("Who said that?", answer) == "Who said that this time the missile was hidden in a flour bag?"


def _no_model(transcript: str, question: str) -> str:
    raise AssertionError("resolved by rule, the model is not asked")


def test_he_after_a_who_question_is_the_person_the_earlier_answer_named():
    from app.nlp import load_spacy

    history = [Turn("Which civilian injured in the explosion told Al Jazeera that shrapnel hit his head?",
                    "Mishan. “When the explosion occurred, I was looking out of the window,” Mishan told Al Jazeera [1].")]
    assert asked_part(rewrite("What was he doing when the explosion occurred?", history, _no_model, load_spacy())) == \
        "What was Mishan doing when the explosion occurred?"


def test_he_or_she_stands_for_a_person_never_for_a_place_the_earlier_question_names():
    from app.nlp import load_spacy

    nlp = load_spacy()
    # spaCy finds Thailand (GPE) and no person here: "she" is left to the model, not made Thailand.
    assert resolve_pronoun("Why did she lose it?", "In what year did Thailand's Princess Ubolratana lose her "
                           "royal title?", nlp, "1972. Officially, …") is None
    # The one person the earlier question names is who "she" is.
    assert resolve_pronoun("Why did she resign?", "When did Nancy Pelosi leave the State of California "
                           "committee?", nlp, "In May.") == "Why did Nancy Pelosi resign?"

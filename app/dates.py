"""Time in questions and in articles: relative dates resolved, a question's time words made filters.

News is written relative to its own date: "on Tuesday" in a story of Thursday 8 July 2021 is
6 July 2021, and "last month" is June 2021. A reader looking at a citation weeks later needs the
resolved date beside it. dateparser resolves an expression against a base date; finding the
expressions is ours (dateparser's own search finds too much in news prose: "May", "March" as
names, bare numbers).

A question's time words become retrieval filters on publication dates ("since 2020", "before
March 2019", "in 2020", "between 2018 and 2020", "as of 9 July 2021"), and "latest", "most
recent", "now", "currently" ask for the newest reports.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from dateparser.date import DateDataParser

Granularity = Literal["day", "week", "month", "year"]

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_UNITS = "day|week|month|year|weekend"
_COUNT = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several"
# Expressions that only mean something relative to the article's date. Longest forms first.
_RELATIVE_RE = re.compile(
    rf"\b(?:(?:earlier|later) this (?:week|month|year)"
    rf"|(?:last|next|this|past) (?:{_UNITS}|{_WEEKDAYS})"
    rf"|(?:{_COUNT}) (?:{_UNITS})s? (?:ago|earlier)"
    rf"|(?:on |early |late )?(?:{_WEEKDAYS})(?: (?:morning|afternoon|evening|night))?"
    rf"|yesterday|today|tonight|this (?:morning|afternoon|evening))\b",
    re.IGNORECASE,
)
# A weekday followed by a day number or month is an absolute date ("Tuesday, 6 July"): not relative.
_ABSOLUTE_AFTER_RE = re.compile(r",?\s+(?:\d{1,2}\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)",
                                re.IGNORECASE)


@dataclass(frozen=True)
class ResolvedDate:
    """A relative expression of a sentence and the date it stands for."""

    text: str  # as written: "on Tuesday"
    start: int  # offsets into the text searched
    end: int
    date: dt.date  # the day, or the first day of the week/month/year
    granularity: Granularity

    def label(self) -> str:
        """'Tuesday = 6 July 2021', 'last month = June 2021'."""
        words = re.sub(r"^(on|early|late) ", "", self.text, flags=re.IGNORECASE)
        if self.granularity == "year":
            value = str(self.date.year)
        elif self.granularity == "month":
            value = f"{calendar.month_name[self.date.month]} {self.date.year}"
        elif self.granularity == "week":
            value = f"week of {format_day(self.date)}"
        else:
            value = format_day(self.date)
        return f"{words} = {value}"


def format_day(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def parse_iso(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _parser(base: dt.date) -> DateDataParser:
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime(base.year, base.month, base.day, 12),
        # A news report tells what happened: "on Tuesday" is the Tuesday before the article.
        "PREFER_DATES_FROM": "past",
        "RETURN_TIME_AS_PERIOD": True,
    })


def _start_of(day: dt.date, granularity: Granularity) -> dt.date:
    if granularity == "year":
        return dt.date(day.year, 1, 1)
    if granularity == "month":
        return dt.date(day.year, day.month, 1)
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def resolve_relative(text: str, published: dt.date | str | None) -> list[ResolvedDate]:
    """The relative date expressions of ``text`` resolved against the article's date; none without one."""
    base = parse_iso(published) if isinstance(published, str) else published
    if base is None:
        return []
    parser = _parser(base)
    found = []
    for match in _RELATIVE_RE.finditer(text):
        expression = match.group()
        if re.search(_WEEKDAYS, expression, re.IGNORECASE) and _ABSOLUTE_AFTER_RE.match(text, match.end()):
            continue
        core = re.sub(r"\b(morning|afternoon|evening|night)$", "", expression, flags=re.IGNORECASE).strip()
        core = re.sub(r"^(early|late) ", "", core, flags=re.IGNORECASE)
        core = re.sub(r"^past ", "last ", core, flags=re.IGNORECASE)
        core = re.sub(r"^(earlier|later) this ", "this ", core, flags=re.IGNORECASE)
        data = parser.get_date_data(core if core.lower() not in {"tonight"} else "today")
        if data is None or data.date_obj is None:
            continue
        granularity: Granularity = data.period if data.period in ("day", "week", "month", "year") else "day"
        if core.lower().endswith("weekend"):
            granularity = "day"
        day = data.date_obj.date()
        found.append(ResolvedDate(expression, match.start(), match.end(), _start_of(day, granularity), granularity))
    return found


# -- the question's time ----------------------------------------------------------------------------
_RECENCY_RE = re.compile(
    r"\b(latest|most recent(?:ly)?|newest|now|currently|current|as of|so far|to date|up to date|still)\b",
    re.IGNORECASE)
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
# A date as a question writes it: "2020", "March 2020", "9 July 2021", "July 9, 2021", "2021-07-09".
_DATE = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:\d{{1,2}}(?:st|nd|rd|th)? )?{_MONTH}(?: \d{{1,2}}(?:st|nd|rd|th)?,?)? \d{{4}}|(?:19|20)\d{{2}})"
_BETWEEN_RE = re.compile(rf"\bbetween ({_DATE}) and ({_DATE})", re.IGNORECASE)
_SINCE_RE = re.compile(rf"\b(since|after|from) ({_DATE})", re.IGNORECASE)
_BEFORE_RE = re.compile(rf"\b(before|until|till|by) ({_DATE})", re.IGNORECASE)
_AS_OF_RE = re.compile(rf"\bas of ({_DATE})", re.IGNORECASE)
_IN_RE = re.compile(rf"\b(?:in|during|throughout) ({_DATE})", re.IGNORECASE)
# "in November 2019" says when it happened, and the report may come days later (an attack on 29
# November reported on 2 December): reports are kept this much longer. Measured over the Wikinews
# question sets: 3 of 72 stating articles came after the period named, 2 and 3 days after (one 38
# days); a longer lag let in later reports that answer another time (a toll of late May for "when
# US infections passed one million in April").
REPORTING_LAG = dt.timedelta(days=7)


@dataclass(frozen=True)
class TimeIntent:
    """What a question says about time: filters on publication dates, and whether it wants the newest."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.date | None = None  # "as of 9 July 2021": the newest report up to that day
    latest: bool = False  # "latest", "most recent", "now", "currently"…
    asked_on: dt.date | None = None  # the day the question was asked, when the asker gave it

    @property
    def filters_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None


def _period(expression: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day an expression covers: '2020' -> 1 Jan..31 Dec 2020."""
    text = expression.strip()
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    data = DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first",
                                                       "RETURN_TIME_AS_PERIOD": True}).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    day = data.date_obj.date()
    if data.period == "month":
        first = dt.date(day.year, day.month, 1)
        return first, dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if data.period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    return day, day


_THIS_PERIOD_RE = re.compile(r"\b(this|last|past) (week|month|year)\b|\b(today|yesterday|recently)\b", re.IGNORECASE)
# "How many have died?", "Has the toll risen?": the present perfect asks for the state up to now.
_PERFECT_RE = re.compile(r"\b(?:has|have|hasn't|haven't)\b(?:\s+[\w'-]+){0,4}?\s+(?:been|[a-z]+(?:ed|en|wn|ne|ung|ought|aught))\b",
                         re.IGNORECASE)
# "recently" looks this far back from the question's date; a report from before still answers
# if none is newer (the window prefers, the date filter decides).
RECENT = dt.timedelta(days=30)


def _relative_period(match: re.Match, asked_on: dt.date) -> tuple[dt.date, dt.date]:
    """The days "this week", "last month", "today", "recently" cover, asked on ``asked_on``."""
    which, unit, word = (match.group(1) or "").lower(), (match.group(2) or "").lower(), (match.group(3) or "").lower()
    if word == "today":
        return asked_on, asked_on
    if word == "yesterday":
        return asked_on - dt.timedelta(days=1), asked_on - dt.timedelta(days=1)
    if word == "recently":
        return asked_on - RECENT, asked_on
    length = {"week": dt.timedelta(days=7), "month": dt.timedelta(days=31), "year": dt.timedelta(days=366)}[unit]
    if which == "last":  # the period before this one: "last week" is 8-14 days back at most
        return asked_on - 2 * length, asked_on - length
    return asked_on - length, asked_on  # "this week", "past week": the last seven days


def question_time(question: str, asked_on: dt.date | None = None) -> TimeIntent:
    """``question_time_words`` of the question, asked on ``asked_on`` (default: today): its relative
    words ("this week", "recently", "yesterday") resolved against that day, no report dated after
    it, and "now", "so far" and the present perfect asking for the newest report up to it."""
    intent = question_time_words(question)
    day = asked_on or dt.date.today()
    date_from, date_to, latest = intent.date_from, intent.date_to, intent.latest
    if match := _THIS_PERIOD_RE.search(question):
        first, last = _relative_period(match, day)
        date_from = max(d for d in (date_from, first) if d) if date_from else first
        date_to = min(date_to, last) if date_to else last
        latest = True
    if _PERFECT_RE.search(question):
        latest = True
    if date_to and asked_on is not None:
        date_to = min(date_to, day)
    return TimeIntent(date_from=date_from, date_to=date_to, as_of=intent.as_of, latest=latest,
                      asked_on=asked_on)


def question_time_words(question: str) -> TimeIntent:
    """The publication-date filters and recency a question asks for.

    "in 2020" keeps reports published in 2020 and in the ``REPORTING_LAG`` after it; "since March
    2020" from 1 March 2020; "before 2019" up to 31 December 2018; "as of 9 July 2021" up to that
    day, newest first.
    """
    date_from = date_to = as_of = None
    if match := _BETWEEN_RE.search(question):
        first, second = _period(match.group(1)), _period(match.group(2))
        if first and second:
            date_from, date_to = first[0], second[1]
    else:
        if match := _SINCE_RE.search(question):
            period = _period(match.group(2))
            if period:
                # "after 2019" starts in 2020; "since 2019" and "from 2019" include it.
                date_from = period[1] + dt.timedelta(days=1) if match.group(1).lower() == "after" else period[0]
        if match := _BEFORE_RE.search(question):
            period = _period(match.group(2))
            if period:
                date_to = period[0] - dt.timedelta(days=1) if match.group(1).lower() == "before" else period[1]
        if match := _AS_OF_RE.search(question):
            period = _period(match.group(1))
            if period:
                as_of = period[1]
                date_to = as_of
        elif date_from is None and date_to is None and (match := _IN_RE.search(question)):
            period = _period(match.group(1))
            if period:
                date_from, date_to = period[0], period[1] + REPORTING_LAG
    latest = bool(_RECENCY_RE.search(question)) or as_of is not None
    return TimeIntent(date_from=date_from, date_to=date_to, as_of=as_of, latest=latest)

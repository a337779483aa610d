"""Conflicting reports: other articles give another value for the fact the answer states.

An answer taken from one article can hide that another source says something else ("24 rockets"
in one report, "20" in another). After an answer is verified, the best-ranked sentences of the
OTHER articles are checked with the same verification (app/answering/verification.py): a sentence
disagrees only when it holds exactly one strongly attached candidate (the asked type, under the
asked relation and argument) whose value differs from the answer's. "14 hit" therefore never
disagrees with "24 launched": "hit" is not the asked relation, so 14 is no candidate at all.

Values are compared as what they mean: numbers as quantities ("two dozen" = 24), dates as days
resolved against each article's date, names by their words ("Kirby" = "John Kirby").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dateparser.date import DateDataParser
from spacy.language import Language
from spacy.tokens import Span

from app.answering.citations import evidence_text
from app.answering.question_frame import NUMERIC_LABELS, AnswerKind, QuestionFrame, number_value
from app.answering.sentences import Outcome, SentenceRef, cite
from app.answering.candidates import candidates
from app.answering.verification import locate, span_value
from app.dates import format_day, parse_iso, resolve_relative
from app.types import Citation, ConflictNote, ConflictReport

Value = float | dt.date | frozenset[str] | str


@dataclass(frozen=True)
class Report:
    """One source's value for the asked fact, and the sentence stating it."""

    ref: SentenceRef
    value_text: str  # as written: "two dozen"
    value: Value  # as compared: 24.0


@dataclass(frozen=True)
class Conflict:
    """The answer's report first, then the other sources' different values."""

    frame: QuestionFrame
    reports: tuple[Report, ...]


def value_of(kind: AnswerKind, text: str, sentence: Span, published: str | None) -> Value | None:
    """What a value means, for comparing two sources: a quantity, a day, or a name's words."""
    if kind == AnswerKind.NUMBER:
        tokens = locate(text, sentence)
        return span_value(tokens) if tokens else None
    if kind == AnswerKind.TIME:
        return _day(text, published)
    words = frozenset(w for w in re.findall(r"[\w'’-]+", text.lower()) if w not in {"the", "a", "an", "of"})
    return words or None


def _day(text: str, published: str | None) -> dt.date | str | None:
    """A date written in a sentence as a day ("6 July", "July 6, 2021"; the year from the article's
    date); the text itself when it names no day ("in the summer"); None for a relative date."""
    base = parse_iso(published)
    if resolve_relative(text, base) if base else False:
        # "Yesterday" in two reports of different days names two days: not comparable as one fact.
        return None
    settings = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"]}
    if base:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day, 12)
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if data is not None and data.date_obj is not None:
        return data.date_obj.date()
    return " ".join(text.lower().split())


def same_value(a: Value, b: Value) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return a <= b or b <= a  # "Kirby" and "John Kirby" name one person
    return a == b


def find_conflict(outcome: Outcome, ranked: Sequence[SentenceRef], nlp: Language,
                  similar: Callable[[str, str], float] | None = None, depth: int = 6,
                  context: Callable[[SentenceRef], str] | None = None) -> Conflict | None:
    """Sources among the other articles' ``depth`` best-ranked sentences that state another value for the
    answer's fact. ``context``: what a sentence's article attests, its constraints checked against it
    as the answer's were (default: its passage alone, whose chunk may not repeat the story's names).

    One report per article: of an article's different strong values, the one stated in words most
    like the answer's sentence (none when no sentence is closest); an article that gives the
    answer's own value as a strong one is not counted against the answer; nor is a sentence that holds the
    answer's value anywhere (another sentence of that article may still disagree: "eight
    kilometers" elsewhere does not make "six nationals were killed" agree with "eight").
    """
    frame = outcome.frame
    if outcome.refused or not outcome.answer or frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        return None
    stating = outcome.sentences[0]
    answer_value = value_of(frame.kind, outcome.answer, nlp(stating.text)[:], stating.passage.date)
    if answer_value is None:
        return None
    # The best sentences of the OTHER articles: the answer's own article fills the top ranks.
    others = [r for r in ranked if r.passage.article_id != stating.passage.article_id][:depth]
    by_article: dict[str, list[Report]] = {}
    for ref, doc in zip(others, nlp.pipe([r.text for r in others])):
        sentence = doc[:]
        if _states_value(frame.kind, answer_value, sentence):
            continue  # this sentence gives the answer's value too: it does not contradict it
        attests = context(ref) if context is not None else evidence_text(ref.passage)
        strong = {c.text: c for c in candidates(frame, sentence, attests, similar) if c.verdict.strength >= 2}
        for text in strong:
            value = value_of(frame.kind, text, sentence, ref.passage.date)
            if value is not None:
                by_article.setdefault(ref.passage.article_id, []).append(Report(ref, text, value))
    reports: list[Report] = []
    for article_id, found in by_article.items():
        if any(same_value(r.value, answer_value) for r in found):
            continue  # this source states the answer's value too: no contradiction shown
        report = _restating(_distinct(found), stating.text)
        if report is not None and not any(same_value(report.value, r.value) for r in reports):
            reports.append(report)
    if not reports:
        return None
    return Conflict(frame, (Report(stating, outcome.answer, answer_value), *reports))


def _states_value(kind: AnswerKind, value: Value, sentence: Span) -> bool:
    """The sentence holds the answer's value anywhere, strongly attached or not. The checks can
    attach a count to the wrong verb of a coordination ("killed eleven people and injured at least
    50"); a source that gives the answer's own figure is not shown as contradicting it."""
    if kind == AnswerKind.NUMBER and isinstance(value, float):
        return any(number_value(t) == value for t in sentence) or any(
            span_value(list(e)) == value for e in sentence.ents if e.label_ in NUMERIC_LABELS)
    if isinstance(value, frozenset):
        words = {w.lower() for w in re.findall(r"[\w'’-]+", sentence.text)}
        return value <= words
    return False


def _restating(reports: Sequence[Report], stating: str) -> Report | None:
    """The source's one value for the fact: its only one, or, of several, the one whose sentence
    words the fact most like the answer's sentence does (another report of one fact restates it:
    "Phivolcs recorded 811 aftershocks" beside a magnitude in another sentence). None when no
    sentence is closest."""
    if len(reports) <= 1:
        return reports[0] if reports else None
    words = _words(stating)
    shared = [len(words & _words(r.ref.text)) / max(len(words), 1) for r in reports]
    best = max(shared)
    if shared.count(best) > 1 or best < 0.5:
        return None
    return reports[shared.index(best)]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2}


def _distinct(reports: Sequence[Report]) -> list[Report]:
    kept: list[Report] = []
    for report in reports:
        if not any(same_value(report.value, k.value) for k in kept):
            kept.append(report)
    return kept


# -- the reader's view --------------------------------------------------------------------------
def _source_name(ref: SentenceRef) -> str:
    return ref.passage.source or ref.passage.title


def with_conflict(text: str, citations: list[Citation], conflict: Conflict | None, latest: bool = False
                  ) -> tuple[str, list[Citation], list[ConflictNote]]:
    """The answer text with a note naming each source and its value, each cited; new citations
    are numbered after the answer's own. For a question about the latest, other values from
    reports older than the answer's are the figures it replaced: "Superseded: …" with their dates."""
    if conflict is None:
        return text, citations, []
    own = conflict.reports[0].ref.passage.date or ""
    superseded = latest and bool(own) and all((r.ref.passage.date or "") < own for r in conflict.reports[1:])
    numbers = {(c.article_id, c.span.start): c.number for c in citations}  # one number per cited sentence
    cited = list(citations)
    parts: list[str] = []
    reports: list[ConflictReport] = []
    for report in conflict.reports:
        passage = report.ref.passage
        key = (passage.article_id, passage.start + report.ref.start)
        if key not in numbers:
            numbers[key] = max(numbers.values(), default=0) + 1
            cited.append(cite(report.ref, numbers[key]))
        number = numbers[key]
        day = parse_iso(passage.date)
        when = f" on {format_day(day)}" if day else ""
        parts.append(f"{_source_name(report.ref)} reported {report.value_text}{when} [{number}]")
        reports.append(ConflictReport(value=report.value_text, citation=number, source=_source_name(report.ref),
                                      date=passage.date))
    note = ("Superseded: " + "; ".join(parts[1:]) if superseded else "Sources differ: " + "; ".join(parts)) + "."
    return f"{text} {note}", cited, [ConflictNote(text=note, reports=reports)]


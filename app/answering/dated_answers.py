"""Answers in time: the question's time words as filters, the newest report for "latest", the
source's date stated, and relative dates of cited sentences resolved beside the citation.

"The death toll is 12" misleads when a later report says 19: a "latest"/"as of" question prefers
the newest article among those that answer about as well, and the answer opens with its source's
date ("As of 9 July 2021, …"). The parsing is app/dates.py; this module applies it in the answer flow
(app/answering/pipeline.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from app.answering.sentences import SentenceRef
from app.dates import TimeIntent, format_day, parse_iso, question_time, resolve_relative
from app.retrieval import Filters
from app.types import Answer, Citation

# Sentences within this cosine of the best one answer about as well: among them the newest wins.
RECENCY_MARGIN = 0.08


def filters_for(question: str, filters: Filters | None = None, asked_on: dt.date | None = None
                ) -> tuple[Filters, TimeIntent]:
    """The reader's filters narrowed by the question's own dates ("since 2020", "in 2019",
    "as of 9 July 2021", "this week" from the day it is asked); the narrower bound wins where both
    give one. No report dated after ``asked_on`` is used."""
    intent = question_time(question, asked_on)
    filters = filters or Filters()
    date_from = max((d for d in (filters.date_from, intent.date_from) if d), default=None)
    date_to = min((d for d in (filters.date_to, intent.date_to) if d), default=None)
    return replace(filters, date_from=date_from, date_to=date_to, published_by=asked_on), intent


def prefer_recent(ranked: Sequence[SentenceRef], intent: TimeIntent, margin: float = RECENCY_MARGIN
                  ) -> list[SentenceRef]:
    """For "latest"/"as of" questions, the sentences that answer about as well as the best one,
    newest article first; the rest keep their order. Other questions are left as ranked."""
    if not intent.latest or not ranked:
        return list(ranked)
    best = max(r.similarity for r in ranked)
    close = [r for r in ranked if r.similarity >= best - margin]
    rest = [r for r in ranked if r.similarity < best - margin]
    # Stable: equal dates keep the similarity order; undated reports go last.
    close.sort(key=lambda r: r.passage.date or "", reverse=True)
    return _newer_versions_first(close + rest)


def _newer_versions_first(ranked: Sequence[SentenceRef]) -> list[SentenceRef]:
    """A sentence that a later report repeats with an edit ("killed nine" in the original, "killed
    eleven" in a copy two days later) ranks just below the best band: its newer version takes the
    older one's place, however the small edit moved their similarities."""
    ordered = list(ranked)
    words = [_words(r.text) for r in ordered]
    for i in range(len(ordered)):
        newest = None
        for j in range(i + 1, len(ordered)):
            if (ordered[j].passage.date or "") > (ordered[newest if newest is not None else i].passage.date or "") \
                    and ordered[j].passage.article_id != ordered[i].passage.article_id \
                    and _same_sentence(words[i], words[j]):
                newest = j
        if newest is not None:
            ordered.insert(i, ordered.pop(newest))
            words.insert(i, words.pop(newest))
    return ordered


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _same_sentence(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """One sentence in two versions: most of their words shared (a figure or a name changed)."""
    return len(a) >= 5 and len(b) >= 5 and len(a & b) / len(a | b) >= threshold


def newer_coverage(cited: Citation, ranked: Sequence[SentenceRef], margin: float = RECENCY_MARGIN) -> bool:
    """Whether a report newer than the cited one answers the question about as closely: then the
    answer holds as of its own report's date, not necessarily today."""
    close = [r for r in ranked if r.similarity >= (ranked[0].similarity if ranked else 0) - margin]
    return any((r.passage.date or "") > (cited.date or "") for r in close if r.passage.article_id != cited.article_id)


def state_as_of(text: str, citations: Sequence[Citation], intent: TimeIntent, older: bool = False
                ) -> tuple[str, str | None]:
    """ "As of 9 July 2021, <answer>" from the first citation's date, for questions about the latest
    and for answers from a report older than the story's newest close one (``older``)."""
    if not (intent.latest or older) or not citations:
        return text, None
    day = parse_iso(citations[0].date)
    if day is None:
        return text, None
    return f"As of {format_day(day)}, {text[:1].lower() + text[1:] if _lowerable(text) else text}", day.isoformat()


def _lowerable(text: str) -> bool:
    """Lower the first letter only of an ordinary word ("The toll…"), not of a name or "I"."""
    first = text.split(" ", 1)[0]
    return first in {"The", "A", "An", "At", "In", "On", "About", "Around", "More", "Over", "Some", "It", "There"}


def with_date_notes(citations: Sequence[Citation]) -> list[Citation]:
    """Each citation with its span's relative dates resolved against its article's date."""
    return [c.model_copy(update={"date_notes": [r.label() for r in resolve_relative(c.span.text, c.date)]})
            for c in citations]


def with_resolved_dates(text: str, citations: Sequence[Citation]) -> str:
    """The answer text with each cited relative date followed by its day: "On Wednesday
    (18 December 2019), the House …", so an answer of "when" never reads "yesterday" alone."""
    # The answer's own sentence is the first citation's; the others (a conflict's sources) may
    # resolve the same word to another day, which is theirs, not the answer's.
    for citation in citations[:1]:
        for note in citation.date_notes:
            words, _, value = note.partition(" = ")
            index = text.find(words)
            if index < 0 or text[index + len(words):].startswith(f" ({value})"):
                continue
            end = index + len(words)
            text = f"{text[:end]} ({value}){text[end:]}"
    return text


def dated(answer: Answer, intent: TimeIntent, ranked: Sequence[SentenceRef] = ()) -> Answer:
    """An answer with its citations' relative dates resolved (in the notes and in the text) and,
    for a question about the latest or an answer from an older report than the story's newest
    close one in ``ranked``, opening with its source's date."""
    if answer.refused:
        return answer
    citations = with_date_notes(answer.citations)
    older = bool(citations) and newer_coverage(citations[0], ranked)
    text, as_of = state_as_of(with_resolved_dates(answer.text, citations), citations, intent, older)
    return answer.model_copy(update={"text": text, "as_of": as_of, "citations": citations})

"""Timelines: "What happened with X?" / "Give me a timeline of X" as dated, cited events in date order.

Each event is one retrieved sentence about X, dated by what the sentence itself says, in this
order: a day or month it names ("on 6 July 2021", "in March"), else its relative date resolved
against its article's date ("on Tuesday" in a story of Thursday 8 July), else the article's date.
Sentences are taken across articles, so the list follows the story over days.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dateparser.date import DateDataParser
from spacy.language import Language
from spacy.tokens import Span

from app.dates import format_day, parse_iso, resolve_relative
from app.answering.sentences import SentenceRef, cite
from app.types import Citation, TimelineEntry

_TIMELINE_RE = re.compile(
    r"^\s*(?:what (?:has |have )?happened (?:with|to|in|at|on|about)\b|what (?:is|was) the (?:story|timeline) (?:of|with)\b"
    r"|(?:give me |show me |make |what is )?(?:a |the )?(?:timeline|chronology|sequence of events) (?:of|for|about)\b"
    r"|how did .+ (?:unfold|develop)\b)", re.IGNORECASE)
_MONTH_OR_YEAR = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:19|20)\d\d\b",
                            re.IGNORECASE)


def is_timeline_question(question: str) -> bool:
    return bool(_TIMELINE_RE.search(question))


@dataclass(frozen=True)
class Event:
    ref: SentenceRef
    date: dt.date
    basis: str  # "stated", "relative" or "published"


def event_date(sentence: Span, published: str | None) -> tuple[dt.date, str] | None:
    """The day a sentence's event happened, and how we know it; None without any date at all."""
    base = parse_iso(published)
    for ent in sentence.ents:
        if ent.label_ != "DATE" or not _MONTH_OR_YEAR.search(ent.text):
            continue
        day = _absolute(ent.text, base)
        if day is not None:
            return day, "stated"
    if base is None:
        return None
    relative = resolve_relative(sentence.text, base)
    if relative:
        return relative[0].date, "relative"
    return base, "published"


def _absolute(text: str, base: dt.date | None) -> dt.date | None:
    settings = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day, 12)
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    return data.date_obj.date() if data is not None and data.date_obj is not None else None


def build_timeline(ranked: Sequence[SentenceRef], nlp: Language, limit: int = 8, min_ratio: float = 0.7,
                   per_article: int = 2) -> list[Event]:
    """Up to ``limit`` events from the best-ranked sentences (those within ``min_ratio`` of the best
    similarity), one per distinct sentence and at most ``per_article`` per article, in date order
    (ties: the better-ranked first). Within an article, sentences that date themselves (a stated or
    relative day) come before those dated only by the article: background sentences ("Impeachment
    is the process …") state no event."""
    if not ranked:
        return []
    best = max(r.similarity for r in ranked)
    chosen: list[SentenceRef] = []
    seen: set[str] = set()
    for ref in ranked:
        key = " ".join(re.findall(r"\w+", ref.text.lower()))
        if ref.similarity < best * min_ratio or key in seen:
            continue
        seen.add(key)
        chosen.append(ref)
    dated_events = []
    for ref, doc in zip(chosen, nlp.pipe([r.text for r in chosen])):
        dated = event_date(doc[:], ref.passage.date)
        if dated is not None:
            dated_events.append(Event(ref, *dated))
    # Self-dated sentences first (stable: rank order otherwise), then the per-article cap and the limit.
    dated_events.sort(key=lambda e: e.basis == "published")
    kept: list[Event] = []
    count: dict[str, int] = {}
    for event in dated_events:
        article = event.ref.passage.article_id
        if count.get(article, 0) < per_article and len(kept) < limit:
            count[article] = count.get(article, 0) + 1
            kept.append(event)
    return sorted(kept, key=lambda e: e.date)  # sorted() is stable: rank order within a day


def compose_timeline(events: Sequence[Event]) -> tuple[str, list[Citation], list[TimelineEntry]]:
    """One line per event, "6 July 2021: <sentence> [n]", one citation per passage."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    entries: list[TimelineEntry] = []
    for event in events:
        passage = event.ref.passage
        if passage.chunk_id not in numbers:
            numbers[passage.chunk_id] = len(numbers) + 1
            citations.append(cite(event.ref, numbers[passage.chunk_id], origin="matched"))
        number = numbers[passage.chunk_id]
        sentence = event.ref.text.strip()
        body = sentence.rstrip(".!?")
        lines.append(f"{format_day(event.date)}: {body} [{number}].")
        entries.append(TimelineEntry(date=event.date.isoformat(), date_basis=event.basis, text=sentence,
                                     citation=number))
    return "\n".join(lines), citations, entries

"""Requests and keyword queries ("tell me about the attack", "summarize the article", "Ain al-Asad
rocket attack"): a short extractive summary, every sentence one an article states, each cited.

One report: its lead sentence (news puts the essentials first) and the sentences closest to the
topic, in the article's order. Several reports about equally close, on different days: a dated
timeline of them (app/answering/timeline.py). Nothing is generated, so nothing can be unsupported.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language

from app.answering.sentences import SentenceRef, cite_sentences
from app.answering.timeline import build_timeline, compose_timeline
from app.text import sentence_spans
from app.types import Citation, Passage, TimelineEntry

# Reports whose best sentence is this close to the best report's are about the topic as much.
SAME_TOPIC_MARGIN = 0.05
KEY_SENTENCES = 3


def _lead(passages: Sequence[Passage]) -> SentenceRef | None:
    """The article's first sentence, when its first chunk is among the passages."""
    first = min(passages, key=lambda p: p.start)
    if first.start != 0:
        return None
    spans = sentence_spans(first.text)
    return SentenceRef(first, *spans[0], similarity=0.0) if spans else None


def summarise(ranked: Sequence[SentenceRef], nlp: Language, article_passages) -> tuple[str, list[Citation],
                                                                                     list[TimelineEntry]] | None:
    """The summary text, its citations and (for several reports) timeline entries, or None when
    nothing was ranked. ``article_passages(passage)`` gives the passages of the passage's whole
    article (for its lead)."""
    if not ranked:
        return None
    best: dict[str, float] = {}
    for ref in ranked:
        best.setdefault(ref.passage.article_id, ref.similarity)
    top = max(best.values())
    close = [a for a, s in best.items() if s >= top - SAME_TOPIC_MARGIN]
    dated = {next(r.passage.date for r in ranked if r.passage.article_id == a) for a in close}
    if len(close) > 1 and len(dated - {None}) > 1:
        events = build_timeline([r for r in ranked if r.passage.article_id in close], nlp, per_article=1)
        if len(events) > 1:
            return compose_timeline(events)
    article = close[0]
    own = [r for r in ranked if r.passage.article_id == article]
    chosen: list[SentenceRef] = []
    lead = _lead(article_passages(own[0].passage))
    if lead is not None:
        chosen.append(lead)
    for ref in own:
        if len(chosen) >= KEY_SENTENCES:
            break
        if all(ref.passage.start + ref.start != c.passage.start + c.start for c in chosen):
            chosen.append(ref)
    chosen.sort(key=lambda r: r.passage.start + r.start)
    marked, citations = cite_sentences([(ref, "matched") for ref in chosen])
    return " ".join(marked), citations, []

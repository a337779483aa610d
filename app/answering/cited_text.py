"""The reader's view of an outcome: the answer text with each stating sentence marked [n], one
citation per sentence with its exact span, and the passages reordered with the cited first."""

from __future__ import annotations

import logging
from collections.abc import Sequence


from app.types import Citation, CitationOrigin, Passage
from app.types import Span as TextSpan

log = logging.getLogger(__name__)
from app.answering.ranked_sentences import Outcome, SentenceRef


def compose(outcome: Outcome) -> tuple[str, list[Citation]]:
    """Answer text (the span first, then each stating sentence with its marker) and one citation
    per sentence, with its exact span."""
    marked, citations = cite_sentences([(ref, outcome.origin) for ref in outcome.sentences])
    text = " ".join(marked)
    span = outcome.answer.strip().rstrip(".")  # a copied span may end the sentence: one full stop
    if span and not outcome.sentences[0].text.lower().startswith(span.lower()):
        text = f"{span[:1].upper()}{span[1:]}. {text}"
    return text, citations


def cite_sentences(stated: Sequence[tuple[SentenceRef, CitationOrigin]]) -> tuple[list[str], list[Citation]]:
    """Each distinct (sentence, origin) with its marker, and one citation per sentence, numbered in
    order (a single answer, a "he said" answer's two sentences, each side of a multi-article one)."""
    numbers: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    marked = []
    for ref, origin in stated:
        key = (ref.passage.article_id, ref.passage.start + ref.start)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(cite(ref, numbers[key], origin))
            marked.append(_marked(ref.text, numbers[key]))
    return marked, citations


def _marked(sentence: str, number: int) -> str:
    sentence = sentence.rstrip()
    end = len(sentence.rstrip(".!?\"'”’"))
    return f"{sentence[:end]} [{number}]{sentence[end:] or '.'}"


def cite(ref: SentenceRef, number: int, origin: CitationOrigin = "matched") -> Citation:
    """Citation ``[number]`` of a sentence: its passage, and the sentence as the exact span."""
    p = ref.passage
    return Citation(number=number, article_id=p.article_id, title=p.title, url=p.url, date=p.date,
                    source=p.source, chunk_id=p.chunk_id, chunk_text=p.text,
                    span=TextSpan(text=ref.text, start=p.start + ref.start, end=p.start + ref.end), origin=origin)


def reorder_passages(passages: Sequence[Passage], citations: Sequence[Citation]) -> list[Passage]:
    cited = list(dict.fromkeys(c.chunk_id for c in citations))  # two cited sentences may share a chunk
    by_chunk = {p.chunk_id: p for p in passages}
    ordered = [by_chunk[c] for c in cited if c in by_chunk] + [p for p in passages if p.chunk_id not in cited]
    return [p.model_copy(update={"number": i}) for i, p in enumerate(ordered, start=1)]

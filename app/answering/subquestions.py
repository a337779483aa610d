"""What multi-article answers share (app/answering/comparison.py, app/answering/bridging.py): a
sub-question asked through the same verified single-answer flow as any question, and an answer
whose claims are each cited to their own sentence.

A sub-question's names and years must hold for the article of its stating sentence — its passage,
title, date and the rest of the article (an event is often named a paragraph before its figure) —
which is what app/answering/verification.py checks a constraint against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.answering.question_frame import QuestionFrame
from app.answering.sentences import ArticleContext, Outcome, Prompts, answer_from_sentences, rank_sentences
from app.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from spacy.language import Language

    from app.answering.picking import PickFn
    from app.config import Settings
    from app.retrieval import Filters, HybridRetriever
    from app.store import Store


class AskingPipeline(Protocol):
    """What sub-questions (and the comparison and bridge flows) use of the answer pipeline, which
    ``app.answering.pipeline.Pipeline`` provides; a protocol, so that none of them imports the
    pipeline that imports them."""

    settings: Settings
    store: Store
    pick_prompts: Prompts

    @property
    def nlp(self) -> Language: ...

    @property
    def embeddings(self) -> Embeddings: ...

    def retriever(self, filters: Filters | None = None, top_k: int | None = None) -> HybridRetriever: ...

    def weak_evidence(self, passages: Sequence[Passage]) -> bool: ...

    def picker(self, temperature: float | None = None) -> PickFn: ...


@dataclass
class Asking:
    """How one question's sub-questions are asked: the pipeline and the request's options."""

    pipeline: AskingPipeline
    filters: Filters | None
    top_k: int | None
    temperature: float | None
    similar: Callable[[str, str], float]

    def __post_init__(self):
        self.article_context = ArticleContext(self.pipeline.store)

    def verified(self, question: str, frame: QuestionFrame | None = None) -> tuple[Outcome, list[Passage]]:
        """``question`` through retrieval, sentence ranking, the generator's pick and verification;
        ``frame`` when the caller narrowed the question's analysis."""
        pipeline = self.pipeline
        retrieved = pipeline.retriever(self.filters, self.top_k).retrieve(question)
        ranked = [] if pipeline.weak_evidence(retrieved) else rank_sentences(question, retrieved, pipeline.embeddings)
        outcome = answer_from_sentences(question, ranked, pipeline.nlp,
                                        pipeline.picker(self.temperature), pipeline.pick_prompts, self.similar,
                                        frame=frame, context=self.article_context,
                                        shown=pipeline.settings.retrieval.answer_sentences)
        return outcome, retrieved


def combined_answer(text: str, citations: list[Citation], retrieved: Iterable[Passage], done: Callable[..., dict],
                    raw: str | None) -> Answer:
    """The answer, its cited passages first; ``retrieved`` is every sub-question's retrieval."""
    retrieved = unique(retrieved)
    cited = [c.chunk_id for c in citations]
    passages = [p for c in dict.fromkeys(cited) for p in retrieved if p.chunk_id == c] \
        + [p for p in retrieved if p.chunk_id not in cited]
    return Answer(text=text, citations=citations, passages=numbered(passages),
                  **{**done(raw_answer=raw), "retrieved": retrieved})


def merged(*rankings: Sequence[Passage]) -> list[Passage]:
    """Several sub-questions' retrievals as one ranking: first passages first, each kept once, so
    that the top k holds every side's best (the answer's ``retrieved``, scored by evaluation)."""
    longest = max((len(r) for r in rankings), default=0)
    return unique(r[i] for i in range(longest) for r in rankings if i < len(r))


def unique(passages: Iterable[Passage]) -> list[Passage]:
    seen: dict[str, Passage] = {}
    for p in passages:
        seen.setdefault(p.chunk_id, p)
    return list(seen.values())


def numbered(passages: Iterable[Passage]) -> list[Passage]:
    return [p.model_copy(update={"number": i}) for i, p in enumerate(unique(passages), start=1)]

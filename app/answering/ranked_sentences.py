"""The sentences of retrieved passages, ranked against the question, and what surrounds one: the
other sentences of its passage or article (``PassageContext``, ``ArticleContext``), and the
``Outcome`` of answering from them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.answering.citations import evidence_text
from app.answering.question_frame import QuestionFrame
from app.text import sentence_spans
from app.types import Chunk, Passage

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentenceRef:
    passage: Passage
    start: int  # offsets into passage.text
    end: int
    similarity: float

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]


@dataclass(frozen=True)
class Prompts:
    pick_system: str
    pick_user: str
    explain_system: str
    explain_user: str
    choose_system: str
    choose_user: str
    yes_no_system: str = ""
    yes_no_user: str = ""


@dataclass
class Outcome:
    frame: QuestionFrame
    answer: str = ""  # the verified span ("" for why/how)
    sentences: list[SentenceRef] = field(default_factory=list)  # the stating sentence(s); empty = refuse
    origin: str = "model"  # "model": the generator's pick verified; "matched": found by the checks
    reason: str = ""  # why nothing was given
    raw: str = ""  # the generator's JSON
    model_confidence: float | None = None  # the generator's probability of its pick (picking.number_confidence)
    # The calibrated decision (app/answering/decision.py): the candidate weighed, its evidence and
    # the fitted probability that it is right (None without a fitted scorer or a candidate).
    candidate: str = ""
    evidence: dict[str, float] = field(default_factory=dict)
    confidence: float | None = None

    @property
    def refused(self) -> bool:
        return not self.sentences


def rank_sentences(question: str, passages: Sequence[Passage], embeddings, limit: int | None = None
                   ) -> list[SentenceRef]:
    """The passages' sentences, most similar to the question first (MiniLM cosine)."""
    refs = [(p, a, b) for p in passages for a, b in (sentence_spans(p.text) or [(0, len(p.text))])
            if len(p.text[a:b]) > 12]
    if not refs:
        return []
    vectors = np.asarray(embeddings.embed_documents([p.text[a:b] for p, a, b in refs]))
    similarities = vectors @ np.asarray(embeddings.embed_query(question))
    ranked = sorted(zip(refs, similarities), key=lambda item: -float(item[1]))
    return [SentenceRef(p, a, b, float(s)) for (p, a, b), s in ranked[:limit]]


def word_similarity(embeddings) -> Callable[[str, str], float]:
    """Cosine of two words' embeddings, cached: "rocket" ~ "projectile" 0.55, "civilian" ~ "member" 0.41."""
    cache: dict[str, np.ndarray] = {}

    def vector(word: str) -> np.ndarray:
        if word not in cache:
            cache[word] = np.asarray(embeddings.embed_query(word))
        return cache[word]

    return lambda a, b: float(vector(a) @ vector(b))


def _passage_context(ref: SentenceRef) -> str:
    return evidence_text(ref.passage)


class PassageContext:
    """What a sentence's own passage attests (its text, title and date) and the sentences before it
    there: the context of a sentence without a store (tests, and the default)."""

    def __call__(self, ref: SentenceRef) -> str:
        return _passage_context(ref)

    def preceding(self, ref: SentenceRef, count: int = 2) -> list[SentenceRef]:
        return preceding_in_passage(ref, count)


class ArticleContext(PassageContext):
    """What a sentence's article attests: its passage, title and date, and its whole text. A
    question's names and years hold for a sentence whose article states them (news names the event
    a paragraph before its figure); a sentence that names another year or place itself still
    fails (app/answering/verification.py). One per request: articles are read once."""

    def __init__(self, store):
        self.store = store
        self._articles: dict[str, str] = {}
        self._chunks: dict[str, list[Chunk]] = {}

    def __call__(self, ref: SentenceRef) -> str:
        article_id = ref.passage.article_id
        if article_id not in self._articles:
            article = self.store.get_article(article_id)
            self._articles[article_id] = article.text if article is not None else ""
        return evidence_text(ref.passage) + "\n" + self._articles[article_id]

    def preceding(self, ref: SentenceRef, count: int = 2) -> list[SentenceRef]:
        """Up to ``count`` sentences before ``ref`` in its article, nearest first: in its passage,
        then in the chunk before it."""
        before = super().preceding(ref, count)
        if len(before) == count or ref.passage.start == 0:
            return before
        article_id = ref.passage.article_id
        if article_id not in self._chunks:
            self._chunks[article_id] = self.store.article_chunks(article_id)
        earlier = [c for c in self._chunks[article_id] if c.end <= ref.passage.start + ref.start and c.id != ref.passage.chunk_id]
        if not earlier:
            return before
        chunk = max(earlier, key=lambda c: c.end)
        passage = ref.passage.model_copy(update={"chunk_id": chunk.id, "text": chunk.text, "start": chunk.start,
                                                 "end": chunk.end, "focus_text": None})
        return before + preceding_in_passage(SentenceRef(passage, len(chunk.text), len(chunk.text), 0.0),
                                             count - len(before))


def following_in_passage(ref: SentenceRef) -> SentenceRef | None:
    """The sentence after ``ref`` in its passage, if any."""
    spans = [(a, b) for a, b in sentence_spans(ref.passage.text) if a >= ref.end and b - a > 12]
    return SentenceRef(ref.passage, *spans[0], 0.0) if spans else None


def preceding_in_passage(ref: SentenceRef, count: int = 2) -> list[SentenceRef]:
    """Up to ``count`` sentences before ``ref`` in its own passage, nearest first."""
    spans = [(a, b) for a, b in sentence_spans(ref.passage.text) if b <= ref.start and b - a > 12]
    return [SentenceRef(ref.passage, a, b, 0.0) for a, b in reversed(spans[-count:])] if count > 0 else []

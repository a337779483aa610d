"""The answer flow: (rewrite follow-up) -> retrieve -> rank sentences -> the generator picks the
stating sentence and copies the answer -> verify (app/sentence_answering.py) -> Answer.

The model proposes; the pipeline disposes. The reader only sees an answer that a cited sentence
states (its type, relation and constraints checked with spaCy), and otherwise a refusal that still
lists the closest passages.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from spacy.language import Language

from app.config import Settings, get_settings
from app.embedding import get_embeddings
from app.llm import generation_lock, get_chat_model, model_label
from app.nlp import shared_spacy
from app.picking import PickFn, constrained_caller
from app.retrieval import Filters, HybridRetriever
from app.rewriting import Turn, rewrite
from app.sentence_answering import (Outcome, Prompts, SentenceRef, answer_from_sentences, compose,
                                    rank_sentences, reorder_passages, word_similarity)
from app.store import Store
from app.types import Answer, Passage

log = logging.getLogger(__name__)

class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long)."""


def validate_question(question: str, settings: Settings) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = " ".join(question.split())
    if not question:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(question) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(question)} characters long; the limit is {settings.max_question_chars}. "
            "Ask something shorter."
        )
    return question


def refusal_text(question: str, has_passages: bool) -> str:
    closest = " The closest passages are listed below." if has_passages else ""
    return f"The articles don't say. Nothing in them answers “{question}”.{closest}"


def load_prompt(settings: Settings, name: str) -> str:
    return (Path(settings.prompts_dir) / name).read_text(encoding="utf-8").strip()


class Pipeline:
    """Everything needed to answer over one index with one configuration."""

    def __init__(self, settings: Settings, nlp: Language | None = None):
        self.settings = settings
        self.store = Store(settings)
        self.nlp = nlp or shared_spacy()
        self.pick_prompts = Prompts(*(load_prompt(settings, f"{name}.txt") for name in
                                      ("pick_system", "pick_user", "explain_system", "explain_user")))
        self.condense_prompt = load_prompt(settings, "condense.txt")

    # -- steps ------------------------------------------------------------------------------
    def retriever(self, filters: Filters | None = None, top_k: int | None = None) -> HybridRetriever:
        retrieval = self.settings.retrieval
        if top_k:
            retrieval = retrieval.model_copy(update={"top_k": top_k})
        return HybridRetriever(store=self.store, settings=retrieval, filters=filters or Filters())

    def standalone_question(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up using the chat history; standalone questions pass through untouched."""
        return rewrite(question, history, self._model_rewrite)

    def _model_rewrite(self, transcript: str, question: str) -> str:
        chain = ChatPromptTemplate.from_messages([("human", self.condense_prompt)]) \
            | get_chat_model(self.settings) | StrOutputParser()
        with generation_lock(self.settings):
            return chain.invoke({"history": transcript, "question": question})

    def weak_evidence(self, passages: Sequence[Passage]) -> bool:
        """Nothing retrieved, or no passage semantically close to the question."""
        if not passages:
            return True
        if self.settings.retrieval.mode == "bm25":
            return False  # BM25 scores are not comparable across questions: no threshold to apply
        similarities = [p.dense_similarity for p in passages if p.dense_similarity is not None]
        return not similarities or max(similarities) < self.settings.retrieval.min_similarity

    # -- the whole flow ---------------------------------------------------------------------
    def stream(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
        """Yields the checked answer's text, then the ``Answer`` itself (the generator's output is a
        JSON pick, not prose, so there is nothing to stream before it is verified)."""
        question = validate_question(question, self.settings)
        timings: dict[str, float] = {}
        started = time.perf_counter()

        standalone = self.standalone_question(question, history)
        timings["rewrite_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        passages = self.retriever(filters, top_k).retrieve(standalone)
        timings["retrieval_s"] = time.perf_counter() - mark

        base = dict(question=question, standalone_question=standalone if standalone != question else None,
                    model=model_label(self.settings.llm))
        if self.weak_evidence(passages):
            reason = "the index is empty" if not self.store.counts()["chunks"] else \
                "no passage is close to the question"
            timings["total_s"] = time.perf_counter() - started
            yield Answer(text=refusal_text(question, bool(passages)), passages=passages, refused=True,
                         refusal_reason=reason, timings=_rounded(timings), **base)
            return

        mark = time.perf_counter()
        embeddings = get_embeddings(self.settings.embedding)
        ranked = rank_sentences(standalone, passages, embeddings)
        passages = _by_best_sentence(passages, ranked)
        timings["focus_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        outcome = answer_from_sentences(standalone, ranked[:self.settings.retrieval.answer_sentences], self.nlp,
                                        self._picker(), self.pick_prompts, word_similarity(embeddings))
        timings["first_token_s"] = time.perf_counter() - started
        timings["generation_s"] = time.perf_counter() - mark
        answer = self._stated(outcome, passages, timings, started, base)
        yield answer.text
        yield answer

    def _picker(self) -> PickFn:
        """The generator under constrained output, one call at a time (llama.cpp is not thread-safe)."""
        call = constrained_caller(get_chat_model(self.settings), self.settings.llm.backend)

        def locked(system: str, user: str, schema: dict) -> str:
            with generation_lock(self.settings):
                return call(system, user, schema)
        return locked

    def _stated(self, outcome: Outcome, passages: list[Passage], timings: dict[str, float], started: float,
                base: dict) -> Answer:
        timings["total_s"] = time.perf_counter() - started
        if outcome.refused:
            return Answer(text=refusal_text(base["question"], True), passages=passages, refused=True,
                          refusal_reason=f"no sentence of the passages states the answer ({outcome.reason})",
                          raw_answer=outcome.raw, timings=_rounded(timings), **base)
        text, citations = compose(outcome)
        return Answer(text=text, citations=citations, passages=reorder_passages(passages, citations),
                      raw_answer=outcome.raw, timings=_rounded(timings), **base)

    def answer(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None) -> Answer:
        result = None
        for item in self.stream(question, history, filters, top_k):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result


def _by_best_sentence(passages: list[Passage], ranked: Sequence[SentenceRef]) -> list[Passage]:
    """Passages ordered by their best sentence's similarity (the closest passages of a refusal)."""
    best: dict[str, float] = {}
    for ref in ranked:
        best.setdefault(ref.passage.chunk_id, ref.similarity)
    ordered = sorted(passages, key=lambda p: -best.get(p.chunk_id, -1.0))
    return [p.model_copy(update={"number": i, "relevance": round(best.get(p.chunk_id, 0.0), 4)})
            for i, p in enumerate(ordered, start=1)]


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in timings.items()}


_pipelines: dict[str, Pipeline] = {}
_pipelines_lock = threading.Lock()


def get_pipeline(settings: Settings | None = None) -> Pipeline:
    settings = settings or get_settings()
    key = json.dumps(settings.model_dump(mode="json"), sort_keys=True)
    with _pipelines_lock:
        if key not in _pipelines:
            _pipelines[key] = Pipeline(settings)
        return _pipelines[key]

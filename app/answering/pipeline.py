"""The answer flow: (rewrite follow-up) -> retrieve -> focus -> generate -> cite and ground -> Answer.

The model proposes; the pipeline disposes. Whatever the model writes, the reader only sees
sentences whose facts are in the passages they cite, and a refusal when nothing is left or
when retrieval found nothing close to the question.

A ``Pipeline`` is handed its models (a LangChain chat model, LangChain embeddings, a ``Store``)
or builds what it is not given from the settings, on first use. It is long-lived: per-request
options (top-k, temperature, filters) are arguments of ``stream``/``answer``, never new pipelines.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from app.answering.citations import cite
from app.answering.focus import focus_passages
from app.answering.grounding import gives_answer, is_refusal
from app.answering.refusals import refusal
from app.answering.rewriting import Turn, rewrite
from app.config import Settings
from app.llm import build_chat_model, model_label, new_generation_lock, with_temperature
from app.retrieval import BM25Cache, Filters, HybridRetriever
from app.store import Store
from app.types import Answer, FinalAnswer, Passage, StreamEvent, TextDelta

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long)."""


def validate_question(question: str, settings: Settings) -> str:
    """The question with its whitespace normalised, or ``QuestionError`` saying what is wrong."""
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


def load_prompt(settings: Settings, name: str) -> str:
    return (Path(settings.prompts_dir) / name).read_text(encoding="utf-8").strip()


class Pipeline:
    """Everything needed to answer over one index with one configuration."""

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None,
                 embeddings: Embeddings | None = None, store: Store | None = None, *,
                 generation_lock: AbstractContextManager | None = None):
        self.settings = settings
        self.store = store if store is not None else Store(settings, embeddings=embeddings)
        self.bm25 = BM25Cache(self.store)
        self._chat_model = chat_model
        self._embeddings = embeddings
        # What answers name as their model; a model handed in is not described by the settings.
        self.model_label = model_label(settings.llm) if chat_model is None \
            else getattr(chat_model, "model_name", None) or type(chat_model).__name__
        self._build_lock = threading.Lock()
        # llama.cpp contexts are not thread-safe: one generation at a time per loaded model. A
        # pipeline sharing another's chat model must share its lock too (``Newsdesk.for_index``).
        self.generation_lock = generation_lock if generation_lock is not None \
            else new_generation_lock(settings.llm, chat_model)
        self.system_prompt = load_prompt(settings, "answer_system.txt")
        self.user_prompt = load_prompt(settings, "answer_user.txt")
        self.passage_template = load_prompt(settings, "passage.txt")
        self.condense_prompt = load_prompt(settings, "condense.txt")

    # -- models, built on first use when not given ------------------------------------------
    @property
    def chat_model(self) -> BaseChatModel:
        with self._build_lock:
            if self._chat_model is None:
                self._chat_model = build_chat_model(self.settings)
            return self._chat_model

    @property
    def loaded_chat_model(self) -> BaseChatModel | None:
        """The chat model if it was given or has been built, else None (nothing is loaded)."""
        return self._chat_model

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings if self._embeddings is not None else self.store.embeddings



    # -- steps ------------------------------------------------------------------------------
    def retriever(self, filters: Filters | None = None, top_k: int | None = None) -> HybridRetriever:
        retrieval = self.settings.retrieval
        if top_k:
            retrieval = retrieval.model_copy(update={"top_k": top_k})
        return HybridRetriever(store=self.store, settings=retrieval, filters=filters or Filters(), bm25=self.bm25)

    def standalone_question(self, question: str, history: Sequence[Turn], temperature: float | None = None) -> str:
        """Rewrite a follow-up using the chat history; standalone questions pass through untouched."""
        def model_rewrite(transcript: str, follow_up: str) -> str:
            chain = ChatPromptTemplate.from_messages([("human", self.condense_prompt)]) \
                | with_temperature(self.chat_model, temperature) | StrOutputParser()
            with self.generation_lock:
                return chain.invoke({"history": transcript, "question": follow_up})

        return rewrite(question, history, model_rewrite)

    def format_passages(self, passages: Sequence[Passage]) -> str:
        """Passages fenced as data; an article cannot close the fence or open a passage of its own."""
        return "\n\n".join(
            self.passage_template.format(number=p.number, title=_defang(p.title).replace('"', "'"),
                                         date=p.date or "unknown", text=_defang(p.focus_text or p.text))
            for p in passages if p.focus_text is None or p.focus_text
        )

    def generation_prompt(self, passages: Sequence[Passage], question: str):
        prompt = ChatPromptTemplate.from_messages([("system", self.system_prompt), ("human", self.user_prompt)])
        return prompt.invoke({"passages": self.format_passages(passages), "question": question})

    def generate(self, passages: Sequence[Passage], question: str, temperature: float | None = None) -> Iterator[str]:
        """The model's text as it is written. The chat model's own stream, not a chain ending in an
        output parser: closing a LangChain chain's stream drains it to the end (for tracing), while
        closing this one stops the generation and frees its worker (a client that went away)."""
        for chunk in with_temperature(self.chat_model, temperature).stream(self.generation_prompt(passages, question)):
            text = chunk.content if isinstance(chunk.content, str) else chunk.text
            if text:
                yield text

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
               top_k: int | None = None, temperature: float | None = None) -> Iterator[StreamEvent]:
        """``TextDelta`` events as the model writes, then one ``FinalAnswer`` with the checked answer.

        The question is checked now (``QuestionError``), before anything is retrieved or generated.
        """
        question = validate_question(question, self.settings)
        return self._events(question, tuple(history), filters, top_k, temperature)

    def answer(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None, temperature: float | None = None) -> Answer:
        return final_answer(self.stream(question, history, filters, top_k, temperature))

    def _events(self, question: str, history: Sequence[Turn], filters: Filters | None, top_k: int | None,
                temperature: float | None) -> Iterator[StreamEvent]:
        timings: dict[str, float] = {}
        started = time.perf_counter()

        standalone = self.standalone_question(question, history, temperature)
        timings["rewrite_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        retrieved = self.retriever(filters, top_k).retrieve(standalone)
        timings["retrieval_s"] = time.perf_counter() - mark
        # What every answer, refusal or not, carries besides its text.
        common = dict(question=question, standalone_question=standalone if standalone != question else None,
                      model=self.model_label, retrieved=[p.model_copy() for p in retrieved])

        def done(**fields) -> dict:
            timings["total_s"] = time.perf_counter() - started
            return {**common, **fields, "timings": {k: round(v, 3) for k, v in timings.items()}}

        if self.weak_evidence(retrieved):
            kind = "empty_index" if not self.store.counts()["chunks"] else "weak_evidence"
            yield FinalAnswer(answer=refusal(kind, passages=retrieved, **done()))
            return

        mark = time.perf_counter()
        passages = focus_passages(standalone, retrieved, self.embeddings, margin=self.settings.retrieval.focus_margin)
        timings["focus_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        pieces: list[str] = []
        with self.generation_lock:
            generation = self.generate(passages, standalone, temperature)
            try:
                for piece in generation:
                    if not pieces:
                        timings["first_token_s"] = time.perf_counter() - started
                    pieces.append(piece)
                    yield TextDelta(text=piece)
            finally:
                generation.close()  # a reader that stops early ends the generation now, not at GC
        raw = "".join(pieces).strip()
        timings["generation_s"] = time.perf_counter() - mark

        yield FinalAnswer(answer=self._check(raw, question, standalone, passages, done))

    def _check(self, raw: str, question: str, standalone: str, passages: list[Passage], done) -> Answer:
        """The model's raw answer, cited and grounded, or the refusal it comes to."""
        if is_refusal(raw):
            return refusal("model_declined", passages=passages, **done(raw_answer=raw))
        cited = cite(raw, passages, standalone)
        if cited.claims and not gives_answer(question, cited.text):
            return refusal("not_an_answer", passages=passages, **done(raw_answer=raw))
        if not cited.claims:
            detail = "; ".join(f"“{c.text}”: {c.support.explain()}" for c in cited.unsupported if c.support)
            return refusal("unsupported", passages=passages, detail=detail or None, **done(raw_answer=raw))
        return Answer(text=cited.text, citations=cited.citations, passages=cited.passages,
                      unsupported=[c.text for c in cited.unsupported], **done(raw_answer=raw))


def final_answer(events: Iterator[StreamEvent]) -> Answer:
    """Drain a stream to its ``FinalAnswer``."""
    answer = None
    for event in events:
        if isinstance(event, FinalAnswer):
            answer = event.answer
    if answer is None:
        raise RuntimeError("the answer stream ended without a final answer")
    return answer


_FENCE_RE = re.compile(r"<\s*/?\s*passage", re.IGNORECASE)


def _defang(text: str) -> str:
    return _FENCE_RE.sub(lambda m: m.group().replace("<", "‹"), text)


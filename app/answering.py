"""The answer flow: (rewrite follow-up) -> retrieve -> generate -> cite and ground -> Answer.

The model proposes; the pipeline disposes. Whatever the model writes, the reader only sees
sentences whose facts are in the passages they cite, and a refusal when nothing is left or
when retrieval found nothing close to the question.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from app.citations import cite
from app.config import Settings, get_settings
from app.embedding import get_embeddings
from app.focus import focus_passages
from app.grounding import gives_answer, is_refusal
from app.llm import model_label
from app.retrieval import Filters, HybridRetriever
from app.rewriting import Turn, rewrite
from app.store import Store
from app.types import Answer, Passage
from app.workers import get_generator

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

    def __init__(self, settings: Settings, chat_model: Runnable | None = None):
        self.settings = settings
        # The generator: for llama.cpp a pool of `llm.workers` instances (app.workers) that runs one
        # generation per instance, so nothing before or after generation waits for the model.
        self.chat_model = chat_model if chat_model is not None else get_generator(settings)
        self.store = Store(settings)
        self.system_prompt = load_prompt(settings, "answer_system.txt")
        self.user_prompt = load_prompt(settings, "answer_user.txt")
        self.passage_template = load_prompt(settings, "passage.txt")
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
            | self._model() | StrOutputParser()
        return chain.invoke({"history": transcript, "question": question})

    def _model(self) -> Runnable:
        # One llama.cpp model serves every temperature: it is passed per call.
        local = self.settings.llm.backend == "llamacpp"
        return self.chat_model.bind(temperature=self.settings.llm.temperature) if local else self.chat_model

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

    def generate(self, passages: Sequence[Passage], question: str) -> Iterator[str]:
        """The model's text as it is written. The model's own stream, not a chain with an output
        parser: closing a LangChain chain's stream drains it to the end (for tracing), whereas
        closing this one stops the generation and frees its worker."""
        for chunk in self._model().stream(self.generation_prompt(passages, question)):
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
               top_k: int | None = None) -> Iterator[str | Answer]:
        """Yields the model's text as it is generated, then the final, checked ``Answer``."""
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
        passages = focus_passages(standalone, passages, get_embeddings(self.settings.embedding),
                                  margin=self.settings.retrieval.focus_margin)
        timings["focus_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        pieces: list[str] = []
        generation = self.generate(passages, standalone)
        try:
            for piece in generation:
                if not pieces:
                    timings["first_token_s"] = time.perf_counter() - started
                pieces.append(piece)
                yield piece
        finally:
            generation.close()  # a reader that stops early frees the generation worker now, not at GC
        raw = "".join(pieces).strip()
        timings["generation_s"] = time.perf_counter() - mark

        yield self._finish(raw, standalone, passages, timings, started, base)

    def _finish(self, raw: str, standalone: str, passages: list[Passage], timings: dict[str, float],
                started: float, base: dict) -> Answer:
        if is_refusal(raw):
            timings["total_s"] = time.perf_counter() - started
            return Answer(text=refusal_text(base["question"], True), passages=passages, refused=True,
                          refusal_reason="the model found no answer in the passages", raw_answer=raw,
                          timings=_rounded(timings), **base)
        cited = cite(raw, passages, standalone)
        timings["total_s"] = time.perf_counter() - started
        if cited.claims and not gives_answer(base["question"], cited.text):
            return Answer(text=refusal_text(base["question"], True), passages=passages, refused=True,
                          refusal_reason="the answer does not say what was asked (it restates the question "
                                         "or lacks the number, time or name asked for)",
                          raw_answer=raw, timings=_rounded(timings), **base)
        if not cited.claims:
            reasons = "; ".join(f"“{c.text}”: {c.support.explain()}" for c in cited.unsupported if c.support)
            return Answer(text=refusal_text(base["question"], True), passages=passages, refused=True,
                          refusal_reason=f"the answer is not supported by the passages ({reasons})",
                          raw_answer=raw, timings=_rounded(timings), **base)
        return Answer(text=cited.text, citations=cited.citations, passages=cited.passages, raw_answer=raw,
                      unsupported=[c.text for c in cited.unsupported], timings=_rounded(timings), **base)

    def answer(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None) -> Answer:
        result = None
        for item in self.stream(question, history, filters, top_k):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result


_FENCE_RE = re.compile(r"<\s*/?\s*passage", re.IGNORECASE)


def _defang(text: str) -> str:
    return _FENCE_RE.sub(lambda m: m.group().replace("<", "‹"), text)


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

"""Generation workers: N chat models behind one LangChain chat model, one generation per model at a time.

A llama.cpp context is not thread-safe, so each generation leases one model instance for as long
as it streams, and gives it back when the stream ends or is closed early (a client that goes away
frees its worker). With ``llm.workers = N``, N instances are loaded, with the CPU threads split
among them. Everything that needs no model - validation, retrieval, refusals - never waits here.
Remote backends (Ollama, OpenAI-compatible servers) queue on their side: one shared client, no lease.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from app.config import Settings


class WorkerPool(BaseChatModel):
    """A chat model that runs each call on a free one of ``size`` models (built on first use)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    factory: Callable[[int], BaseChatModel]
    size: int = 1
    label: str = "pool"
    _free: queue.Queue = PrivateAttr()
    _models: dict[int, BaseChatModel] = PrivateAttr(default_factory=dict)
    _build_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _stats_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _busy: int = PrivateAttr(default=0)
    _waiting: int = PrivateAttr(default=0)
    _served: int = PrivateAttr(default=0)

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._free = queue.Queue()
        for slot in range(self.size):
            self._free.put(slot)

    @classmethod
    def of(cls, models: Sequence[BaseChatModel], label: str = "pool") -> "WorkerPool":
        """A pool over models already built (tests pass LangChain fake chat models)."""
        return cls(factory=lambda slot: models[slot], size=len(models), label=label)

    @property
    def _llm_type(self) -> str:
        return "newsdesk-worker-pool"

    def stats(self) -> dict[str, int]:
        with self._stats_lock:
            return {"workers": self.size, "busy": self._busy, "waiting": self._waiting,
                    "loaded": len(self._models), "served": self._served}

    @contextlib.contextmanager
    def lease(self) -> Iterator[BaseChatModel]:
        """A free model for the duration of the block; waits while all are busy."""
        with self._stats_lock:
            self._waiting += 1
        try:
            slot = self._free.get()
        finally:
            with self._stats_lock:
                self._waiting -= 1
        try:
            with self._build_lock:
                if slot not in self._models:
                    self._models[slot] = self.factory(slot)
                model = self._models[slot]
            with self._stats_lock:
                self._busy += 1
            try:
                yield model
            finally:
                with self._stats_lock:
                    self._busy -= 1
                    self._served += 1
        finally:
            self._free.put(slot)

    def warm_up(self) -> None:
        """Load every model now (a server does this before taking requests)."""
        with self._build_lock:
            for slot in range(self.size):
                if slot not in self._models:
                    self._models[slot] = self.factory(slot)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        with self.lease() as model:
            return model._generate(messages, stop=stop, **kwargs)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        # Closing this generator early (the reader went away) leaves the `with`: the worker is free.
        with self.lease() as model:
            for chunk in model._stream(messages, stop=stop, **kwargs):
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    def close(self) -> None:
        from app.llm import close_chat_model

        with self._build_lock:
            for model in self._models.values():
                close_chat_model(model)
            self._models.clear()


def threads_per_worker(settings: Settings) -> int:
    """The CPU threads given to each llama.cpp instance: the configured total split among the workers."""
    total = settings.llm.n_threads or os.cpu_count() or 2
    return max(1, total // max(1, settings.llm.workers))


def build_pool(settings: Settings) -> BaseChatModel:
    """The generator for these settings: a pool of llama.cpp instances, or the remote backend's client."""
    from app.llm import build_chat_model, model_label

    if settings.llm.backend != "llamacpp":
        return build_chat_model(settings)
    per_worker = settings.with_overrides(**{"llm.n_threads": threads_per_worker(settings)})
    return WorkerPool(factory=lambda slot: build_chat_model(per_worker), size=settings.llm.workers,
                      label=model_label(settings.llm))


_generators: dict[tuple, BaseChatModel] = {}
_generators_lock = threading.Lock()


def get_generator(settings: Settings) -> BaseChatModel:
    """The process's generator for these model settings, shared by every temperature and top-k
    (a llama.cpp instance costs hundreds of MB; the temperature is passed per call)."""
    llm = settings.llm
    local = llm.backend == "llamacpp"
    key = (llm.backend, llm.model, llm.base_url, None if local else llm.temperature, llm.max_tokens, llm.n_ctx,
           llm.workers, llm.n_threads)
    with _generators_lock:
        if key not in _generators:
            _generators[key] = build_pool(settings)
        return _generators[key]


@atexit.register
def _close_generators() -> None:
    """Free llama.cpp models while the interpreter is intact (see app.llm._close_models)."""
    for generator in list(_generators.values()):
        if isinstance(generator, WorkerPool):
            generator.close()

"""Generation workers: N chat models behind one LangChain chat model, one generation per model at a time.

A llama.cpp context is not thread-safe, so each model instance belongs to one worker thread, which
generates one answer at a time; generations wait in one queue for the next free worker. A stream
closed early (the client went away) stops its generation after the token in hand and frees the
worker. With ``llm.workers = N``, N instances are loaded, with the CPU threads split among them.
Everything that needs no model - validation, retrieval, refusals - never waits here.
Remote backends (Ollama, OpenAI-compatible servers) queue on their side: one shared client, no pool.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from app.config import Settings


_END = object()


@dataclass
class _Job:
    messages: list[BaseMessage]
    stop: list[str] | None
    kwargs: dict[str, Any]
    stream: bool
    out: queue.Queue = field(default_factory=queue.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class _PoolState:
    """Everything mutable, in one object that copies of the pool share (``with_temperature``
    copies the chat model per request)."""

    jobs: queue.Queue = field(default_factory=queue.Queue)
    threads: list[threading.Thread] = field(default_factory=list)
    ready: list[threading.Event] = field(default_factory=list)
    models: dict[int, BaseChatModel] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: int = 0
    served: int = 0


class WorkerPool(BaseChatModel):
    """A chat model that runs each call on one of ``size`` worker threads, each owning one model
    (built in its thread on first use). Jobs wait in one queue; a worker takes the next when it is
    done. The threads run at ``nice`` lower CPU priority (Linux), and so do the threads llama.cpp
    starts from them: on a small machine, retrieval and refusals then get the CPU first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    factory: Callable[[int], BaseChatModel]
    size: int = 1
    label: str = "pool"
    nice: int = 0
    temperature: float | None = None  # per request (``app.llm.with_temperature``); None = the models' own
    _state: _PoolState = PrivateAttr(default_factory=_PoolState)

    @classmethod
    def of(cls, models: Sequence[BaseChatModel], label: str = "pool") -> "WorkerPool":
        """A pool over models already built (tests pass LangChain fake chat models)."""
        return cls(factory=lambda slot: models[slot], size=len(models), label=label)

    @property
    def _llm_type(self) -> str:
        return "newsdesk-worker-pool"

    @property
    def model_name(self) -> str:
        return self.label

    def stats(self) -> dict[str, int]:
        state = self._state
        with state.lock:
            return {"workers": self.size, "busy": state.busy, "waiting": state.jobs.qsize(),
                    "loaded": len(state.models), "served": state.served}

    def _start(self) -> None:
        state = self._state
        with state.lock:
            if state.threads:
                return
            for slot in range(self.size):
                ready = threading.Event()
                thread = threading.Thread(target=self._work, args=(slot, ready), name=f"newsdesk-generator-{slot}",
                                          daemon=True)
                state.ready.append(ready)
                state.threads.append(thread)
                thread.start()

    def warm_up(self) -> None:
        """Load every model now (a server does this before taking requests)."""
        self._start()
        for ready in self._state.ready:
            ready.wait()

    def _work(self, slot: int, ready: threading.Event) -> None:
        state = self._state
        if self.nice and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        model, failure = None, None
        try:
            model = self.factory(slot)
            with state.lock:
                state.models[slot] = model
        except Exception as err:  # every job gets the error: the server keeps answering refusals
            failure = err
        ready.set()
        while True:
            job = state.jobs.get()
            if job is None:
                return
            if job.cancel.is_set():
                continue
            with state.lock:
                state.busy += 1
            try:
                if failure is not None:
                    raise failure
                if not job.stream:
                    job.out.put(model._generate(job.messages, stop=job.stop, **job.kwargs))
                else:
                    with contextlib.closing(model._stream(job.messages, stop=job.stop, **job.kwargs)) as chunks:
                        for chunk in chunks:
                            if job.cancel.is_set():  # the reader is gone: stop generating
                                break
                            job.out.put(chunk)
                job.out.put(_END)
            except BaseException as err:
                job.out.put(err)
            finally:
                with state.lock:
                    state.busy -= 1
                    state.served += 1

    def _submit(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict, stream: bool) -> _Job:
        self._start()
        if self.temperature is not None:
            kwargs = {"temperature": self.temperature, **kwargs}
        job = _Job(messages, stop, kwargs, stream)
        self._state.jobs.put(job)
        return job

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        job = self._submit(messages, stop, kwargs, stream=False)
        try:
            result = job.out.get()
        finally:
            job.cancel.set()
        if isinstance(result, BaseException):
            raise result
        return result

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        job = self._submit(messages, stop, kwargs, stream=True)
        try:
            while True:
                item = job.out.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                if run_manager:
                    run_manager.on_llm_new_token(item.text, chunk=item)
                yield item
        finally:
            # Closed early (the reader went away): the worker stops after the token in hand.
            job.cancel.set()

    def close(self) -> None:
        from app.llm import close_chat_model

        state = self._state
        with state.lock:
            threads, state.threads = state.threads, []
        for _ in threads:
            state.jobs.put(None)
        for thread in threads:
            thread.join(timeout=5)
        with state.lock:
            for model in state.models.values():
                close_chat_model(model)
            state.models.clear()


def threads_per_worker(settings: Settings) -> int:
    """The CPU threads given to each llama.cpp instance: the configured total split among the workers."""
    total = settings.llm.n_threads or os.cpu_count() or 2
    return max(1, total // max(1, settings.llm.workers))


def build_pool(settings: Settings) -> WorkerPool:
    """``llm.workers`` llama.cpp instances, each with its share of the CPU threads."""
    from app.llm import build_llamacpp_instance, model_label

    per_worker = settings.with_overrides(**{"llm.n_threads": threads_per_worker(settings)})
    return WorkerPool(factory=lambda slot: build_llamacpp_instance(per_worker), size=settings.llm.workers,
                      label=model_label(settings.llm), nice=settings.llm.worker_nice)

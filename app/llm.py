"""Chat-model backends, chosen by configuration alone: llama.cpp (default), Ollama, OpenAI-compatible."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import warnings
import weakref
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable

from app.config import LLMSettings, Settings
from app.modelfiles import PACKAGED_MODELS, packaged_gguf_path

log = logging.getLogger(__name__)


class BackendError(RuntimeError):
    pass


def _close_at_exit(ref: weakref.ref) -> None:
    """Free a llama.cpp model while the interpreter is intact: left to ``Llama.__del__`` at
    shutdown, freeing runs after llama_cpp's module globals are gone and prints a TypeError."""
    close_chat_model(ref())


def close_chat_model(model: object) -> None:
    client = getattr(model, "client", None)
    with contextlib.suppress(Exception):
        if client is not None and hasattr(client, "close"):
            client.close()


def model_label(llm: LLMSettings) -> str:
    if llm.backend == "llamacpp" and llm.model in PACKAGED_MODELS:
        return f"llama.cpp: {PACKAGED_MODELS[llm.model].name}"
    return f"{llm.backend}: {llm.model}"


def gguf_path(settings: Settings) -> Path:
    llm = settings.llm
    if llm.model in PACKAGED_MODELS:
        return packaged_gguf_path(llm.model, Path(settings.cache_dir))
    path = Path(llm.model).expanduser()
    if not path.is_file():
        raise BackendError(
            f"llama.cpp model '{llm.model}' is neither a packaged model "
            f"({', '.join(PACKAGED_MODELS)}) nor a GGUF file"
        )
    return path


def build_chat_model(settings: Settings) -> BaseChatModel:
    """A new chat model for the configured backend. Each llama.cpp copy costs hundreds of MB: build
    one per application (``app.application.Newsdesk``) and pass it to what needs it."""
    if settings.llm.backend == "llamacpp":
        # llm.workers instances, each generating on a thread of its own (app.workers).
        from app.workers import build_pool

        return build_pool(settings)
    return _build(settings)


def build_llamacpp_instance(settings: Settings) -> BaseChatModel:
    """One llama.cpp model (one copy of the weights, one context): a worker of ``build_pool``."""
    model = _build(settings)
    atexit.register(_close_at_exit, weakref.ref(model))
    return model


def with_temperature(model: Runnable, temperature: float | None) -> Runnable:
    """The model sampling at ``temperature`` for one request: a shallow copy sharing the loaded
    weights and connections, or the model itself when it has no temperature (fakes, wrappers)."""
    if temperature is None or not isinstance(model, BaseChatModel) or "temperature" not in type(model).model_fields:
        return model
    if getattr(model, "temperature", None) == temperature:
        return model
    return model.model_copy(update={"temperature": float(temperature)})


def new_generation_lock(llm: LLMSettings, chat_model: object | None = None):
    """What a generation holds while it runs. Built from the settings, llama.cpp is a pool of
    workers that runs one generation per model instance itself (app.workers), and remote backends
    handle concurrency themselves: no lock. An injected model gets a lock, to be safe, unless it is
    a worker pool."""
    from app.workers import WorkerPool

    if chat_model is None or isinstance(chat_model, WorkerPool):
        return contextlib.nullcontext()
    return threading.Lock()


def _build(settings: Settings) -> BaseChatModel:
    llm = settings.llm
    if llm.backend == "llamacpp":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.chat_models import ChatLlamaCpp
        path = gguf_path(settings)
        import os

        from app.runtime import load_cpu_backend

        variant = load_cpu_backend()  # the CPU library this machine runs best, before the model loads
        log.info("loading %s from %s%s", model_label(llm), path, f" (CPU library: {variant})" if variant else "")

        return ChatLlamaCpp(
            model_path=str(path),
            n_ctx=llm.n_ctx,
            temperature=llm.temperature,
            max_tokens=llm.max_tokens,
            n_threads=llm.n_threads or max(1, (os.cpu_count() or 2)),
            n_batch=512,
            seed=0,
            verbose=False,
        )
    if llm.backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=llm.model, base_url=llm.base_url or "http://127.0.0.1:11434",
                          temperature=llm.temperature, num_predict=llm.max_tokens, num_ctx=llm.n_ctx)
    if llm.backend == "openai":
        from langchain_openai import ChatOpenAI

        if not llm.base_url and not llm.api_key:
            raise BackendError("the openai backend needs NEWSDESK_LLM__BASE_URL (any OpenAI-compatible server) "
                               "and/or NEWSDESK_LLM__API_KEY")
        return ChatOpenAI(model=llm.model, base_url=llm.base_url, api_key=llm.api_key or "not-needed",
                          temperature=llm.temperature, max_tokens=llm.max_tokens, timeout=llm.timeout_s)
    raise BackendError(f"unknown backend '{llm.backend}'")

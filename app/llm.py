"""Chat-model backends, chosen by configuration alone: llama.cpp (default), Ollama, OpenAI-compatible."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import warnings
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable

from app.config import LLMSettings, Settings
from app.modelfiles import PACKAGED_MODELS, packaged_gguf_path

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple, BaseChatModel] = {}


class BackendError(RuntimeError):
    pass


@atexit.register
def _close_models() -> None:
    """Free llama.cpp models while the interpreter is intact: left to ``Llama.__del__`` at
    shutdown, freeing runs after llama_cpp's module globals are gone and prints a TypeError."""
    for model in list(_cache.values()):
        close_chat_model(model)


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


def get_chat_model(settings: Settings) -> Runnable:
    """A chat model for the configured backend; a llama.cpp model is loaded once per process and
    shared by every temperature (passed per call), since each copy costs hundreds of MB."""
    llm = settings.llm
    local = llm.backend == "llamacpp"
    key = (llm.backend, llm.model, llm.base_url, None if local else llm.temperature, llm.max_tokens, llm.n_ctx)
    with _lock:
        if key not in _cache:
            _cache[key] = build_chat_model(settings)
        model = _cache[key]
    return model.bind(temperature=llm.temperature) if local else model


_generation_locks: dict[str, threading.Lock] = {}


def generation_lock(settings: Settings):
    """llama.cpp contexts are not thread-safe: one generation at a time per loaded model.
    Remote backends handle concurrency themselves."""
    if settings.llm.backend != "llamacpp":
        return contextlib.nullcontext()
    with _lock:
        return _generation_locks.setdefault(settings.llm.model, threading.Lock())


def build_chat_model(settings: Settings) -> BaseChatModel:
    """A new chat model for the configured backend (each llama.cpp one loads its own copy)."""
    llm = settings.llm
    if llm.backend == "llamacpp":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.chat_models import ChatLlamaCpp
        path = gguf_path(settings)
        log.info("loading %s from %s", model_label(llm), path)
        import os

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

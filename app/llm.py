"""Chat-model backends, chosen by configuration alone: llama.cpp (default), Ollama, OpenAI-compatible."""

from __future__ import annotations

import atexit
import contextlib
import functools
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
        path = gguf_path(settings)
        import os

        from app.runtime import load_cpu_backend

        variant = load_cpu_backend()  # the CPU library this machine runs best, before the model loads
        log.info("loading %s from %s%s", model_label(llm), path, f" (CPU library: {variant})" if variant else "")

        return _scored_llamacpp_class()(
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


class _TokenRecorder:
    """A llama.cpp logits processor that records, at each generated token, the log-probabilities of
    the model's strongest ``top`` tokens (the raw distribution, before a grammar narrows it) and,
    one step later, the log-probability of the token that was generated. It changes no logit."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.steps: list[dict] = []  # {"position", "top": {token id: logprob}, "chosen": logprob}
        self._previous = None

    def __call__(self, input_ids, scores):
        import numpy as np

        logits = scores.astype(np.float64)
        logprobs = logits - logits.max()
        logprobs -= np.log(np.exp(logprobs).sum())
        if self._previous is not None and self.steps:  # the token generated one step ago
            self.steps[-1]["chosen"] = float(self._previous[int(input_ids[-1])])
        best = np.argpartition(-logprobs, self.top)[:self.top]
        self.steps.append({"position": len(input_ids), "top": {int(i): float(logprobs[i]) for i in best}})
        self._previous = logprobs
        return scores

    def content(self, llama) -> list[dict]:
        """The generated tokens with their log-probabilities, in OpenAI's chat ``logprobs.content``
        format (the last token, never evaluated, is left out)."""
        def text(token: int) -> str:
            return llama.detokenize([token]).decode("utf-8", errors="replace")

        tokens = llama.input_ids
        content = []
        for step in self.steps:
            if "chosen" not in step or step["position"] >= llama.n_tokens:
                continue
            ranked = sorted(step["top"].items(), key=lambda kv: -kv[1])
            content.append({"token": text(int(tokens[step["position"]])), "logprob": step["chosen"],
                            "top_logprobs": [{"token": text(i), "logprob": lp} for i, lp in ranked]})
        return content


@functools.cache
def _scored_llamacpp_class():
    """LangChain's ChatLlamaCpp that also reports each generated token's log-probability and its
    strongest alternatives when a call asks ``logprobs=True`` (as OpenAI's API does), in the
    message's ``response_metadata["logprobs"]``. llama.cpp's own logprobs need ``logits_all``,
    which keeps logits for every prompt token (n_ctx x 152k floats) and slows reading the prompt;
    a logits processor sees only the generated steps."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.chat_models import ChatLlamaCpp
    from llama_cpp import LogitsProcessorList

    class ScoredChatLlamaCpp(ChatLlamaCpp):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            if not kwargs.pop("logprobs", False):
                return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
            recorder = _TokenRecorder(int(kwargs.pop("top_logprobs", None) or 5))
            result = super()._generate(messages, stop=stop, run_manager=run_manager,
                                       logits_processor=LogitsProcessorList([recorder]), **kwargs)
            generation = result.generations[0]
            generation.generation_info = {**(generation.generation_info or {}),
                                          "logprobs": {"content": recorder.content(self.client)}}
            return result

    return ScoredChatLlamaCpp

"""Optional LLM-as-judge faithfulness: is the answer supported by the passages it cites?

Configured by ``--judge-backend/--judge-model/--judge-base-url`` or the environment:
``NEWSDESK_JUDGE__BACKEND`` (llamacpp | ollama | openai), ``NEWSDESK_JUDGE__MODEL``,
``NEWSDESK_JUDGE__BASE_URL``, ``NEWSDESK_JUDGE__API_KEY``. Without a backend, no judge runs and
the report's ``faithfulness`` is null. The judge answers yes/no per answer; an unparseable or
failed verdict is left out of the mean (and counted in ``judge_errors``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

JUDGE_PROMPT = """You check whether an answer is supported by source passages.

Passages:
{passages}

Question: {question}
Answer: {answer}

Is every statement in the answer supported by the passages above? Reply with one word: yes or no."""

_VERDICT_RE = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
_MARKER_RE = re.compile(r"\s*\[\d+\]")
NO_JUDGE_NOTE = ("faithfulness skipped: no judge model configured "
                 "(set NEWSDESK_JUDGE__BACKEND / --judge-backend, with a model and base URL)")


@dataclass(frozen=True)
class JudgeConfig:
    backend: str
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: str | None) -> JudgeConfig | None:
        """The judge configured by options (first) or NEWSDESK_JUDGE__*; None when no backend is set."""
        environ = os.environ if environ is None else environ
        values = {key: overrides.get(key) or environ.get(f"NEWSDESK_JUDGE__{key.upper()}") or None
                  for key in ("backend", "model", "base_url", "api_key")}
        if not values["backend"]:
            return None
        return cls(**values)


def parse_verdict(text: str) -> bool | None:
    """'Yes.' -> True, 'no, the passages ...' -> False, anything else -> None (first yes/no wins)."""
    match = _VERDICT_RE.search(text or "")
    return None if match is None else match.group(1).lower() == "yes"


class Judge:
    """Wraps any LangChain chat model; ``from_config`` builds one with the product's backends."""

    def __init__(self, chat_model, label: str = "judge"):
        self.chat_model = chat_model
        self.label = label
        self.failures = 0
        self.disabled_reason: str | None = None

    @classmethod
    def from_config(cls, config: JudgeConfig, settings) -> Judge:
        from app.llm import get_chat_model, model_label

        overrides = {"llm.backend": config.backend, "llm.temperature": 0.0, "llm.max_tokens": 16,
                     "llm.base_url": config.base_url, "llm.api_key": config.api_key}
        if config.model:
            overrides["llm.model"] = config.model
        judge_settings = settings.with_overrides(**overrides)
        return cls(get_chat_model(judge_settings), label=model_label(judge_settings.llm))

    def verdict(self, question: str, answer: str, passages: Sequence[str]) -> tuple[bool | None, str]:
        """(supported?, the judge's raw reply or the error); None when no verdict could be had."""
        if self.disabled_reason:
            return None, self.disabled_reason
        numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(dict.fromkeys(passages), start=1))
        prompt = JUDGE_PROMPT.format(passages=numbered or "(none)", question=question,
                                     answer=_MARKER_RE.sub("", answer))
        try:
            reply = self.chat_model.invoke(prompt)
            text = reply.content if hasattr(reply, "content") else str(reply)
        except Exception as err:  # a judge failure must not fail the evaluation
            self.failures += 1
            if self.failures >= 3:
                self.disabled_reason = f"judge disabled after 3 failures (last: {err})"
            log.warning("judge failed: %s", err)
            return None, f"judge error: {err}"
        self.failures = 0
        return parse_verdict(str(text)), str(text).strip()

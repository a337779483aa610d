"""Optional LLM-as-judge faithfulness: is the answer supported by the passages it cites?

Configured by the settings' ``judge`` section (``app.config.JudgeSettings``): the options
``--judge-backend/--judge-model/--judge-base-url``, the environment (``NEWSDESK_JUDGE__BACKEND``
= llamacpp | ollama | openai, ``NEWSDESK_JUDGE__MODEL``, ``NEWSDESK_JUDGE__BASE_URL``,
``NEWSDESK_JUDGE__API_KEY``) or ``[judge]`` in newsdesk.toml. Without a backend, no judge runs and
the report's ``faithfulness`` is null. The judge answers yes/no per answer; an unparseable or
failed verdict is left out of the mean (and counted in ``judge_errors``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from app.config import JudgeSettings
from app.text import strip_markers

log = logging.getLogger(__name__)

JUDGE_PROMPT = """You check whether an answer is supported by source passages.

Passages:
{passages}

Question: {question}
Answer: {answer}

Is every statement in the answer supported by the passages above? Reply with one word: yes or no."""

_VERDICT_RE = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
NO_JUDGE_NOTE = ("faithfulness skipped: no judge model configured "
                 "(set NEWSDESK_JUDGE__BACKEND / --judge-backend, with a model and base URL)")


# The judge's configuration is a settings section; the old name stays for callers.
JudgeConfig = JudgeSettings


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
    def from_config(cls, config: JudgeSettings, settings) -> Judge:
        from app.llm import build_chat_model, model_label

        overrides = {"llm.backend": config.backend, "llm.temperature": 0.0, "llm.max_tokens": 16,
                     "llm.base_url": config.base_url, "llm.api_key": config.api_key}
        if config.model:
            overrides["llm.model"] = config.model
        judge_settings = settings.with_overrides(**overrides)
        return cls(build_chat_model(judge_settings), label=model_label(judge_settings.llm))

    def verdict(self, question: str, answer: str, passages: Sequence[str]) -> tuple[bool | None, str]:
        """(supported?, the judge's raw reply or the error); None when no verdict could be had."""
        if self.disabled_reason:
            return None, self.disabled_reason
        numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(dict.fromkeys(passages), start=1))
        prompt = JUDGE_PROMPT.format(passages=numbered or "(none)", question=question,
                                     answer=strip_markers(answer))
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

"""The generator as a pointer: it picks the sentence that states the answer and copies the answer
span, under constrained output, so a small model cannot cite a sentence that does not exist or
wander off into free text.

- llama.cpp: a JSON schema turned into a grammar by llama-cpp-python (``response_format``); the
  sentence number is an enum of the numbers shown.
- Ollama / OpenAI-compatible servers: LangChain's ``with_structured_output(schema, method="json_schema")``.

Whatever the model returns is only a proposal: app/answering/verification.py verifies it.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pick:
    sentences: tuple[int, ...]  # 1-based numbers of the sentences shown; empty = "none states it"
    answer: str  # the copied span ("" for why/how picks)
    raw: str  # what the model returned, for the record
    confidence: float | None = None  # the model's probability of its sentence number (number_confidence)


def factoid_schema(count: int) -> dict:
    return {
        "type": "object",
        "properties": {
            "sentence": {"type": "integer", "enum": list(range(0, count + 1))},
            "answer": {"type": "string", "maxLength": 120},
        },
        "required": ["sentence", "answer"],
        "additionalProperties": False,
    }


def choice_schema(count: int) -> dict:
    """One of ``count`` numbered candidates, or 0 for none."""
    return {
        "type": "object",
        "properties": {"choice": {"type": "integer", "enum": list(range(0, count + 1))}},
        "required": ["choice"],
        "additionalProperties": False,
    }


def parse_choice(raw: str | Reply, count: int) -> int:
    """The chosen candidate's number (1-based), or 0 for none or anything malformed."""
    choice = _json_object(reply_text(raw)).get("choice")
    return choice if isinstance(choice, int) and 1 <= choice <= count else 0


def _json_object(raw: str) -> dict:
    """The model's JSON object, also when wrapped in other text; {} when there is none."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        match = re.search(r"\{.*\}", raw or "", re.S)
        try:
            data = json.loads(match.group()) if match else {}
        except json.JSONDecodeError:
            data = {}
    return data if isinstance(data, dict) else {}


def explain_schema(count: int) -> dict:
    return {
        "type": "object",
        "properties": {
            "sentences": {"type": "array", "items": {"type": "integer", "enum": list(range(1, count + 1))},
                          "maxItems": 2},
        },
        "required": ["sentences"],
        "additionalProperties": False,
    }


def parse_pick(raw: str | Reply, count: int) -> Pick:
    """Read the model's JSON; anything malformed or out of range reads as "none"."""
    confidence = number_confidence(raw, "sentence", range(count + 1))
    raw = reply_text(raw)
    data = _json_object(raw)
    numbers = data.get("sentences", [data.get("sentence")] if "sentence" in data else [])
    if not isinstance(numbers, list):
        numbers = [numbers]
    valid = tuple(dict.fromkeys(n for n in numbers if isinstance(n, int) and 1 <= n <= count))
    answer = data.get("answer", "")
    return Pick(valid, answer.strip() if isinstance(answer, str) else "", raw if isinstance(raw, str) else "",
                confidence)


@dataclass(frozen=True)
class Reply:
    """The generator's JSON text and, where the backend gives them, its tokens' log-probabilities
    (OpenAI's chat ``logprobs.content`` format: token, logprob, top_logprobs)."""

    text: str
    tokens: tuple[dict, ...] = ()

    def __str__(self) -> str:
        return self.text


# (system prompt, user prompt, JSON schema) -> JSON text, or a Reply with its tokens' log-probabilities
PickFn = Callable[[str, str, dict], "str | Reply"]


def reply_text(reply: str | Reply | None) -> str:
    return reply.text if isinstance(reply, Reply) else (reply or "")


def number_confidence(reply: str | Reply | None, field: str, valid: Sequence[int]) -> float | None:
    """The model's probability of the number it wrote for ``field``, among the numbers it could
    write (``valid``): its raw next-token distribution at that point, renormalised over those
    numbers' tokens. None when the backend gave no log-probabilities or the number is not found."""
    return value_confidence(reply, field, [str(n) for n in valid])


def value_confidence(reply: str | Reply | None, field: str, values: Sequence[str]) -> float | None:
    """The model's probability of the value it wrote for ``field`` among ``values`` (the schema's
    enum), read at the value's first token: the raw distribution there (before the grammar narrowed
    it), renormalised over the tokens that begin one of the values. None without log-probabilities."""
    if not isinstance(reply, Reply) or not reply.tokens:
        return None
    offsets, text = [], ""
    for token in reply.tokens:
        offsets.append(len(text))
        text += token.get("token", "")
    match = re.search(rf'"{re.escape(field)}"\s*:\s*"?(?=\w)', text)
    if not match:
        return None
    at = max(i for i, start in enumerate(offsets) if start <= match.end())
    token = reply.tokens[at]

    def begins_a_value(piece: str) -> bool:
        return bool(piece) and any(value.startswith(piece) for value in values)

    written = token.get("token", "").strip().strip('"')
    if not begins_a_value(written):
        return None
    mass = {written: math.exp(float(token.get("logprob", -math.inf)))}
    for alternative in token.get("top_logprobs") or ():
        piece = alternative.get("token", "").strip().strip('"')
        if begins_a_value(piece) and piece not in mass:
            mass[piece] = math.exp(float(alternative.get("logprob", -math.inf)))
    total = sum(mass.values())
    return round(mass[written] / total, 4) if total > 0 else None


def constrained_caller(chat_model: Runnable, backend: str, max_tokens: int = 96) -> PickFn:
    """A function that sends one system+user exchange and returns JSON text obeying the schema."""
    if backend == "llamacpp":
        # The schema goes to llama-cpp-python's create_chat_completion as a grammar; called through
        # the chat model (a worker pool or one ChatLlamaCpp), which passes extra arguments on.
        # Token log-probabilities come from app/llm.py's recorder; a plain ChatLlamaCpp handed in
        # refuses them (llama.cpp wants ``logits_all``), and is then asked without.
        scored = True

        def call(system: str, user: str, schema: dict) -> Reply:
            nonlocal scored
            messages = [SystemMessage(system), HumanMessage(user)]
            options = {"response_format": {"type": "json_object", "schema": schema}, "temperature": 0.0,
                       "max_tokens": max_tokens, "seed": 0}
            if scored:
                try:
                    return _reply(chat_model.invoke(messages, **options, logprobs=True, top_logprobs=TOP_LOGPROBS))
                except ValueError as err:
                    if "logprobs" not in str(err):
                        raise
                    scored = False
            return _reply(chat_model.invoke(messages, **options))

        return call

    model = getattr(chat_model, "bound", chat_model)
    if backend == "openai" and "logprobs" in type(model).model_fields:
        # OpenAI-compatible servers report token log-probabilities when asked (the pick's confidence).
        model = model.model_copy(update={"logprobs": True, "top_logprobs": TOP_LOGPROBS})
    # Servers that refuse OpenAI's "json_schema" format (llama-cpp-python's server takes a JSON object
    # with a "schema" instead) are asked that way from then on.
    json_schema_refused = False

    def call_structured(system: str, user: str, schema: dict) -> Reply:
        nonlocal json_schema_refused
        messages = [("system", system), ("human", user)]
        if not json_schema_refused:
            try:
                structured = model.with_structured_output({"title": "pick", "description": "the pick", **schema},
                                                          method="json_schema", include_raw=True)
                result = structured.invoke(messages)
                parsed = result.get("parsed") if isinstance(result, dict) else result
                if result.get("parsing_error") if isinstance(result, dict) else False:
                    raise result["parsing_error"]
                text = json.dumps(parsed if isinstance(parsed, dict) else getattr(parsed, "model_dump", dict)())
                return Reply(text, _reply(result["raw"]).tokens if isinstance(result, dict) and "raw" in result else ())
            except Exception as err:
                if "json_schema" not in str(err) and "response_format" not in str(err):
                    raise
                json_schema_refused = True
        message = model.invoke(messages, response_format={"type": "json_object", "schema": schema})
        return _reply(message)

    return call_structured


# How many alternatives each generated token reports: enough to hold every sentence number shown.
TOP_LOGPROBS = 10


def _reply(message) -> Reply:
    """A chat message as a Reply: its text and, where the backend reported them, its tokens'
    log-probabilities (llama.cpp: app.llm's recorder; OpenAI-compatible: ``logprobs``)."""
    text = message.content if isinstance(message.content, str) else message.text()
    logprobs = (getattr(message, "response_metadata", None) or {}).get("logprobs") or {}
    return Reply(text, tuple(logprobs.get("content") or ()) if isinstance(logprobs, dict) else ())


def format_sentences(lines: Sequence[tuple[str, str, str]]) -> str:
    """Numbered sentences with their article's title and date: "[2] (Title, 2019-01-05) Text"."""
    return "\n".join(f"[{n}] ({_clean(title)[:70]}, {date or 'undated'}) {_clean(text)}"
                     for n, (title, date, text) in enumerate(lines, start=1))


def _clean(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())

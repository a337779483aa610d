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


def parse_choice(raw: str, count: int) -> int:
    """The chosen candidate's number (1-based), or 0 for none or anything malformed."""
    choice = _json_object(raw).get("choice")
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


def parse_pick(raw: str, count: int) -> Pick:
    """Read the model's JSON; anything malformed or out of range reads as "none"."""
    data = _json_object(raw)
    numbers = data.get("sentences", [data.get("sentence")] if "sentence" in data else [])
    if not isinstance(numbers, list):
        numbers = [numbers]
    valid = tuple(dict.fromkeys(n for n in numbers if isinstance(n, int) and 1 <= n <= count))
    answer = data.get("answer", "")
    return Pick(valid, answer.strip() if isinstance(answer, str) else "", raw if isinstance(raw, str) else "")


PickFn = Callable[[str, str, dict], str]  # (system prompt, user prompt, JSON schema) -> JSON text


def constrained_caller(chat_model: Runnable, backend: str, max_tokens: int = 96) -> PickFn:
    """A function that sends one system+user exchange and returns JSON text obeying the schema."""
    if backend == "llamacpp":
        # The schema goes to llama-cpp-python's create_chat_completion as a grammar; called through
        # the chat model (a worker pool or one ChatLlamaCpp), which passes extra arguments on.
        def call(system: str, user: str, schema: dict) -> str:
            message = chat_model.invoke([SystemMessage(system), HumanMessage(user)],
                                        response_format={"type": "json_object", "schema": schema},
                                        temperature=0.0, max_tokens=max_tokens, seed=0)
            return message.content if isinstance(message.content, str) else message.text()

        return call

    model = getattr(chat_model, "bound", chat_model)
    # Servers that refuse OpenAI's "json_schema" format (llama-cpp-python's server takes a JSON object
    # with a "schema" instead) are asked that way from then on.
    json_schema_refused = False

    def call_structured(system: str, user: str, schema: dict) -> str:
        nonlocal json_schema_refused
        messages = [("system", system), ("human", user)]
        if not json_schema_refused:
            try:
                structured = model.with_structured_output({"title": "pick", "description": "the pick", **schema},
                                                          method="json_schema")
                result = structured.invoke(messages)
                return json.dumps(result if isinstance(result, dict) else getattr(result, "model_dump", dict)())
            except Exception as err:
                if "json_schema" not in str(err) and "response_format" not in str(err):
                    raise
                json_schema_refused = True
        message = model.invoke(messages, response_format={"type": "json_object", "schema": schema})
        return message.content if isinstance(message.content, str) else message.text()

    return call_structured


def format_sentences(lines: Sequence[tuple[str, str, str]]) -> str:
    """Numbered sentences with their article's title and date: "[2] (Title, 2019-01-05) Text"."""
    return "\n".join(f"[{n}] ({_clean(title)[:70]}, {date or 'undated'}) {_clean(text)}"
                     for n, (title, date, text) in enumerate(lines, start=1))


def _clean(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())

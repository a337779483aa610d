"""What arrives from the page or an API client, as typed values: per-request options, a chat
history in any of the shapes clients send, uploaded files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.answering import Turn


def top_k(value: Any, default: int) -> int:
    try:
        return max(1, min(50, int(value)))
    except (TypeError, ValueError):
        return default


def temperature(value: Any) -> float | None:
    try:
        return max(0.0, min(2.0, round(float(value), 2)))
    except (TypeError, ValueError):
        return None


def message_text(content: Any) -> str:
    """The text of a chat message's content in any of the shapes Gradio or a client may send."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "") if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return " ".join(t for t in (message_text(c) for c in content) if t)
    return str(content)


def turns_from_history(history: Any) -> list[Turn]:
    """Turns from a history given as chat messages, [question, answer] pairs or {question, answer} dicts."""
    turns: list[Turn] = []
    pending: str | None = None
    for item in history or []:
        if isinstance(item, dict) and "role" in item:
            text = message_text(item.get("content"))
            if item["role"] == "user":
                pending = text
            elif item["role"] == "assistant" and pending is not None:
                turns.append(Turn(pending, text))
                pending = None
        elif isinstance(item, dict) and "question" in item:
            turns.append(Turn(str(item["question"]), str(item.get("answer") or "")))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append(Turn(message_text(item[0]), message_text(item[1])))
    return turns


def uploaded_files(files: Any) -> list[tuple[Path, str]]:
    """(path, original name) of each file Gradio or an API client sent."""
    items = [f for f in (files if isinstance(files, (list, tuple)) else [files] if files else []) if f]
    uploaded = []
    for item in items:
        if isinstance(item, dict):  # FileData dict from an API client
            path = item.get("path") or item.get("name")
            uploaded.append((Path(path), str(item.get("orig_name") or Path(path).name)))
        else:
            path = Path(getattr(item, "name", None) or str(item))
            uploaded.append((path, path.name))
    return uploaded

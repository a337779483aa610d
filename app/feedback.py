"""Readers' thumbs up/down on answers, one JSON line each in ``<data_dir>/feedback.jsonl``."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from app.config import Settings

_lock = threading.Lock()  # appends from concurrent UI events must not interleave


def append_feedback(settings: Settings, record: dict) -> None:
    path = Path(settings.data_dir) / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False)
    with _lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")

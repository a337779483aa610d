"""The Python API: ``ask`` for one question, ``Chat`` for a conversation with follow-ups.

    >>> from app import ask
    >>> answer = ask("How many rockets hit the base?")
    >>> answer.text, answer.citations[0].span.text
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from app.answering import Turn, get_pipeline, validate_question
from app.config import Settings, get_settings
from app.retrieval import Filters
from app.types import Answer

log = logging.getLogger(__name__)
_ensure_lock = threading.Lock()

# Keyword options of ask()/Chat.ask() and the settings they override.
_OPTION_KEYS = {
    "top_k": "retrieval.top_k", "mode": "retrieval.mode", "backend": "llm.backend", "model": "llm.model",
    "base_url": "llm.base_url", "api_key": "llm.api_key", "temperature": "llm.temperature",
    "max_tokens": "llm.max_tokens", "index_dir": "index_dir",
}


def resolve_settings(settings: Settings | None = None, **options) -> Settings:
    unknown = set(options) - set(_OPTION_KEYS)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(_OPTION_KEYS))}")
    settings = settings or get_settings()
    return settings.with_overrides(**{_OPTION_KEYS[k]: v for k, v in options.items()})


def ensure_index(settings: Settings) -> None:
    """An empty index is filled from the configured corpus folder, so the first question works."""
    pipeline = get_pipeline(settings)
    with _ensure_lock:
        if pipeline.store.counts()["articles"] == 0 and Path(settings.corpus_dir).exists():
            from app.ingest import ingest

            log.info("the index is empty: ingesting %s", settings.corpus_dir)
            ingest([Path(settings.corpus_dir)], settings, store=pipeline.store)


def add(*sources: str | Path, settings: Settings | None = None, **options):
    """Files, folders, RSS/Atom feed URLs or article page URLs into the index, as `newsdesk ingest`.

    Returns the ``IngestReport`` (added, updated, skipped, failed with reasons, wire copies grouped).
    """
    from app.sources.web import ingest_sources

    settings = resolve_settings(settings, **options)
    report = ingest_sources(list(sources), settings, store=get_pipeline(settings).store)
    return report


def _filters(sources=None, date_from=None, date_to=None) -> Filters:
    if isinstance(sources, str):
        sources = [sources]
    return Filters(sources=tuple(sources or ()), date_from=date_from, date_to=date_to)


def ask(question: str, *, settings: Settings | None = None, sources=None, date_from: str | None = None,
        date_to: str | None = None, **options) -> Answer:
    """Answer one question from the indexed articles. Options: see ``_OPTION_KEYS``."""
    return Chat(settings=settings, **options).ask(question, sources=sources, date_from=date_from, date_to=date_to)


class Chat:
    """A conversation: follow-up questions are understood in the light of earlier turns."""

    def __init__(self, *, settings: Settings | None = None, **options):
        self.settings = resolve_settings(settings, **options)
        self.history: list[Turn] = []

    def stream(self, question: str, *, sources=None, date_from=None, date_to=None) -> Iterator[str | Answer]:
        """Yields text pieces as the model writes them, then the final ``Answer``."""
        validate_question(question, self.settings)  # before touching the index: bad input fails fast
        ensure_index(self.settings)
        pipeline = get_pipeline(self.settings)
        for item in pipeline.stream(question, self.history, _filters(sources, date_from, date_to)):
            if isinstance(item, Answer):
                self.history.append(Turn(item.question, item.text, item.standalone_question))
            yield item

    def ask(self, question: str, **filters) -> Answer:
        answer = None
        for item in self.stream(question, **filters):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def clear(self) -> None:
        self.history.clear()

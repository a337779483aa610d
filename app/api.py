"""The Python API: ``ask`` for one question, ``Chat`` for a conversation with follow-ups, ``add``
to bring in files, folders, feeds and pages.

    >>> from app import ask
    >>> answer = ask("How many rockets hit the base?")
    >>> answer.text, answer.citations[0].span.text

Both run on a ``Newsdesk`` application (``app.application``): pass ``newsdesk=`` to reuse one
(its models stay loaded), or they build one from ``settings`` and the options.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from app.answering import Turn, final_answer
from app.application import Newsdesk
from app.config import OPTIONS, Settings, apply_options, get_settings
from app.types import Answer, FinalAnswer, StreamEvent

# Options that vary per request: they never build a new application.
REQUEST_OPTIONS = ("top_k", "temperature")


def resolve_settings(settings: Settings | None = None, **options) -> Settings:
    """``settings`` (default: from the environment) with the named options (``config.OPTIONS``)."""
    return apply_options(settings or get_settings(), **options)


def ask(question: str, *, settings: Settings | None = None, newsdesk: Newsdesk | None = None, sources=None,
        date_from: date | str | None = None, date_to: date | str | None = None, as_of: date | str | None = None,
        **options) -> Answer:
    """Answer one question from the indexed articles. Options: the names in ``config.OPTIONS``.

    Without ``newsdesk=`` an application is built for this one question and closed after it, so its
    models are loaded each time and never pile up; for many questions pass ``newsdesk=`` (or use one
    ``Chat``) to keep them loaded."""
    if newsdesk is not None:
        return Chat(newsdesk=newsdesk, **options).ask(question, sources=sources, date_from=date_from,
                                                      date_to=date_to, as_of=as_of)
    with Newsdesk(resolve_settings(settings, **options)) as own:
        return Chat(newsdesk=own).ask(question, sources=sources, date_from=date_from, date_to=date_to, as_of=as_of)


def add(*sources: str | Path, settings: Settings | None = None, newsdesk: Newsdesk | None = None, **options):
    """Files, folders, RSS/Atom feed URLs or article page URLs into the index, as `newsdesk ingest`.
    Returns the ``IngestReport`` (added, updated, skipped, failed with reasons, wire copies grouped)."""
    from app.corpus import Corpus

    newsdesk = newsdesk or Newsdesk(resolve_settings(settings, **options))
    return Corpus(newsdesk.settings, newsdesk.store).add(sources)


class Chat:
    """A conversation: follow-up questions are understood in the light of earlier turns."""

    def __init__(self, *, settings: Settings | None = None, newsdesk: Newsdesk | None = None, **options):
        # With a new application every option goes into its settings; an existing one takes only
        # the per-request options, checked as the settings would check them.
        self.request: dict[str, object] = {}
        if newsdesk is None:
            newsdesk = Newsdesk(resolve_settings(settings, **options))
        else:
            given = {name: value for name, value in options.items() if value is not None}
            if settings is not None or set(given) - set(REQUEST_OPTIONS):
                raise TypeError(f"with newsdesk= only the per-request options {', '.join(REQUEST_OPTIONS)} "
                                "can be given; settings and the other options build an application")
            apply_options(newsdesk.settings, **given)
            self.request = given
        self.newsdesk = newsdesk
        self.settings = newsdesk.settings
        self.history: list[Turn] = []

    def stream(self, question: str, *, sources=None, date_from=None, date_to=None, as_of=None
               ) -> Iterator[StreamEvent]:
        """``TextDelta`` events as the model writes, then the ``FinalAnswer``. ``as_of``: the day the
        question is asked (default today)."""
        events = self.newsdesk.stream(question, self.history, sources=sources, date_from=date_from,
                                      date_to=date_to, as_of=as_of, **self.request)
        for event in events:
            if isinstance(event, FinalAnswer):
                answer = event.answer
                self.history.append(Turn(answer.question, answer.text, answer.standalone_question))
            yield event

    def ask(self, question: str, **filters) -> Answer:
        return final_answer(self.stream(question, **filters))

    def clear(self) -> None:
        self.history.clear()


__all__ = ["Chat", "ask", "add", "resolve_settings", "OPTIONS"]

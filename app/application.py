"""The long-lived application: one ``Newsdesk`` holds the settings, the store, the models and the
pipeline, and is owned by whoever runs Newsdesk - the CLI command, the UI server, a Python caller,
an evaluation run. Nothing else keeps models: there are no module-level caches.

    >>> from app.application import Newsdesk
    >>> newsdesk = Newsdesk()                                  # cheap: models load on first use
    >>> newsdesk.ask("How many rockets hit the base?").text
    >>> newsdesk.ask("Who is the Pentagon spokesman?", top_k=8, temperature=0.3)  # per request

Models can be handed in (any LangChain chat model and embeddings), which is how the fast tests
run the whole answer flow with a fake chat model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
import app.nlp  # noqa: F401  (first: spaCy imported without torch)
from spacy.language import Language

from app.answering import Pipeline, Turn, final_answer
from app.config import Settings, get_settings
from app.lexicon import Lexicon
from app.retrieval import Filters, as_date
from app.store import Store
from app.types import Answer, StreamEvent

log = logging.getLogger(__name__)


class Newsdesk:
    """Settings, store, embedding model, chat model and pipeline, built once and shared by every
    request. Thread-safe for answering (llama.cpp generations are serialised by the pipeline)."""

    def __init__(self, settings: Settings | None = None, *, chat_model: BaseChatModel | None = None,
                 embeddings: Embeddings | None = None, nlp: Language | None = None, lexicon: Lexicon | None = None,
                 _shared_from: Newsdesk | None = None):
        self.settings = settings if settings is not None else get_settings()
        self.store = Store(self.settings, embeddings=embeddings)
        lock = _shared_from.pipeline.generation_lock if _shared_from is not None else None
        if _shared_from is not None:
            self.store.adopt_embeddings(_shared_from.store)
            nlp = nlp if nlp is not None else _shared_from.pipeline.loaded_nlp
            lexicon = lexicon if lexicon is not None else _shared_from.pipeline.lexicon
            embeddings = embeddings if embeddings is not None else _shared_from.pipeline.loaded_embeddings
        # Embeddings handed in serve the index and the reading of sentences alike.
        self.pipeline = Pipeline(self.settings, chat_model=chat_model, embeddings=embeddings, store=self.store, nlp=nlp,
                                 generation_lock=lock, lexicon=lexicon)
        if _shared_from is not None:
            self.pipeline.model_label = _shared_from.pipeline.model_label
        self._index_lock = threading.Lock()
        # A chat model this application builds is its own to free; one handed in or shared is not.
        self._owns_chat_model = chat_model is None and _shared_from is None

    # -- models ---------------------------------------------------------------------------------
    @property
    def embeddings(self) -> Embeddings:
        return self.store.embeddings

    @property
    def chat_model(self) -> BaseChatModel:
        return self.pipeline.chat_model

    def for_index(self, settings: Settings) -> Newsdesk:
        """Another index (an evaluation's, a benchmark's) answered with these same loaded models;
        when ``settings`` name other models, an application with its own."""
        if settings.embedding != self.settings.embedding or settings.llm.model_dump(exclude={"temperature"}) \
                != self.settings.llm.model_dump(exclude={"temperature"}):
            return Newsdesk(settings)
        return Newsdesk(settings, chat_model=self.pipeline.loaded_chat_model, _shared_from=self)

    # -- the index ------------------------------------------------------------------------------
    def ensure_index(self) -> None:
        """An empty index is filled from the configured corpus folder, so the first question works."""
        with self._index_lock:
            if self.store.counts()["articles"] == 0 and Path(self.settings.corpus_dir).exists():
                from app.ingest import ingest

                log.info("the index is empty: ingesting %s", self.settings.corpus_dir)
                ingest([Path(self.settings.corpus_dir)], self.settings, store=self.store)

    # -- answering ------------------------------------------------------------------------------
    def stream(self, question: str, history: Sequence[Turn] = (), *, sources: str | Sequence[str] | None = None,
               date_from: date | str | None = None, date_to: date | str | None = None, top_k: int | None = None,
               temperature: float | None = None, as_of: date | str | None = None) -> Iterator[StreamEvent]:
        """``TextDelta`` events, then the ``FinalAnswer``. A bad question fails here, before the
        index is touched; an empty index is filled from the corpus folder first. ``as_of``: the day
        the question is asked (YYYY-MM-DD; default today)."""
        events = self.pipeline.stream(question, history, Filters.of(sources, date_from, date_to), top_k, temperature,
                                      as_date(as_of, "as_of"))
        self.ensure_index()
        return events

    def ask(self, question: str, history: Sequence[Turn] = (), **options) -> Answer:
        """One answer; ``options``: sources, date_from, date_to, top_k, temperature, as_of."""
        return final_answer(self.stream(question, history, **options))

    def close(self) -> None:
        """Close the store and free the chat model this application loaded (hundreds of MB)."""
        self.store.close()
        model = self.pipeline.loaded_chat_model
        if self._owns_chat_model and model is not None:
            from app.llm import close_chat_model

            close = getattr(model, "close", None)
            close() if callable(close) else close_chat_model(model)

    def __enter__(self) -> Newsdesk:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

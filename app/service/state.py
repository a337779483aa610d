"""What the service holds for its lifetime: the application (settings, store, models, pipeline),
its corpus and the limits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi import Request

from app.application import Newsdesk
from app.config import Settings
from app.corpus import Corpus
from app.service.limits import RateLimiter, StreamSlots
from app.service.security import identify


@dataclass
class Service:
    newsdesk: Newsdesk
    corpus: Corpus
    limiter: RateLimiter
    streams: StreamSlots
    index_lock: threading.Lock = field(default_factory=threading.Lock)  # one ingest or delete at a time

    @classmethod
    def create(cls, newsdesk: Newsdesk) -> "Service":
        server = newsdesk.settings.server
        return cls(newsdesk=newsdesk, corpus=Corpus(newsdesk.settings, newsdesk.store),
                   limiter=RateLimiter(server.rate_limit_per_minute, server.rate_limit_burst),
                   streams=StreamSlots(server.max_streams))

    @property
    def settings(self) -> Settings:
        return self.newsdesk.settings

    def worker_stats(self) -> dict[str, int]:
        """The generation workers' load (nothing while the model is not loaded yet)."""
        stats = getattr(self.newsdesk.pipeline.loaded_chat_model, "stats", None)
        return stats() if callable(stats) else {}


def service(request: Request) -> Service:
    return request.app.state.newsdesk


def client(request: Request) -> str:
    """FastAPI dependency of every rate-limited route: authenticate, then count the request."""
    svc = service(request)
    who = identify(request, svc.settings.server)
    svc.limiter.check(who)
    return who


def authenticated(request: Request) -> str:
    """For the health probe: credentials checked, not counted against the rate limit."""
    return identify(request, service(request).settings.server)

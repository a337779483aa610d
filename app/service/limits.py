"""Per-client rate limit, request-size limit and a cap on answers streamed at once."""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Iterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.service.errors import ApiError


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute on average, ``burst`` at once."""

    def __init__(self, per_minute: int, burst: int, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill)
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Take one token for ``client``, or ``ApiError(429)`` saying when to retry."""
        if self.rate <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = max(1, math.ceil(round((1.0 - tokens) / self.rate, 6)))
                raise ApiError(429, "rate_limited",
                               f"too many requests: the limit is {self.rate * 60:g} a minute "
                               f"(bursts of {self.burst}); retry in {wait} s",
                               headers={"Retry-After": str(wait)})
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget clients whose bucket is full again
                full = [c for c, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
                for c in full:
                    del self._buckets[c]


class StreamSlots:
    """At most ``limit`` answers stream at once; one more is refused with 503 rather than queued."""

    def __init__(self, limit: int):
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        self.take()
        try:
            yield
        finally:
            self.release()

    def take(self) -> None:
        with self._lock:
            if self.active >= self.limit:
                raise ApiError(503, "too_many_streams",
                               f"{self.active} answers are streaming, the most this server streams at once; "
                               "retry shortly or ask without streaming", headers={"Retry-After": "5"})
            self.active += 1

    def release(self) -> None:
        with self._lock:
            self.active -= 1

    def stats(self) -> dict[str, int]:
        return {"active": self.active, "limit": self.limit}


class _TooLarge(BaseException):  # not Exception: FastAPI would turn it into a 400 while parsing
    pass


class BodySizeLimit:
    """Refuses request bodies over a size with 413 before the route reads them (pure ASGI, so that
    streamed responses keep noticing disconnects). Declared lengths are checked up front, and
    chunked bodies as they arrive."""

    def __init__(self, app: ASGIApp, limits: list[tuple[str, int]]):
        self.app = app
        self.limits = limits  # (path prefix, bytes); the first matching prefix applies

    def _limit(self, path: str) -> int | None:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._refuse(send, int(declared), limit)
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, received, limit)

    @staticmethod
    async def _refuse(send: Send, size: int, limit: int) -> None:
        body = ApiError(413, "too_large", f"the request body is over {_kb(size)}; the limit here is {_kb(limit)}").body()
        data = json.dumps(body).encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


def _kb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{math.ceil(size / 1000)} KB"

"""Run the (synchronous) answer stream in a thread and hand its items to the event loop.

The thread stops as soon as the reader goes away: Starlette cancels the response when the client
disconnects, the ``finally`` below sets ``stop``, and the thread closes the pipeline's stream after
the item it is working on - which ends the generation and gives its worker back (app.workers).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

T = TypeVar("T")
_DONE = object()


async def iterate_in_thread(make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    loop = asyncio.get_running_loop()
    items: asyncio.Queue = asyncio.Queue()
    stop = threading.Event()

    def put(item: object, error: BaseException | None = None) -> None:
        try:
            loop.call_soon_threadsafe(items.put_nowait, (item, error))
        except RuntimeError:  # the loop is gone (server shutting down): nobody is reading
            stop.set()

    def run() -> None:
        iterator = None
        try:
            iterator = make()
            for item in iterator:
                if stop.is_set():
                    break
                put(item)
        except BaseException as err:  # handed to the reader, who raises it
            put(_DONE, err)
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        put(_DONE)

    threading.Thread(target=run, name="newsdesk-stream", daemon=True).start()
    try:
        while True:
            item, error = await items.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()


class StreamWithSlot(StreamingResponse):
    """A server-sent event stream that gives its stream slot back however it ends (finished, failed,
    or the client gone, even before the first event)."""

    def __init__(self, content, release: Callable[[], None]):
        super().__init__(content, media_type="text/event-stream",
                         headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()

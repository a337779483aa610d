"""Running the service in-process on a loopback port (uvicorn in a thread), and reading SSE."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import free_port


@contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve a FastAPI app on 127.0.0.1:<free port> for the duration of the block; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict | str]]:
    """(event, data) pairs from the lines of a text/event-stream body."""
    event, data = "message", []
    for line in lines:
        if line == "":
            if data:
                payload = "\n".join(data)
                try:
                    yield event, json.loads(payload)
                except json.JSONDecodeError:
                    yield event, payload
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())

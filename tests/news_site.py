"""A real news site on loopback (http.server in a thread): feeds, pages, and misbehaving URLs.

Routes are set per test: ``site.set(path, body, content_type)``. Every 200 carries an ETag and a
Last-Modified, and a request that sends them back gets a 304, as real sites do. ``site.hits``
counts requests per path and ``site.not_modified`` the 304s sent.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.news_pages import Story

WIKINEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "wikinews" / "articles.jsonl"


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay_s: float = 0.0
    location: str | None = None
    modified: float = 0.0  # Last-Modified, seconds since the epoch
    lie_about_length: bool = False  # send no Content-Length (a streamed body), to test the size cap


class NewsSite:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.hits[path] += 1
                site.user_agents.add(self.headers.get("User-Agent", ""))
                route = site.routes.get(path)
                if route is None:
                    return self._send(404, b"not found", "text/plain")
                if route.delay_s:
                    time.sleep(route.delay_s)
                if route.location:
                    self.send_response(route.status)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                modified = formatdate(route.modified or 1_700_000_000, usegmt=True)
                if route.status == 200 and (self.headers.get("If-None-Match") == etag
                                            or (self.headers.get("If-Modified-Since") == modified
                                                and self.headers.get("If-None-Match") is None)):
                    site.not_modified[path] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return None
                return self._send(route.status, route.body, route.content_type, etag, modified, route.lie_about_length)

            def _send(self, status, body, content_type, etag=None, modified=None, no_length=False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", modified)
                if no_length:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **options) -> str:
        data = body.encode() if isinstance(body, str) else body
        old = self.routes.get(path)
        modified = options.pop("modified", None) or (time.time() if old and old.body != data else
                                                     (old.modified if old else 1_700_000_000))
        self.routes[path] = Route(data, content_type, modified=modified, **options)
        return self.url(path)

    def start(self) -> "NewsSite":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wikinews_stories(count: int, start: int = 0) -> list[Story]:
    """Real Wikinews articles (dated, several paragraphs) as stories."""
    stories = []
    with WIKINEWS.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            paragraphs = [p for p in record["text"].split("\n\n") if len(p) > 40]
            if not record.get("date") or len(paragraphs) < 4:
                continue
            stories.append(Story(title=record["title"], paragraphs=paragraphs[:8], date=record["date"],
                                 author=None, outlet="Wikinews", url=record["url"], extra={"id": record["id"]}))
    return stories[start:start + count]

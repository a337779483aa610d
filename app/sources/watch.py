"""Following feeds: poll each one now and then, index only what is new or changed.

Each poll sends the ETag and Last-Modified the feed gave last time (a 304 costs the server
nothing), fetches only entries not seen before or whose updated stamp moved, stores and indexes
them, and logs one line. A feed that is down or malformed gets its error recorded and logged;
the other feeds go on and nothing already indexed is touched. State (validators, entries seen,
last poll, last error) lives in ``<data_dir>/web/feeds.json``, so the server's status table
shows what any watcher process did.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from app.config import Settings
from app.sources.feeds import FeedError, parse_feed
from app.sources.fetch import FetchError, fetch
from app.sources.web import Collected, fetch_page, http_client, index_saved, limits, web_dir

log = logging.getLogger(__name__)
_state_lock = threading.Lock()
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)


def parse_interval(text: str | float | int) -> float:
    """'30s', '15m', '1h', '1d' or plain seconds -> seconds."""
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 15m, 1h)")
        seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"the interval must be positive, not {text!r}")
    return seconds


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_poll: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_result: str | None = None
    seen: dict[str, str | None] = field(default_factory=dict)  # entry link -> its updated stamp


def state_path(settings: Settings) -> Path:
    return web_dir(settings) / "feeds.json"


def load_states(settings: Settings) -> dict[str, FeedState]:
    path = state_path(settings)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        log.warning("feed state %s unreadable (%s): every feed is polled afresh", path, err)
        return {}
    return {url: FeedState(**{**data, "url": url}) for url, data in raw.items()}


def save_state(settings: Settings, state: FeedState) -> None:
    """Merge one feed's state into the file (other feeds' entries, maybe another process's, are kept)."""
    path = state_path(settings)
    with _state_lock:
        states = load_states(settings)
        states[state.url] = state
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({u: {k: v for k, v in asdict(s).items() if k != "url"} for u, s in states.items()},
                                  indent=1), encoding="utf-8")
        os.replace(tmp, path)


@dataclass
class PollResult:
    url: str
    status: str  # "ok", "not modified" or "error"
    new: int = 0
    changed: int = 0
    failed: int = 0
    entries: int = 0
    message: str = ""
    saved_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "error":
            return f"error: {self.message}"
        if self.status == "not modified":
            return "not modified"
        text = f"{self.new} new, {self.changed} changed, {self.failed} failed ({self.entries} entries)"
        return text + (f"; {self.message}" if self.message else "")

    def line(self) -> str:
        return f"{_now()} {self.url}: {self.summary()}"


def poll_feed(url: str, settings: Settings, client=None) -> PollResult:
    """Fetch one feed and store its new or changed pages (not yet indexed). Never raises for the feed's faults."""
    state = load_states(settings).get(url) or FeedState(url=url)
    state.last_poll = _now()
    own = client is None
    client = client or http_client(settings)
    try:
        try:
            response = fetch(url, limits(settings), etag=state.etag, last_modified=state.last_modified, client=client)
            if response.not_modified:
                result = PollResult(url, "not modified")
            else:
                feed = parse_feed(response.content, url)
                result = PollResult(url, "ok", entries=len(feed.entries))
                collected = Collected()
                for entry in feed.entries:
                    known = entry.link in state.seen
                    if known and state.seen[entry.link] == entry.updated:
                        continue
                    before = len(collected.saved)
                    fetch_page(entry.link, settings, client, feed=url, entry=entry, collected=collected)
                    if len(collected.saved) > before:  # a page that failed is tried again next poll
                        state.seen[entry.link] = entry.updated
                        result.saved_ids.append(collected.saved[-1].article_id)
                        if known:
                            result.changed += 1
                        else:
                            result.new += 1
                result.failed = len(collected.failed)
                if collected.failed:
                    result.message = "; ".join(f"{p.origin}: {p.reason}" for p in collected.failed[:3])
                # Validators are kept only once the feed was read, so a failed read is retried in full.
                state.etag = response.headers.get("etag")
                state.last_modified = response.headers.get("last-modified")
            state.last_success, state.last_error = state.last_poll, None
        except (FetchError, FeedError) as err:
            result = PollResult(url, "error", message=str(err).removeprefix(f"{url}: "))
            state.last_error = result.message
        except Exception as err:  # a watcher must outlive any one feed's surprise
            log.exception("polling %s failed", url)
            result = PollResult(url, "error", message=f"{type(err).__name__}: {err}")
            state.last_error = result.message
    finally:
        if own:
            client.close()
    state.last_result = result.summary()
    save_state(settings, state)
    return result


def poll(feeds: Sequence[str], settings: Settings, store=None,
         log_line: Callable[[str], None] = print) -> list[PollResult]:
    """Poll every feed once (one line each), then index what they brought in one ingest."""
    results = []
    with http_client(settings) as client:
        for url in feeds:
            result = poll_feed(url, settings, client=client)
            results.append(result)
            log_line(result.line())
    if any(r.saved_ids for r in results):
        try:
            report = index_saved(settings, store=store)
            log_line(f"{_now()} indexed: {report.summary()}")
        except Exception as err:  # the stored pages stay on disk and are indexed by the next poll
            log.exception("indexing the polled pages failed")
            log_line(f"{_now()} indexing failed ({type(err).__name__}: {err}); retried next poll")
    return results


class Watcher:
    """Polls ``feeds`` every ``interval_s`` seconds until stopped (in a thread, or in the foreground)."""

    def __init__(self, feeds: Sequence[str], settings: Settings, interval_s: float, store=None,
                 log_line: Callable[[str], None] | None = None):
        self.feeds = list(dict.fromkeys(feeds))
        self.settings = settings
        self.interval_s = interval_s
        if store is None:
            from app.store import Store

            store = Store(settings)  # one for every poll: one database connection, not one a poll
        self.store = store
        self.log_line = log_line or (lambda line: log.info("%s", line))
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def run(self, polls: int | None = None) -> None:
        done = 0
        while not self.stop_event.is_set():
            started = time.monotonic()
            poll(self.feeds, self.settings, store=self.store, log_line=self.log_line)
            done += 1
            if polls is not None and done >= polls:
                return
            self.stop_event.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def start(self) -> "Watcher":
        self.thread = threading.Thread(target=self.run, name="newsdesk-watcher", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)


def background_watcher(settings: Settings, store=None) -> Watcher | None:
    """The watcher `newsdesk serve` runs in a daemon thread, when feeds are configured (settings.watch)."""
    if not settings.watch.feeds or not settings.watch.in_server:
        return None
    interval = parse_interval(settings.watch.every)
    log.warning("following %d feed(s) every %s", len(settings.watch.feeds), settings.watch.every)
    return Watcher(settings.watch.feeds, settings, interval, store=store,
                   log_line=lambda line: log.warning("watch: %s", line)).start()


def status_rows(settings: Settings, feeds: Sequence[str] = ()) -> list[list[str]]:
    """[feed, last poll, last result, last error] for the configured feeds and any polled before."""
    states = load_states(settings)
    urls = list(dict.fromkeys([*feeds, *states]))
    rows = []
    for url in urls:
        state = states.get(url) or FeedState(url=url)
        rows.append([url, state.last_poll or "never", state.last_result or "", state.last_error or ""])
    return rows

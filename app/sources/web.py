"""Feeds and article pages into the index, by way of files under ``<data_dir>/web``.

Each fetched page is kept twice: ``raw/<id>.html`` exactly as served, and ``articles/<id>.json``
with the extracted text and metadata. The JSON files are then ingested like any other folder,
so re-indexing (``newsdesk reindex``) reads them again and never needs the network. The article
id comes from the page's canonical URL, so the same story fetched twice (from a feed and by
hand, or with tracking parameters) is one article.

Nothing here removes an article: a story that rolled off its feed stays indexed until it is
removed explicitly (``newsdesk remove``, the Articles tab), which also deletes its files here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from app.config import Settings
from app.loading import LoadError, LoadProblem, decode
from app.sources.extract import ExtractionError, extract_page
from app.sources.feeds import FeedEntry, FeedError, looks_like_feed, parse_feed
from app.sources.fetch import FetchError, FetchLimits, Response, fetch, is_url

log = logging.getLogger(__name__)

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid)$", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9]+")


def web_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "web"


def articles_dir(settings: Settings) -> Path:
    """The folder ingested for web articles (one JSON record per page)."""
    return web_dir(settings) / "articles"


def limits(settings: Settings) -> FetchLimits:
    w = settings.web
    return FetchLimits(timeout_s=w.timeout_s, max_bytes=w.max_page_mb * 1_000_000,
                       max_redirects=w.max_redirects, user_agent=w.user_agent)


def http_client(settings: Settings) -> httpx.Client:
    fetch_limits = limits(settings)
    return httpx.Client(timeout=httpx.Timeout(fetch_limits.timeout_s, connect=min(fetch_limits.timeout_s, 10.0)),
                        follow_redirects=True, max_redirects=fetch_limits.max_redirects)


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case host without www., no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower() or "https", host, path, query, ""))


def article_id_for_url(url: str) -> str:
    """Readable and stable: host and path as a slug, plus a short hash of the canonical URL."""
    canonical = canonical_url(url)
    parts = urlsplit(canonical)
    slug = _SLUG.sub("-", f"{parts.hostname or ''} {parts.path}".lower()).strip("-")[:70].strip("-")
    digest = hashlib.sha1(canonical.encode()).hexdigest()[:10]
    return f"web-{slug}-{digest}" if slug else f"web-{digest}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a reader (or a concurrent ingest) sees the old file or the new one


@dataclass
class SavedPage:
    article_id: str
    url: str
    record_path: Path


def save_page(response: Response, settings: Settings, *, feed: str | None = None,
              entry: FeedEntry | None = None) -> SavedPage:
    """Extract the article from a fetched page and store it raw and extracted. Raises on failure."""
    try:
        html = decode(response.content, response.final_url)
    except LoadError as err:
        raise ExtractionError(str(err)) from None
    page = extract_page(html, url=response.final_url)
    words = len(page.text.split())
    if words < settings.web.min_words:
        raise ExtractionError(f"no article text found (only {words} words: a section front, menu or paywall page?)")
    url = canonical_url(page.url if page.url and page.url.startswith(("http://", "https://")) else response.final_url)
    article_id = article_id_for_url(url)
    source = page.sitename or urlsplit(url).hostname
    record = {
        "id": article_id, "title": page.title or (entry.title if entry else None) or url,
        "date": page.date or (entry.published if entry else None), "url": url, "source": source,
        "author": page.author, "text": page.text,
        "fetched_from": response.url, "final_url": response.final_url, "feed": feed,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "raw": f"../raw/{article_id}.html",
    }
    base = web_dir(settings)
    _write_atomic(base / "raw" / f"{article_id}.html", response.content)
    record_path = base / "articles" / f"{article_id}.json"
    _write_atomic(record_path, json.dumps(record, ensure_ascii=False, indent=1).encode())
    return SavedPage(article_id, url, record_path)


@dataclass
class Collected:
    """What reading some URLs produced, before anything is indexed."""

    saved: list[SavedPage] = field(default_factory=list)
    failed: list[LoadProblem] = field(default_factory=list)
    feeds: dict[str, int] = field(default_factory=dict)  # feed URL -> entries listed


def fetch_page(url: str, settings: Settings, client: httpx.Client, *, feed: str | None = None,
               entry: FeedEntry | None = None, collected: Collected) -> None:
    try:
        response = fetch(url, limits(settings), client=client)
        collected.saved.append(save_page(response, settings, feed=feed, entry=entry))
    except (FetchError, ExtractionError) as err:
        message = str(err)
        collected.failed.append(LoadProblem(url, message.removeprefix(f"{url}: ")))
        log.warning("skipped %s: %s", url, message)


def collect(urls: Iterable[str], settings: Settings, client: httpx.Client | None = None,
            progress: Callable[[str], None] | None = None) -> Collected:
    """Fetch each URL: a feed contributes every page it lists, a page itself. Problems are collected."""
    collected = Collected()
    own = client is None
    client = client or http_client(settings)
    try:
        for url in urls:
            if progress:
                progress(f"fetching {url}")
            try:
                response = fetch(url, limits(settings), client=client)
            except FetchError as err:
                collected.failed.append(LoadProblem(url, str(err).removeprefix(f"{url}: ")))
                continue
            if looks_like_feed(response.content, response.content_type):
                try:
                    feed = parse_feed(response.content, url)
                except FeedError as err:
                    collected.failed.append(LoadProblem(url, str(err).removeprefix(f"{url}: ")))
                    continue
                collected.feeds[url] = len(feed.entries)
                for entry in feed.entries:
                    if progress:
                        progress(f"fetching {entry.link}")
                    fetch_page(entry.link, settings, client, feed=url, entry=entry, collected=collected)
            else:
                try:
                    collected.saved.append(save_page(response, settings))
                except ExtractionError as err:
                    collected.failed.append(LoadProblem(url, str(err)))
    finally:
        if own:
            client.close()
    return collected


def ingest_sources(sources: Sequence[str | Path], settings: Settings, store=None, progress=None,
                   prune: bool = True):
    """Files, folders, feed URLs and page URLs into the index, in one IngestReport.

    URLs are fetched and stored under ``<data_dir>/web`` first (problems are reported, never
    raised); files and folders go through ``app.ingest.ingest`` as before (a missing one raises).
    """
    from app.ingest import IngestReport, ingest

    urls = [str(s) for s in sources if is_url(str(s))]
    paths = [Path(s) for s in sources if not is_url(str(s))]
    report = IngestReport()
    if paths:
        report = ingest(paths, settings, store=store, progress=progress, prune=prune)
    if urls:
        collected = collect(urls, settings, progress=(lambda m: progress(0, 0, m)) if progress else None)
        web = index_saved(settings, store=store, progress=progress)
        web.failed[:0] = collected.failed
        report = _merge(report, web) if paths else web
    return report


def _merge(first, second):
    for name in ("added", "updated", "removed", "failed"):
        getattr(first, name).extend(getattr(second, name))
    first.copies.update(second.copies)
    for name in ("skipped", "chunks_embedded", "chunks_deleted", "seconds"):
        setattr(first, name, getattr(first, name) + getattr(second, name))
    return first


def index_saved(settings: Settings, store=None, progress=None):
    """Bring the index up to date with every stored web article (no network)."""
    from app.ingest import IngestReport, ingest

    folder = articles_dir(settings)
    if not folder.exists():
        return IngestReport()
    # prune=False: removal stays explicit, never a side effect of a feed or a fetch.
    return ingest([folder], settings, store=store, progress=progress, prune=False)


def forget(article_ids: Iterable[str], settings: Settings) -> list[str]:
    """Delete the stored files of removed web articles, so no later ingest brings them back."""
    removed = []
    base = web_dir(settings)
    for article_id in article_ids:
        for path in (base / "articles" / f"{article_id}.json", base / "raw" / f"{article_id}.html"):
            if path.is_file():
                path.unlink()
                removed.append(str(path))
    return removed

"""RSS and Atom feeds: which article pages a feed currently lists (feedparser)."""

from __future__ import annotations

import time
from dataclasses import dataclass


class FeedError(ValueError):
    """The document is not a usable RSS/Atom feed; the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str | None = None
    published: str | None = None  # ISO date, when the feed gives one
    updated: str | None = None  # the entry's own updated/published stamp, to notice edits
    entry_id: str | None = None


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    entries: list[FeedEntry]


def _iso_date(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%d", parsed) if parsed else None


def looks_like_feed(content: bytes, content_type: str = "") -> bool:
    """RSS/Atom by media type, or by the root element when servers say text/xml or text/html."""
    if any(kind in content_type for kind in ("rss", "atom", "rdf")):
        return True
    head = content[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(content: bytes, url: str) -> Feed:
    """The entries of an RSS/Atom document. A feed feedparser cannot read at all is a FeedError."""
    import feedparser

    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next((l.get("href") for l in item.get("links", []) if l.get("href")), None)
        if not link:
            continue
        stamp = item.get("updated_parsed") or item.get("published_parsed")
        entries.append(FeedEntry(
            link=link, title=item.get("title"), published=_iso_date(item.get("published_parsed") or stamp),
            updated=time.strftime("%Y-%m-%dT%H:%M:%S", stamp) if stamp else None,
            entry_id=item.get("id") or link,
        ))
    # feedparser is lenient: "bozo" marks a malformed document, but a recoverable one still
    # yields entries with links. Refuse only when nothing usable came out of it.
    if parsed.bozo and not entries:
        error = parsed.get("bozo_exception")
        detail = error.getMessage() if hasattr(error, "getMessage") else str(error or "unreadable")
        raise FeedError(f"{url}: not a readable RSS/Atom feed ({detail})")
    if not parsed.get("version") and not entries:
        raise FeedError(f"{url}: not an RSS/Atom feed")
    return Feed(url=url, title=parsed.feed.get("title"), entries=entries)

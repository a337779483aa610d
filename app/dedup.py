"""Wire copies: one story republished by several outlets with small edits.

At ingest each article gets a MinHash of its word 3-gram set; an LSH index over the stored
MinHashes finds earlier articles whose estimated Jaccard similarity reaches the threshold, and
the new article joins the story of the most similar one (otherwise it starts its own story).
Retrieval then returns each story once and names the other outlets that carried it.

The threshold was tuned on Wikinews articles republished with edits (bench/dedup.py,
docs/benchmarks.md); different stories, even on one topic, share few 3-grams.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from app.config import DedupSettings
from app.types import Article

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = 3) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


# Fixed, so signatures stored in the index stay comparable across datasketch releases.
_SCHEME = "affine32"
_CANDIDATE_FACTOR = 0.6


def minhash(text: str, settings: DedupSettings) -> MinHash:
    signature = MinHash(num_perm=settings.num_perm, scheme=_SCHEME)
    signature.update_batch(list(shingles(text, settings.shingle_words)))
    return signature


def to_blob(signature: MinHash) -> bytes:
    return signature.hashvalues.astype(np.uint64).tobytes()


def from_blob(blob: bytes, settings: DedupSettings) -> MinHash:
    return MinHash(num_perm=settings.num_perm, scheme=_SCHEME, hashvalues=np.frombuffer(blob, dtype=np.uint64))


@dataclass(frozen=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float | None  # to the most similar earlier copy; None = a story of its own
    signature: bytes


def date_window(dates: Iterable[str | None], days: int) -> tuple[str, str] | None:
    """The days (first, last; ISO) within ``days`` of every date given, or None when the window
    cannot narrow anything: no window set, or an undated (or unreadable) article among them."""
    if not days:
        return None
    try:
        parsed = [dt.date.fromisoformat(str(d)[:10]) for d in dates]
    except (TypeError, ValueError):
        return None
    if not parsed:
        return None
    margin = dt.timedelta(days=days)
    return (min(parsed) - margin).isoformat(), (max(parsed) + margin).isoformat()


class StoryIndex:
    """The LSH index over stored signatures; assigns stories to newly ingested articles."""

    def __init__(self, settings: DedupSettings, known: Iterable[tuple[str, str, bytes]] = ()):
        self.settings = settings
        # LSH only proposes candidates and misses some pairs near its threshold (short copies at
        # Jaccard 0.53-0.56 were missed with it at 0.45); a lower one proposes more, and the
        # estimated Jaccard against ``settings.threshold`` decides.
        self.lsh = MinHashLSH(threshold=settings.threshold * _CANDIDATE_FACTOR, num_perm=settings.num_perm)
        self.signatures: dict[str, MinHash] = {}
        self.story_of: dict[str, str] = {}
        for article_id, story_id, blob in known:
            self._add(article_id, story_id, from_blob(blob, settings))

    def _add(self, article_id: str, story_id: str, signature: MinHash) -> None:
        if article_id in self.signatures:
            self.lsh.remove(article_id)
        self.lsh.insert(article_id, signature)
        self.signatures[article_id] = signature
        self.story_of[article_id] = story_id

    def assign(self, article: Article) -> Assignment:
        signature = minhash(f"{article.title}\n{article.text}", self.settings)
        best, best_similarity = None, 0.0
        for candidate in self.lsh.query(signature):
            if candidate == article.id:
                continue
            # LSH returns likely matches; the estimated Jaccard decides.
            similarity = signature.jaccard(self.signatures[candidate])
            if similarity >= self.settings.threshold and similarity > best_similarity:
                best, best_similarity = candidate, similarity
        story_id = self.story_of[best] if best else article.id
        self._add(article.id, story_id, signature)
        return Assignment(article.id, story_id, round(best_similarity, 3) if best else None, to_blob(signature))

    def assign_all(self, articles: Sequence[Article]) -> list[Assignment]:
        return [self.assign(article) for article in articles]

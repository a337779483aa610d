"""Ingestion: files -> cleaned articles -> chunks -> vectors, incrementally.

Unchanged articles (same content hash) are skipped before any embedding happens; changed ones
go through LangChain's ``index()`` with ``cleanup="incremental"`` keyed by article id, which
replaces their old chunks; articles whose source file (or JSONL line) is gone are removed.
Each batch is written to Chroma and the record manager *before* our article table says it is
done, so a killed ingest simply redoes the unfinished batch next time: record hashes make the
re-run idempotent, with no duplicates and no orphans.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.indexing import index

from app.chunking import chunk_article
from app.config import Settings
from app.lexical_index import BM25Cache
from app.loading import LoadProblem, load_path
from app.chroma_client import record_key
from app.store import Store, origin_file
from app.text import date_number
from app.types import Article, Chunk

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]  # (done, total, message)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[LoadProblem] = field(default_factory=list)
    copies: dict[str, str] = field(default_factory=dict)  # article id -> story it copies (app/dedup.py)
    chunks_embedded: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {self.skipped} skipped, "
                f"{len(self.removed)} removed, {len(self.failed)} failed "
                f"({self.chunks_embedded} chunks embedded, {self.chunks_deleted} deleted, {self.seconds:.1f} s)"
                + (f"; {len(self.copies)} grouped with an earlier copy of their story" if self.copies else ""))

    def to_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "skipped": self.skipped,
            "removed": self.removed, "chunks_embedded": self.chunks_embedded,
            "chunks_deleted": self.chunks_deleted, "seconds": round(self.seconds, 2),
            "failed": [{"origin": p.origin, "reason": p.reason} for p in self.failed],
            "copies": self.copies,
        }


def content_hash(article: Article, settings: Settings) -> str:
    """Changes when the article or the way it is chunked changes."""
    payload = article.model_dump(exclude={"origin"})
    payload["chunking"] = settings.chunking.model_dump()
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def to_documents(article: Article, chunks: Sequence[Chunk]) -> list[Document]:
    return [
        Document(
            page_content=chunk.text,
            metadata={
                "article_id": article.id, "chunk_id": chunk.id, "chunk_index": chunk.index,
                "start": chunk.start, "end": chunk.end, "title": article.title,
                # Chroma filters compare numbers, not strings: date_num is 20210707 (0 = unknown).
                "date": article.date or "", "date_num": date_number(article.date),
                "url": article.url or "", "source": article.source or "",
            },
        )
        for chunk in chunks
    ]


def _batches(pending: list[tuple[Article, str, str]], settings: Settings, batch_chunks: int):
    """Chunked articles in groups of about ``batch_chunks`` chunks, whole articles only.

    The embedder sorts one call's texts by length, so larger calls pad less (32-article batches,
    ~150 chunks, measured 0.87x raw encoding; 512 chunks 0.91x, docs/benchmarks.md). Whole
    articles keep each group a unit of recovery after an interrupted ingest.
    """
    group: list = []
    size = 0
    for article, digest, root in pending:
        chunks = chunk_article(article, settings.chunking)
        group.append((article, chunks, digest, root))
        size += len(chunks)
        if size >= batch_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    store: Store | None = None,
    progress: ProgressCallback | None = None,
    prune: bool = True,
    batch_chunks: int = 512,
) -> IngestReport:
    """Bring the index up to date with ``paths`` (files or folders). Missing paths raise."""
    import time

    started = time.perf_counter()
    store = store or Store(settings)
    store.check_embedding_model()
    store.sync_with_other_processes()
    report = IngestReport()
    max_bytes = settings.max_file_mb * 1_000_000

    roots = [Path(p).resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"no such file or folder: {root}")

    known = store.content_hashes()
    pending: list[tuple[Article, str, str]] = []  # (article, hash, root) to embed
    seen: dict[str, str] = {}  # article id -> origin, to catch duplicate ids
    loaded_files: dict[str, set[str]] = {}  # root -> files read without a whole-file problem
    seen_ids: dict[str, set[str]] = {}
    for root in roots:
        loaded_files[str(root)], seen_ids[str(root)] = set(), set()
        for item in load_path(root, max_bytes=max_bytes):
            if isinstance(item, LoadProblem):
                report.failed.append(item)
                log.warning("skipped %s: %s", item.origin, item.reason)
                continue
            loaded_files[str(root)].add(origin_file(item.origin) or "")
            if item.id in seen:
                report.failed.append(LoadProblem(item.origin or item.id,
                                                 f"duplicate article id '{item.id}' (first seen in {seen[item.id]})"))
                continue
            seen[item.id] = item.origin or ""
            seen_ids[str(root)].add(item.id)
            digest = content_hash(item, settings)
            if known.get(item.id) == digest:
                report.skipped += 1
            else:
                pending.append((item, digest, str(root)))
        # A file with a problem this time keeps its earlier articles: a bad edit loses nothing.
        for problem in report.failed:
            loaded_files[str(root)].discard(origin_file(problem.origin))

    # Wire copies are grouped before embedding; the assignment is saved with each batch.
    assignments = {}
    if settings.dedup.enabled and pending:
        from app.dedup import StoryIndex, date_window

        window = date_window([article.date for article, _, _ in pending], settings.dedup.window_days)
        stories = StoryIndex(settings.dedup, store.story_signatures(window))
        for assignment in stories.assign_all([article for article, _, _ in pending]):
            assignments[assignment.article_id] = assignment
            if assignment.story_id != assignment.article_id:
                report.copies[assignment.article_id] = assignment.story_id

    total = len(pending)
    if progress:
        progress(0, total, f"embedding {total} new or changed articles")
    done = 0
    for batch in _batches(pending, settings, batch_chunks):
        docs = [doc for article, chunks, _, _ in batch for doc in to_documents(article, chunks)]
        with store.writing():
            result = index(
                docs,
                store.record_manager,
                store.vectorstore,
                cleanup="incremental",
                source_id_key="article_id",
                batch_size=len(docs) or 1,  # one embedding call per batch: length-sorted, least padding
                key_encoder=record_key,
            )
        report.chunks_embedded += result["num_added"] + result["num_updated"]
        report.chunks_deleted += result["num_deleted"]
        store.record_articles(batch, stories=[assignments[a.id] for a, _, _, _ in batch if a.id in assignments])
        for article, _, _, _ in batch:
            (report.updated if article.id in known else report.added).append(article.id)
        done += len(batch)
        if progress:
            progress(done, total, f"embedded {done}/{total} articles")

    if prune:
        stale = []
        for root in roots:
            for row in store.article_rows(root=str(root)):
                file = row["file"]
                gone = file and not Path(file).exists()
                dropped = file in loaded_files[str(root)] and row["id"] not in seen_ids[str(root)]
                if gone or dropped:
                    stale.append(row["id"])
        report.chunks_deleted += store.delete_articles(stale)
        report.removed = stale

    if report.added or report.updated or report.removed:
        # Built here, once, and saved: serving processes open it instead of each building it on
        # their next question (app/lexical_index.py).
        if progress:
            progress(total, total, "building the keyword (BM25) index")
        BM25Cache(store).index()
        store.refresh_statistics()
    report.seconds = time.perf_counter() - started
    log.info("ingest: %s", report.summary())
    return report


def remove_articles(article_ids: Sequence[str], settings: Settings, store: Store | None = None) -> int:
    store = store or Store(settings)
    return store.delete_articles(list(article_ids))

"""The corpus operations of the REST API: list/search, read, delete, and add uploaded files.

Uploads follow the web UI's rules (``app.ui``): safe file names, supported types, the size limit,
every file read before anything is written, no article id taken from another file; a rejected file
changes nothing.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from app.config import Settings
from app.loading import SUPPORTED_SUFFIXES, LoadProblem, load_path
from app.service.schemas import ArticleDetail, ArticlePage, ArticleSummary, ChunkOut, IngestRejected, IngestResult
from app.store import Store
from app.ui import UploadRejected, safe_upload_name


def _summary(row) -> ArticleSummary:
    return ArticleSummary(id=row["id"], title=row["title"], date=row["date"], url=row["url"], source=row["source"],
                          chunk_count=row["chunk_count"], indexed_at=row["indexed_at"])


def list_articles(store: Store, query: str = "", offset: int = 0, limit: int = 20) -> ArticlePage:
    needle = query.strip().lower()
    rows = [r for r in store.article_rows()
            if not needle or any(needle in str(r[k] or "").lower() for k in ("id", "title", "source", "date"))]
    return ArticlePage(total=len(rows), offset=offset, limit=limit,
                       items=[_summary(r) for r in rows[offset: offset + limit]])


def article_detail(store: Store, article_id: str) -> ArticleDetail | None:
    rows = [r for r in store.article_rows() if r["id"] == article_id]
    article = store.get_article(article_id)
    if not rows or article is None:
        return None
    chunks = [ChunkOut(id=c.id, index=c.index, start=c.start, end=c.end, text=c.text)
              for c in store.article_chunks(article_id)]
    return ArticleDetail(**_summary(rows[0]).model_dump(), text=article.text, chunks=chunks)


def uploads_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "uploads"


def delete_article(settings: Settings, store: Store, article_id: str) -> int | None:
    """Remove one article (None if unknown); an uploaded file left with no article goes too,
    or the next upload would index it again."""
    rows = {r["id"]: r for r in store.article_rows()}
    if article_id not in rows:
        return None
    chunks = store.delete_articles([article_id])
    file = rows[article_id]["file"]
    if file:
        path = Path(file).resolve()
        still_used = any(r["file"] == file for r in store.article_rows())
        if uploads_dir(settings).resolve() in path.parents and path.is_file() and not still_used:
            path.unlink(missing_ok=True)
    return chunks


def ingest_files(settings: Settings, store: Store, files: list[tuple[Path, str]]) -> IngestResult:
    """Check, save (in ``<data_dir>/uploads``) and index ``(temporary path, client's file name)`` pairs."""
    uploads = uploads_dir(settings).resolve()
    uploads.mkdir(parents=True, exist_ok=True)
    staging = Path(settings.data_dir) / ".staging" / uuid.uuid4().hex
    staging.mkdir(parents=True, exist_ok=True)
    max_bytes = settings.server.max_upload_mb * 1_000_000
    owners = {r["id"]: r["file"] for r in store.article_rows()}
    accepted: list[tuple[Path, Path, str]] = []
    rejected: list[IngestRejected] = []
    batch: dict[str, str] = {}
    try:
        for path, original in files:
            shown = original
            try:
                name = shown = safe_upload_name(original)
                suffix = Path(name).suffix.lower()
                if suffix not in SUPPORTED_SUFFIXES:
                    raise UploadRejected(f"unsupported file type '{suffix or '(none)'}'; use "
                                         f"{', '.join(sorted(SUPPORTED_SUFFIXES))}")
                size = path.stat().st_size
                if size > max_bytes:
                    raise UploadRejected(f"too large: {size / 1e6:.1f} MB, the limit is {settings.server.max_upload_mb} MB")
                staged = staging / name
                if staged.exists():
                    raise UploadRejected("another file in this upload has the same name")
                shutil.copyfile(path, staged)
                destination = uploads / name
                loaded = list(load_path(staged, max_bytes=max_bytes))
                problems = [p for p in loaded if isinstance(p, LoadProblem)]
                articles = [a for a in loaded if not isinstance(a, LoadProblem)]
                if problems:
                    raise UploadRejected("cannot be read as articles: " + "; ".join(p.reason for p in problems[:3]))
                if not articles:
                    raise UploadRejected("no articles in the file")
                for article in articles:
                    owner = owners.get(article.id)
                    if owner and Path(owner).resolve() != destination:
                        raise UploadRejected(f"article id '{article.id}' is already in the index (from "
                                             f"{Path(owner).name})")
                    if article.id in batch:
                        raise UploadRejected(f"article id '{article.id}' also comes from {batch[article.id]}")
                batch.update({a.id: name for a in articles})
                accepted.append((staged, destination, name))
            except UploadRejected as err:
                rejected.append(IngestRejected(file=shown, reason=str(err)))
        result = IngestResult(accepted=[n for _, _, n in accepted], rejected=rejected)
        if accepted:
            from app.ingest import ingest

            for staged, destination, _ in accepted:
                shutil.move(str(staged), str(destination))
            report = ingest([uploads], settings, store=store)
            result.added, result.updated, result.skipped = list(report.added), list(report.updated), report.skipped
            result.summary = report.summary()
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)

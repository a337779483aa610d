"""Corpus management shared by the UI, the CLI and any HTTP API: list, upload and delete articles.

Uploads are untrusted: names are sanitised (``safe_upload_name``), types and sizes checked, and
every file is read as articles in a staging folder before anything is saved or indexed, so a bad
file changes nothing. Accepted files are kept in ``<data_dir>/uploads`` (ingest keeps the index in
step with that folder); deleting an uploaded article deletes its file when nothing else is in it.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.config import Settings
from app.ingest import IngestReport, ingest
from app.loading import SUPPORTED_SUFFIXES, LoadProblem, load_path
from app.store import Store

ARTICLE_COLUMNS = ("id", "title", "date", "chunks", "source")
Progress = Callable[[int, int, str], None]  # (done, total, message)


class UploadRejected(ValueError):
    """One uploaded file cannot be accepted; the message says why."""


def safe_upload_name(name: str) -> str:
    """A file name safe to create inside the uploads folder, or ``UploadRejected``.

    Directory parts are dropped ("reports/a.txt" -> "a.txt"); absolute paths, ".." parts and
    control characters are refused; unicode letters are kept; anything else odd becomes "_".
    """
    if not isinstance(name, str) or not name.strip():
        raise UploadRejected("the file has no name")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise UploadRejected("the file name contains control characters")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        raise UploadRejected("absolute paths are not accepted as file names")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UploadRejected("the file name tries to leave the uploads folder ('..')")
    if not parts:
        raise UploadRejected("the file has no name")
    base = unicodedata.normalize("NFC", parts[-1]).strip()
    base = re.sub(r"[^\w.\- ()]", "_", base)  # \w keeps unicode letters and digits
    base = re.sub(r"\s+", " ", base).strip(" .")
    if not base or base.startswith(".") or not Path(base).stem.strip("._- "):
        raise UploadRejected("the file name is empty once unsafe characters are removed")
    stem, suffix = Path(base).stem, Path(base).suffix
    if len(base.encode("utf-8")) > 150:
        base = stem.encode("utf-8")[:140].decode("utf-8", "ignore") + suffix
    return base


@dataclass
class UploadResult:
    accepted: list[str] = field(default_factory=list)  # saved file names
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    report: IngestReport | None = None  # the ingest of the uploads folder, when anything was accepted


@dataclass
class DeleteResult:
    deleted: list[str] = field(default_factory=list)
    chunks: int = 0
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_ids(text: str | Sequence[str] | None) -> list[str]:
    """Article ids from text separated by commas, semicolons or spaces (or a list of ids)."""
    if text is None:
        return []
    items = [text] if isinstance(text, str) else list(text)
    return [i for item in items for i in re.split(r"[\s,;]+", item) if i]


class Corpus:
    """The articles of one index, as the reader manages them."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store

    @property
    def uploads_dir(self) -> Path:
        return Path(self.settings.data_dir) / "uploads"

    def list(self, query: str = "") -> list[list]:
        """Rows (``ARTICLE_COLUMNS``) of the articles whose id, title, source or date contain ``query``."""
        needle = (query or "").strip().lower()
        table = []
        for r in self.store.article_rows():
            searchable = (r["id"], r["title"], r["source"] or "", r["date"] or "")
            if not needle or any(needle in str(v).lower() for v in searchable):
                table.append([r["id"], r["title"], r["date"] or "", r["chunk_count"], r["source"] or ""])
        return table

    def upload(self, files: Sequence[tuple[Path, str]], progress: Progress | None = None) -> UploadResult:
        """Check, save and index uploaded files, given as (where the upload is, its original name).
        A rejected file changes nothing; the others are indexed at once."""
        result = UploadResult()
        uploads = self.uploads_dir.resolve()
        uploads.mkdir(parents=True, exist_ok=True)
        staging = Path(self.settings.data_dir) / ".staging" / uuid.uuid4().hex
        staging.mkdir(parents=True, exist_ok=True)
        owners = {r["id"]: r["file"] for r in self.store.article_rows()}
        batch_ids: dict[str, str] = {}
        accepted: list[tuple[Path, Path]] = []
        try:
            for path, original in files:
                try:
                    name = safe_upload_name(original)
                except UploadRejected as err:
                    result.rejected.append((original, str(err)))
                    continue
                try:
                    staged = self._stage(Path(path), name, staging)
                    ids = self._article_ids(staged, name, uploads / name, owners, batch_ids)
                except UploadRejected as err:
                    result.rejected.append((name, str(err)))
                    continue
                batch_ids.update(dict.fromkeys(ids, name))
                accepted.append((staged, uploads / name))
                result.accepted.append(name)
            for staged, destination in accepted:
                shutil.move(str(staged), str(destination))
            if accepted:
                if progress is not None:
                    progress(0, 0, "indexing the uploaded articles")
                result.report = ingest([uploads], self.settings, store=self.store, progress=progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return result

    def _stage(self, path: Path, name: str, staging: Path) -> Path:
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise UploadRejected(f"unsupported file type '{suffix or '(none)'}'; use .txt, .md, .html, .json or .jsonl")
        if not path.is_file():
            raise UploadRejected("the uploaded file did not arrive")
        limit_mb = self.settings.server.max_upload_mb
        size = path.stat().st_size
        if size > limit_mb * 1_000_000:
            raise UploadRejected(f"too large: {size / 1e6:.1f} MB, the limit is {limit_mb} MB")
        staged = staging / name
        if staged.exists():
            raise UploadRejected("another file in this upload has the same name")
        shutil.copyfile(path, staged)
        return staged

    def _article_ids(self, staged: Path, name: str, destination: Path, owners: dict[str, str | None],
                     batch_ids: dict[str, str]) -> list[str]:
        """The ids of the articles in a staged file, or ``UploadRejected`` when it cannot be read
        or would take over another file's article."""
        articles, problems = [], []
        for loaded in load_path(staged, max_bytes=self.settings.server.max_upload_mb * 1_000_000):
            (problems if isinstance(loaded, LoadProblem) else articles).append(loaded)
        if problems:
            reasons = "; ".join(p.reason for p in problems[:3])
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise UploadRejected(f"cannot be read as articles: {reasons}{more}")
        if not articles:
            raise UploadRejected("no articles in the file")
        for article in articles:
            owner = owners.get(article.id)
            if owner and Path(owner).resolve() != destination:
                raise UploadRejected(f"article id '{article.id}' is already in the index (from "
                                     f"{Path(owner).name}); rename the file or give the article another id")
            if article.id in batch_ids:
                raise UploadRejected(f"article id '{article.id}' also comes from {batch_ids[article.id]} "
                                     "in this upload")
        return [a.id for a in articles]

    def delete(self, ids: str | Sequence[str]) -> DeleteResult:
        """Remove articles (their vectors, records and rows), and uploaded files left with none."""
        result = DeleteResult()
        rows = {r["id"]: r for r in self.store.article_rows()}
        wanted = parse_ids(ids)
        result.unknown = [i for i in wanted if i not in rows]
        result.deleted = [i for i in dict.fromkeys(wanted) if i in rows]
        if not result.deleted:
            return result
        result.chunks = self.store.delete_articles(result.deleted)
        # Remove uploaded files whose articles are all gone, or the next upload would index them again.
        uploads = self.uploads_dir.resolve()
        remaining_files = {r["file"] for r in self.store.article_rows() if r["file"]}
        for article_id in result.deleted:
            file = rows[article_id]["file"]
            if not file:
                continue
            path = Path(file).resolve()
            if uploads in path.parents and path.is_file():
                if file in remaining_files:
                    result.notes.append(f"`{path.name}` holds other articles too; `{article_id}` will come back "
                                        "if that file is uploaded again.")
                else:
                    path.unlink(missing_ok=True)
        return result

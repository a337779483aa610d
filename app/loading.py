"""Reading articles from files and folders: .txt, .md, .html, .json and .jsonl.

Every problem with one file (or one JSONL line) becomes a ``LoadProblem`` that names it and
says why; the other articles are still loaded. Nothing here writes anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.cleaning import clean_text
from app.types import Article

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_YEAR_RE = re.compile(r"\b(?:1[89]|20)\d{2}\b")
# Where records (JSON, front matter) put the publication date: ours, then feed, schema.org and API names.
DATE_KEYS = ("date", "published", "published_at", "publishedAt", "pubDate", "datePublished", "publication_date")
_ID_SAFE_RE = re.compile(r"[^\w.-]+")  # unicode letters are fine in ids


@dataclass(frozen=True)
class LoadProblem:
    origin: str
    reason: str


class LoadError(Exception):
    """A whole file cannot be read as articles."""


def article_id_from_name(name: str) -> str:
    slug = _ID_SAFE_RE.sub("-", name).strip("-.")
    return slug[:120] or "article"


def normalise_date(value: object) -> str | None:
    """The ISO day of a publication date as metadata writes it: ISO ("2021-07-08T09:30:00Z"), a
    feed's RFC 822 ("Thu, 08 Jul 2021 09:30:00 GMT") or words ("8 July 2021", "July 8, 2021").
    None when it names no day of a year: a relative "yesterday" in metadata has no base to resolve."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):  # YAML front matter gives dates and datetimes as objects
        return value.isoformat()[:10]
    text = str(value).strip()
    match = _DATE_RE.match(text)
    if match:
        return match.group(1)
    if not _YEAR_RE.search(text):
        return None
    from dateparser import parse

    parsed = parse(text, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date().isoformat() if parsed else None


def _record_date(record: dict) -> str | None:
    """The first publication date a record gives, under any of the usual keys."""
    return next((day for key in DATE_KEYS if (day := normalise_date(record.get(key)))), None)


def iter_files(path: Path) -> Iterator[Path]:
    """The supported files under ``path`` (or ``path`` itself), in a stable order."""
    if path.is_file():
        yield path
        return
    for child in sorted(path.rglob("*")):
        if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES \
                and not any(part.startswith(".") for part in child.relative_to(path).parts):
            yield child


def decode(data: bytes, origin: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused."""
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "re-save the file as UTF-8"
        ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 100):
        raise LoadError("binary file (mostly control characters), not text")
    return text


def _article_from_record(record: dict, fallback_id: str, origin: str) -> Article:
    if not isinstance(record, dict):
        raise LoadError("expected a JSON object with a 'text' field")
    text = record.get("text") or record.get("content") or record.get("body")
    if not isinstance(text, str) or not text.strip():
        raise LoadError("no 'text' field (or it is empty)")
    text = clean_text(text)
    if not text:
        raise LoadError("no article text left after cleaning")
    raw_id = record.get("id")
    title = record.get("title")
    return Article(
        id=article_id_from_name(str(raw_id)) if raw_id not in (None, "") else fallback_id,
        title=str(title).strip() if title else fallback_id,
        text=text,
        date=_record_date(record),
        url=record.get("url") or None,
        source=record.get("source") or None,
        origin=origin,
    )


def _load_jsonl(text: str, path: Path) -> Iterator[Article | LoadProblem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        try:
            yield _article_from_record(json.loads(line), f"{path.stem}-{number}", origin)
        except json.JSONDecodeError as err:
            yield LoadProblem(origin, f"line {number}: invalid JSON ({err.msg})")
        except LoadError as err:
            yield LoadProblem(origin, f"line {number}: {err}")


def _load_json(text: str, path: Path) -> Iterator[Article | LoadProblem]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise LoadError(f"invalid JSON at line {err.lineno}: {err.msg}") from None
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, start=1):
        origin = f"{path}#{number}" if isinstance(data, list) else str(path)
        fallback = f"{path.stem}-{number}" if isinstance(data, list) else article_id_from_name(path.stem)
        try:
            yield _article_from_record(record, fallback, origin)
        except LoadError as err:
            yield LoadProblem(origin, f"item {number}: {err}")


def _load_text(text: str, path: Path) -> Article:
    meta: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        try:
            parsed = yaml.safe_load(match.group(1))
        except yaml.YAMLError as err:
            raise LoadError(f"unreadable front matter: {err}") from None
        if isinstance(parsed, dict):
            meta = parsed
            text = text[match.end():]
    if path.suffix.lower() in {".html", ".htm"}:
        # The same extractor as fetched pages (app/sources/extract.py); front matter wins.
        from app.sources.extract import ExtractionError, extract_page

        try:
            page = extract_page(text)
        except ExtractionError as err:
            raise LoadError(str(err)) from None
        body = page.text
        for key, value in (("title", page.title), ("date", page.date), ("url", page.url), ("source", page.sitename)):
            if value:
                meta.setdefault(key, value)
    else:
        body = clean_text(text)
    if not body:
        raise LoadError("no article text left after cleaning")
    heading = re.match(r"#{1,6}\s+(.+?)\s*(?:\n+|$)", body)
    if heading:  # a Markdown heading is the title, not part of the story
        meta.setdefault("title", heading.group(1))
        body = body[heading.end():]
    if not body.strip():
        raise LoadError("no article text left after cleaning")
    meta["text"] = body
    meta.setdefault("id", None)
    if not meta.get("title"):
        meta["title"] = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return _article_from_record(meta, article_id_from_name(path.stem), str(path))


def load_file(path: Path, max_bytes: int | None = None) -> Iterator[Article | LoadProblem]:
    """Articles from one file; problems are yielded, not raised."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(f"too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)")
        text = decode(path.read_bytes(), str(path))
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _load_jsonl(text, path)
        elif suffix == ".json":
            yield from _load_json(text, path)
        elif suffix in SUPPORTED_SUFFIXES:
            yield _load_text(text, path)
        else:
            raise LoadError(f"unsupported file type '{suffix}' (use .txt, .md, .html, .json or .jsonl)")
    except LoadError as err:
        yield LoadProblem(str(path), str(err))
    except OSError as err:
        yield LoadProblem(str(path), f"cannot read: {err.strerror or err}")


def load_path(path: Path, max_bytes: int | None = None) -> Iterator[Article | LoadProblem]:
    """Articles from a file or a folder (recursively). A missing path raises FileNotFoundError."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for file in iter_files(path):
        yield from load_file(file, max_bytes=max_bytes)

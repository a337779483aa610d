"""BM25 over every chunk, saved beside the index and memory-mapped, one copy per index generation.

At a million chunks the postings, every chunk's text and the corpus's words, held whole in every
serving process's RAM, were the first limit (about 6 KB a chunk; docs/benchmarks.md). Here:
- the postings are bm25s's CSC arrays, saved as .npy files and opened with ``mmap``: a query reads
  the pages of its own terms, and processes share them through the page cache;
- a row holds no text: its chunk id, date and source are memory-mapped numpy columns, and the few
  passages a query keeps are read from SQLite by id (``Store.chunk_rows``);
- the index is built once per index generation by the first process that needs it (``newsdesk
  ingest`` does it before it returns), under a file lock, and every later process opens it in well
  under a second.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np
from filelock import FileLock, Timeout

from app.text import date_number
from app.vocabulary import CorpusWords, WordCounter

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

FORMAT = 1  # bumped when the files change, so an older index folder is rebuilt, not misread
_BATCH = 10_000  # rows tokenized at a time while building
_STOPWORDS = "en"  # the same for the index's texts and the queries: no stemming, lower case


class BM25Index:
    """BM25 over the chunks of one index generation, opened from its folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        meta = json.loads((self.folder / "meta.json").read_text())
        self.generation, self.size = meta["generation"], meta["chunks"]
        if self.size:
            self.model = bm25s.BM25.load(str(self.folder), mmap=True)
            self.vocab = self.model.vocab_dict
        else:
            self.model, self.vocab = None, {}
        self.ids = np.load(self.folder / "ids.npy", mmap_mode="r")
        self.ids_sorted = np.load(self.folder / "ids_sorted.npy", mmap_mode="r")
        self.ids_order = np.load(self.folder / "ids_order.npy", mmap_mode="r")
        self.dates = np.load(self.folder / "dates.npy", mmap_mode="r")  # YYYYMMDD, 0 when undated
        self.sources = np.load(self.folder / "sources.npy", mmap_mode="r")  # codes into source_names
        self.source_names: list[str] = json.loads((self.folder / "sources.json").read_text())
        self._words: CorpusWords | None = None
        self._words_lock = threading.Lock()
        self._masks: dict = {}
        self._masks_lock = threading.Lock()

    @property
    def words(self) -> CorpusWords:
        """The corpus's spellings and capitals (app/vocabulary.py), read on first use."""
        with self._words_lock:
            if self._words is None:
                forms = json.loads((self.folder / "words.json").read_text())
                self._words = CorpusWords.from_forms(forms)
            return self._words

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Iterable, folder: Path, generation: int = 0) -> BM25Index:
        """Index ``rows`` (mappings with id, text, source and date) into ``folder``, written whole
        under a temporary name and renamed, so a reader never sees half an index."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            tokenizer = bm25s.tokenization.Tokenizer(stopwords=_STOPWORDS, stemmer=None)
            token_ids: list[list[int]] = []
            ids, dates, source_codes, batch = [], [], [], []
            source_of: dict[str, int] = {}
            words = WordCounter()

            def flush() -> None:
                token_ids.extend(tokenizer.tokenize(batch, update_vocab=True, return_as="ids",
                                                    show_progress=False))
                words.add(batch)
                batch.clear()

            for row in rows:
                ids.append(row["id"])
                dates.append(date_number(row["date"]))
                source_codes.append(source_of.setdefault(row["source"] or "", len(source_of)))
                batch.append(row["text"])
                if len(batch) >= _BATCH:
                    flush()
            if batch:
                flush()
            if ids:
                model = bm25s.BM25()
                model.index((token_ids, tokenizer.get_vocab_dict()), show_progress=False)
                del token_ids
                model.save(str(work))
            width = max((len(i) for i in ids), default=1)
            id_column = np.array(ids, dtype=f"<U{width}")
            order = np.argsort(id_column, kind="stable").astype(np.int32)
            np.save(work / "ids.npy", id_column)
            np.save(work / "ids_sorted.npy", id_column[order])  # with their rows: chunk id -> row
            np.save(work / "ids_order.npy", order)
            np.save(work / "dates.npy", np.array(dates, dtype=np.int32))
            np.save(work / "sources.npy", np.array(source_codes, dtype=np.int32))
            (work / "sources.json").write_text(json.dumps(list(source_of)))
            (work / "words.json").write_text(json.dumps(words.result().forms))
            (work / "meta.json").write_text(json.dumps({"format": FORMAT, "generation": generation,
                                                        "chunks": len(ids)}))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(work, folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return cls(folder)

    # -- searching ----------------------------------------------------------------------------
    def search(self, query: str, k: int, filters) -> list[tuple[str, float]]:
        """The ``k`` best (chunk id, score) pairs among the rows ``filters`` allows, best first."""
        if not self.size:
            return []
        terms = [t for t in bm25s.tokenize(query, stopwords=_STOPWORDS, return_ids=False, show_progress=False)[0]
                 if t in self.vocab]
        if not terms:
            return []
        scores = self.model.get_scores(terms)
        if filters.active:
            scores = np.where(self.mask(filters), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top if scores[i] > 0), key=lambda x: -x[1])
        return [(str(self.ids[i]), score) for i, score in ranked]

    def mask(self, filters) -> np.ndarray:
        """The rows ``filters`` allows (the same rule as ``Filters.allows``)."""
        with self._masks_lock:
            if filters in self._masks:
                return self._masks[filters]
        mask = np.ones(self.size, dtype=bool)
        if filters.sources:
            codes = [code for code, name in enumerate(self.source_names) if name in filters.sources]
            mask &= np.isin(self.sources, codes)
        dated = self.dates != 0
        if filters.date_from:
            mask &= dated & (self.dates >= date_number(filters.date_from))
        if filters.date_to:
            mask &= dated & (self.dates <= date_number(filters.date_to))
        if filters.published_by:
            mask &= ~dated | (self.dates <= date_number(filters.published_by))
        mask.setflags(write=False)
        with self._masks_lock:  # a question's dense and BM25 searches share it; a few are kept
            if len(self._masks) >= 16:
                self._masks.clear()
            self._masks[filters] = mask
        return mask

    def chunk_ids(self, mask: np.ndarray) -> list[str]:
        """The ids of the rows ``mask`` allows."""
        return [str(chunk_id) for chunk_id in self.ids[np.flatnonzero(mask)]]

    def allows(self, chunk_ids: list[str], mask: np.ndarray) -> list[bool]:
        """Whether each chunk is a row ``mask`` allows (a chunk this index lacks is not)."""
        if not self.size or not chunk_ids:
            return [False] * len(chunk_ids)
        wanted = np.array(chunk_ids, dtype=self.ids_sorted.dtype)
        at = np.minimum(np.searchsorted(self.ids_sorted, wanted), self.size - 1)
        known = self.ids_sorted[at] == wanted
        return (known & mask[self.ids_order[at]]).tolist()


class BM25Cache:
    """The BM25 index of one store, opened (or built, once) for the store's current generation.
    Held by the long-lived ``Pipeline``, so every query shares one index."""

    def __init__(self, store):
        self.store = store
        self.root = Path(store.dir) / "bm25"
        self.build_seconds: list[float] = []  # one entry per build, for benchmarks and logs
        self.open_seconds: list[float] = []  # one entry per opening of a saved index
        self._lock = threading.Lock()
        self._cached: BM25Index | None = None

    def index(self) -> BM25Index:
        generation = self.store.generation
        with self._lock:
            if self._cached is None or self._cached.generation != generation:
                self._cached = self._open_or_build(generation, self._cached)
            return self._cached

    def _open_or_build(self, generation: int, current: BM25Index | None) -> BM25Index:
        folder = self.root / f"generation-{generation}"
        self.root.mkdir(parents=True, exist_ok=True)
        # One builder per index across processes; the others open what it saved. While another
        # process builds (an ingest, minutes at a million chunks), questions keep the index they
        # have rather than wait: it lacks only what that ingest is adding.
        lock = FileLock(self.root / "build.lock")
        try:
            lock.acquire(timeout=0 if current is not None else -1)
        except Timeout:
            log.debug("BM25 index of generation %d is being built elsewhere; still using %d",
                      generation, current.generation)
            return current
        try:
            started = time.perf_counter()
            if self._usable(folder, generation):
                index = BM25Index(folder)
                self.open_seconds.append(time.perf_counter() - started)
                log.info("BM25 index of %d chunks opened in %.2f s", index.size, self.open_seconds[-1])
                return index
            index = BM25Index.build(self.store.iter_chunk_rows(), folder, generation)
            self.build_seconds.append(time.perf_counter() - started)
            log.info("BM25 index built over %d chunks in %.2f s (saved in %s)", index.size,
                     self.build_seconds[-1], folder)
            self._remove_older(keep=folder)
            return index
        finally:
            lock.release()

    def _usable(self, folder: Path, generation: int) -> bool:
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            return False
        return meta.get("format") == FORMAT and meta.get("generation") == generation \
            and meta.get("chunks") == self.store.counts()["chunks"]

    def _remove_older(self, keep: Path) -> None:
        # Under the build lock: no other build is under way, so older generations and the work
        # folders of killed builds go. A process still reading an older generation keeps its open
        # files (POSIX), so removing them is safe.
        for folder in self.root.iterdir():
            if folder.is_dir() and folder != keep and "generation-" in folder.name:
                shutil.rmtree(folder, ignore_errors=True)

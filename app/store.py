"""The persisted index: Chroma vectors, LangChain's record manager, and our article/chunk tables.

Layout of ``index_dir``:
- ``chroma/``            the Chroma collection (embeddings + chunk text + metadata), each record
                         keyed "<chunk id>@<hash of text and metadata>" (``app.chroma_client.record_key``);
- ``records.sqlite3``    LangChain's SQLRecordManager: which chunk hashes are in Chroma;
- ``newsdesk.sqlite3``   articles (full cleaned text, for offsets and the source viewer), chunks
                         (for BM25 and offsets), stories (wire copies grouped, app/dedup.py) and
                         meta (embedding model, generation counter).
- ``bm25/``              the BM25 index of the current generation, memory-mapped (app/lexical_index.py).

Several processes may use one index (a server, a CLI ingest, a watcher): every write bumps the
generation counter, and readers compare it before each search, rebuilding BM25 and reopening
Chroma when another process changed the index. Writers take ``write.lock`` (a file lock), because
embedded Chroma's SQLite answers "database is locked" rather than waiting when two processes open
or write it at once.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from app.config import Settings
from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings

from app import chroma_client
from app.embedding import build_embeddings, embedding_model_name, index_backend
from app.types import Article, Chunk, StoryCopy

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, url TEXT, source TEXT,
    origin TEXT, file TEXT, root TEXT, text TEXT NOT NULL, content_hash TEXT NOT NULL,
    chunk_count INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS articles_by_root ON articles(root);
CREATE INDEX IF NOT EXISTS articles_by_date ON articles(date);
CREATE TABLE IF NOT EXISTS stories (
    article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, similarity REAL, minhash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_by_story ON stories(story_id);
"""


_WRITE_LOCK_TIMEOUT_S = 600  # another process's ingest batch (embedding included) may hold it this long


class StoreError(RuntimeError):
    """The index cannot be used as it is; the message says what to do."""


class IndexMismatchError(StoreError):
    pass


class Store:
    """One index directory. Cheap to construct; the embedding model (when not given) and Chroma
    open lazily."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None):
        self.settings = settings
        self.dir = Path(settings.index_dir)
        self._embeddings = embeddings
        self._embeddings_given = embeddings is not None  # a caller's model, whatever the backend says
        self._vectorstore = None
        self._record_manager = None
        self._db_lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._vector_epoch = 0

    # -- our tables ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / "newsdesk.sqlite3"
            try:
                db = sqlite3.connect(path, check_same_thread=False, timeout=30)
                db.row_factory = sqlite3.Row
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as err:
                raise StoreError(
                    f"the index at {self.dir} is unreadable ({err}). "
                    "Rebuild it with `newsdesk reindex` (your articles are re-read from their sources)."
                ) from None
            self._db = db
        return self._db

    @contextlib.contextmanager
    def writing(self, timeout: float = _WRITE_LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the index's cross-process write lock: one process at a time opens or writes Chroma.
        Raises filelock.Timeout after ``timeout`` seconds (0: do not wait)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        # One lock object per path in this process: re-entered by the same thread (opening Chroma
        # inside a write), waited for by other threads and processes.
        lock = FileLock(self.dir / "write.lock", timeout=_WRITE_LOCK_TIMEOUT_S, is_singleton=True)
        with lock.acquire(timeout=timeout):
            yield

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db_lock, self.db:
            yield self.db

    def get_meta(self, key: str) -> str | None:
        with self._db_lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    def _set_meta(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                   (key, value))

    @property
    def generation(self) -> int:
        """Bumped on every change, so in-memory caches (BM25) know when to rebuild."""
        return int(self.get_meta("generation") or 0)

    @property
    def index_backend(self) -> str:
        """The embedding backend of this index's vectors (``embedding.backend``, or for ``auto`` the one
        it was built with)."""
        return index_backend(self.settings.embedding, self.get_meta("embedding_model"))

    def embedding_model(self) -> str:
        """The embedding model's name as this index records it (or will, when it is empty)."""
        return embedding_model_name(self.settings.embedding, self.get_meta("embedding_model"))

    def adopt_embeddings(self, other: Store) -> None:
        """Use ``other``'s loaded embedding model when both indexes hold the same kind of vectors
        (the same settings, the same backend): one model in memory, not two."""
        if self._embeddings is None and other._embeddings is not None and (other._embeddings_given or (
                other.settings.embedding == self.settings.embedding and other.index_backend == self.index_backend)):
            self._embeddings, self._embeddings_given = other._embeddings, other._embeddings_given

    def check_embedding_model(self) -> None:
        """Refuse to mix vectors from two embedding models in one index."""
        built_with = self.get_meta("embedding_model")
        wanted = embedding_model_name(self.settings.embedding, built_with)
        if built_with is not None and built_with != wanted:
            raise IndexMismatchError(
                f"the index at {self.dir} was built with the embedding model '{built_with}', "
                f"but '{wanted}' is configured. Its vectors cannot be mixed: switch the model back, "
                f"point NEWSDESK_INDEX_DIR at another folder, or rebuild with `newsdesk reindex`."
            )

    def article_rows(self, root: str | None = None) -> list[sqlite3.Row]:
        query = "SELECT id, title, date, url, source, origin, file, root, content_hash, chunk_count, indexed_at FROM articles"
        with self._db_lock:
            if root is None:
                return self.db.execute(query + " ORDER BY date, id").fetchall()
            return self.db.execute(query + " WHERE root=? ORDER BY id", (root,)).fetchall()

    def content_hashes(self) -> dict[str, str]:
        with self._db_lock:
            return {r["id"]: r["content_hash"] for r in self.db.execute("SELECT id, content_hash FROM articles")}

    def get_article(self, article_id: str) -> Article | None:
        with self._db_lock:
            row = self.db.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            return None
        return Article(id=row["id"], title=row["title"], text=row["text"], date=row["date"],
                       url=row["url"], source=row["source"], origin=row["origin"])

    _CHUNK_ROWS = ('SELECT c.id, c.article_id, c.idx, c.start, c."end", c.text, a.title, a.date, a.url, a.source '
                   "FROM chunks c JOIN articles a ON a.id = c.article_id")

    def all_chunks(self) -> list[sqlite3.Row]:
        return list(self.iter_chunk_rows())

    def iter_chunk_rows(self) -> Iterator[sqlite3.Row]:
        """Every chunk with its article's fields, read a page at a time on a connection of its own
        (a million chunks are not held at once, and other threads keep the store's connection)."""
        db = sqlite3.connect(self.dir / "newsdesk.sqlite3", timeout=30)
        db.row_factory = sqlite3.Row
        try:
            cursor = db.execute(self._CHUNK_ROWS + " ORDER BY c.article_id, c.idx")
            while rows := cursor.fetchmany(5000):
                yield from rows
        finally:
            db.close()

    def refresh_statistics(self) -> None:
        """SQLite's planner statistics for the record manager's table (ANALYZE, sampled). Without
        them it reads a chunk's keys through the index on the namespace, which every row shares: a
        scan of all records (0.2 s at a million chunks, 2 ms with them)."""
        db = sqlite3.connect(self.dir / "records.sqlite3", timeout=30)
        try:
            db.execute("PRAGMA analysis_limit=1000")
            db.execute("ANALYZE")
            db.commit()
        finally:
            db.close()

    def chunk_keys(self, chunk_ids: Iterable[str]) -> list[str]:
        """The Chroma keys (``record_key``) of these chunks, from the record manager by their
        articles; keys of an index built before keys named chunks are all returned (they name none)."""
        wanted = set(chunk_ids)
        rows = self._where_id_in("SELECT DISTINCT article_id FROM chunks c", wanted)
        articles = {row[0] for row in rows}
        keys = self.record_manager.list_keys(group_ids=sorted(articles)) if articles else []
        named = [(key, chroma_client.chunk_id_of(key)) for key in keys]
        return [key for key, chunk_id in named if chunk_id is None or chunk_id in wanted]

    def chunk_rows(self, chunk_ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        """The chunks with these ids, with their article's fields, by id (unknown ids are left out)."""
        return {row["id"]: row for row in self._where_id_in(self._CHUNK_ROWS, chunk_ids)}

    def _where_id_in(self, select: str, chunk_ids: Iterable[str]) -> list[sqlite3.Row]:
        """``select`` (over ``chunks c``) for these chunk ids, 500 at a time (SQLite's bound on
        parameters)."""
        wanted = list(dict.fromkeys(chunk_ids))
        rows: list[sqlite3.Row] = []
        with self._db_lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                rows += self.db.execute(f"{select} WHERE c.id IN ({','.join('?' * len(part))})", part).fetchall()
        return rows

    def article_chunks(self, article_id: str) -> list[Chunk]:
        with self._db_lock:
            rows = self.db.execute('SELECT id, article_id, idx, start, "end", text FROM chunks WHERE article_id=? '
                                   "ORDER BY idx", (article_id,)).fetchall()
        return [Chunk(id=r["id"], article_id=r["article_id"], index=r["idx"], start=r["start"], end=r["end"],
                      text=r["text"]) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._db_lock:
            articles = self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return {"articles": articles, "chunks": chunks}

    # -- stories (wire copies) -----------------------------------------------------------------
    def story_signatures(self, dated: tuple[str, str] | None = None) -> list[tuple[str, str, bytes]]:
        """(article id, story id, MinHash) of the stored articles; with ``dated`` (first and last
        day, ISO), only of those dated within it and the undated."""
        query = "SELECT article_id, story_id, minhash FROM stories"
        arguments: tuple = ()
        if dated is not None:
            query += (" WHERE article_id IN (SELECT id FROM articles WHERE date >= ? AND date < ?"
                      " OR date IS NULL OR date = '')")
            arguments = (dated[0], dated[1] + "~")  # "~" sorts after any time written after the day
        with self._db_lock:
            return [(r[0], r[1], r[2]) for r in self.db.execute(query, arguments)]

    def story_ids(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> story id (an article never grouped is its own story)."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, str] = {}
        with self._db_lock:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                rows = self.db.execute(
                    f"SELECT article_id, story_id FROM stories WHERE article_id IN ({','.join('?' * len(part))})", part)
                found.update({r[0]: r[1] for r in rows})
        return {i: found.get(i, i) for i in ids}

    def story_copies(self, story_id: str, exclude: str | None = None) -> list[StoryCopy]:
        """The articles of one story (other outlets' copies), oldest first."""
        with self._db_lock:
            rows = self.db.execute(
                "SELECT a.id, a.title, a.source, a.url, a.date FROM stories s JOIN articles a ON a.id = s.article_id "
                "WHERE s.story_id=? ORDER BY a.date, a.id", (story_id,)).fetchall()
        return [StoryCopy(article_id=r["id"], title=r["title"], source=r["source"], url=r["url"], date=r["date"])
                for r in rows if r["id"] != exclude]

    # -- vectors ------------------------------------------------------------------------------
    @property
    def _chroma_key(self) -> str:
        return str(self.dir / "chroma")  # the identifier chromadb caches its embedded system under

    def sync_with_other_processes(self) -> bool:
        """Reopen the embedded Chroma store if another process changed the index since this process
        last looked (a CLI ingest, a watcher, a second server). Returns whether it reopened; every
        Store picks up the fresh client at its next use (``app.chroma_client``). Cheap when
        nothing changed (one read).
        """
        if self.settings.chroma_url:
            return False  # a Chroma server is shared by every process: always current
        with chroma_client.lock:
            if not chroma_client.stale(self._chroma_key, self.generation):
                return False
        # Reopening reads Chroma's SQLite: under the write lock (taken first, as everywhere), then
        # re-checked. A search does not wait for another process's ingest batch (embedding included):
        # it uses the Chroma it has, and reopens at a later search.
        try:
            with self.writing(timeout=0), chroma_client.lock:
                return chroma_client.reopen(self._chroma_key, self.generation)
        except Timeout:
            return False

    @property
    def embeddings(self) -> Embeddings:
        with self._db_lock:
            if self._embeddings is None:
                self._embeddings = build_embeddings(self.settings.embedding, self.index_backend)
            return self._embeddings

    @property
    def vectorstore(self):
        if self._vectorstore is not None and self._vector_epoch != chroma_client.epoch(self._chroma_key):
            self._vectorstore = None  # reopened by sync_with_other_processes (maybe via another Store)
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self.check_embedding_model()
            try:
                if self.settings.chroma_url:
                    client = chroma_client.client(self.settings.chroma_url, self._chroma_key)
                else:
                    generation = self.generation  # read before taking the lock: _bump takes them the other way
                    with self.writing(), chroma_client.lock:  # this order everywhere: no deadlock
                        self._vector_epoch = chroma_client.opened(self._chroma_key, generation)
                        client = chroma_client.client(None, self._chroma_key)
                self._vectorstore = Chroma(
                    client=client,
                    collection_name=self.settings.collection,
                    embedding_function=self.embeddings,
                    collection_metadata={"hnsw:space": "cosine"},
                )
            except StoreError:
                raise
            except Exception as err:  # chromadb raises a variety of errors for a damaged store
                raise StoreError(
                    f"the vector store at {self.settings.chroma_url or self.dir / 'chroma'} cannot be opened ({err}). "
                    "Rebuild it with `newsdesk reindex`."
                ) from None
        return self._vectorstore

    @property
    def record_manager(self):
        if self._record_manager is None:
            from langchain_classic.indexes import SQLRecordManager

            self.dir.mkdir(parents=True, exist_ok=True)
            manager = SQLRecordManager(
                namespace=f"chroma/{self.settings.collection}",
                db_url=f"sqlite:///{self.dir / 'records.sqlite3'}",
            )
            try:
                manager.create_schema()
            except Exception as err:
                raise StoreError(f"the index records at {self.dir} are unreadable ({err}). "
                                 "Rebuild with `newsdesk reindex`.") from None
            self._record_manager = manager
        return self._record_manager

    # -- writes -------------------------------------------------------------------------------
    def record_articles(self, items: Iterable[tuple[Article, list[Chunk], str, str]], stories: Iterable = ()) -> None:
        """Save articles (with their chunks and story assignments) whose vectors are already in Chroma."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction() as db:
            for article, chunks, content_hash, root in items:
                db.execute("DELETE FROM chunks WHERE article_id=?", (article.id,))
                db.executemany(
                    'INSERT INTO chunks(id, article_id, idx, start, "end", text) VALUES(?,?,?,?,?,?)',
                    [(c.id, c.article_id, c.index, c.start, c.end, c.text) for c in chunks],
                )
                db.execute(
                    "INSERT OR REPLACE INTO articles(id, title, date, url, source, origin, file, root, text, "
                    "content_hash, chunk_count, indexed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article.id, article.title, article.date, article.url, article.source, article.origin,
                     origin_file(article.origin), root, article.text, content_hash, len(chunks), now),
                )
            db.executemany(
                "INSERT OR REPLACE INTO stories(article_id, story_id, similarity, minhash) VALUES(?,?,?,?)",
                [(a.article_id, a.story_id, a.similarity, a.signature) for a in stories])
            self._set_meta(db, "embedding_model", self.embedding_model())
            self._bump(db)

    def delete_articles(self, article_ids: list[str]) -> int:
        """Remove articles, their vectors and their records. Returns the number of chunks removed."""
        if not article_ids:
            return 0
        with self.writing():
            keys = self.record_manager.list_keys(group_ids=article_ids)
            if keys:
                self.vectorstore.delete(ids=keys)
                self.record_manager.delete_keys(keys)
        with self.transaction() as db:
            db.executemany("DELETE FROM chunks WHERE article_id=?", [(i,) for i in article_ids])
            db.executemany("DELETE FROM articles WHERE id=?", [(i,) for i in article_ids])
            db.executemany("DELETE FROM stories WHERE article_id=?", [(i,) for i in article_ids])
            self._bump(db)
        return len(keys)

    def _bump(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        old = int(row["value"]) if row else 0
        self._set_meta(db, "generation", str(old + 1))
        with chroma_client.lock:
            chroma_client.wrote(self._chroma_key, old)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def origin_file(origin: str | None) -> str | None:
    """The file an article came from: origins of JSON(L) items carry a ':line' or '#item' suffix."""
    if origin is None:
        return None
    for marker in ("#", ":"):
        head, sep, tail = origin.rpartition(marker)
        if sep and tail.isdigit():
            return head
    return origin

"""Hybrid retrieval: dense (Chroma) + BM25 over the same chunks, fused by reciprocal rank fusion.

Dense MiniLM vectors capture paraphrase ("fired" ~ "launched") but miss rare names and exact
terms ("Pentagon spokesman" -> John Kirby); BM25 is the reverse. RRF needs no score
calibration between the two, only ranks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.config import RetrievalSettings
from app.store import Store
from app.vocabulary import CorpusWords
from app.text import date_number
from app.types import Passage

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


class FilterError(ValueError):
    """A filter value cannot be used (a date that is not YYYY-MM-DD)."""


def as_date(value: date | str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FilterError(f"{name} must be a date as YYYY-MM-DD, not '{value}'") from None


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: by source, and by date (inclusive; undated articles never pass a
    date filter). ``published_by`` is the day a question is asked: reports dated after it did not
    exist yet, and undated ones pass (nothing says they are later). Dates may be given as ``date``
    or ISO text; they are kept as ``date``."""

    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    published_by: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources or ()))
        object.__setattr__(self, "date_from", as_date(self.date_from, "date_from"))
        object.__setattr__(self, "date_to", as_date(self.date_to, "date_to"))
        object.__setattr__(self, "published_by", as_date(self.published_by, "published_by"))

    @classmethod
    def of(cls, sources: str | Sequence[str] | None = None, date_from: date | str | None = None,
           date_to: date | str | None = None) -> Filters:
        """Filters from loose options: one source or several."""
        if isinstance(sources, str):
            sources = [sources]
        return cls(sources=tuple(sources or ()), date_from=date_from, date_to=date_to)

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.date_from:
            clauses.append({"date_num": {"$gte": date_number(self.date_from)}})
        if self.date_to:
            clauses.append({"date_num": {"$lte": date_number(self.date_to)}})
        if self.published_by:  # undated chunks have date_num 0
            clauses.append({"date_num": {"$lte": date_number(self.published_by)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, source: str | None, date: str | None) -> bool:
        if self.sources and (source or "") not in self.sources:
            return False
        if self.date_from and (not date or date[:10] < self.date_from.isoformat()):
            return False
        if self.date_to and (not date or date[:10] > self.date_to.isoformat()):
            return False
        if self.published_by and date and date[:10] > self.published_by.isoformat():
            return False
        return True


class BM25Index:
    """BM25 over all chunks, built once per index generation and shared by all queries."""

    def __init__(self, rows: list):
        self.rows = rows
        self.model = bm25s.BM25()
        # Column arrays, so a filtered query masks 100k rows in numpy instead of a Python loop.
        self.sources = np.array([r["source"] or "" for r in rows], dtype=str)
        self.dates = np.array([r["date"] or "" for r in rows], dtype=str)
        # The corpus's spellings and capitals, for reading readers' queries (app/vocabulary.py).
        self.words = CorpusWords.from_texts(r["text"] for r in rows)
        if rows:
            tokens = bm25s.tokenize([r["text"] for r in rows], stopwords="en", show_progress=False)
            self.model.index(tokens, show_progress=False)
            self.vocab = tokens.vocab
        else:
            self.vocab = {}

    def search(self, query: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        if not self.rows:
            return []
        terms = [t for t in bm25s.tokenize(query, stopwords="en", return_ids=False, show_progress=False)[0]
                 if t in self.vocab]
        if not terms:
            return []
        scores = self.model.get_scores(terms)
        if filters != Filters():
            scores = np.where(self.mask(filters), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top if scores[i] > 0), key=lambda x: -x[1])
        return ranked


    def mask(self, filters: Filters) -> np.ndarray:
        """The rows ``filters`` allows (the same rule as ``Filters.allows``)."""
        mask = np.ones(len(self.rows), dtype=bool)
        if filters.sources:
            mask &= np.isin(self.sources, list(filters.sources))
        if filters.date_from:
            mask &= (self.dates != "") & (self.dates >= filters.date_from.isoformat())
        if filters.date_to:
            mask &= (self.dates != "") & (self.dates <= filters.date_to.isoformat())
        if filters.published_by:
            mask &= (self.dates == "") | (self.dates <= filters.published_by.isoformat())
        return mask


class BM25Cache:
    """The BM25 index of one store, rebuilt when the store changes (its generation counter).
    Held by the long-lived ``Pipeline``, so every query shares one index."""

    def __init__(self, store: Store):
        self.store = store
        self.build_seconds: list[float] = []  # one entry per build, for benchmarks and logs
        self._lock = threading.Lock()
        self._cached: tuple[int, BM25Index] | None = None

    def index(self) -> BM25Index:
        generation = self.store.generation
        with self._lock:
            if self._cached is None or self._cached[0] != generation:
                started = time.perf_counter()
                self._cached = (generation, BM25Index(self.store.all_chunks()))
                self.build_seconds.append(time.perf_counter() - started)
                log.info("BM25 index built over %d chunks in %.2f s", len(self._cached[1].rows),
                         self.build_seconds[-1])
            return self._cached[1]


def reciprocal_rank_fusion(rankings: list[tuple[list[str], float]], k: int = 60) -> dict[str, float]:
    """Fuse ranked id lists: score(d) = sum over lists of weight / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, doc_id in enumerate(ids, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + weight / (k + rank)
    return fused


class HybridRetriever(BaseRetriever):
    """A LangChain retriever; documents carry the fused score and both source scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    settings: RetrievalSettings
    filters: Filters = Filters()
    bm25: BM25Cache | None = None  # the pipeline's; a retriever without one builds its own

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_to_document(p) for p in self.retrieve(query)]

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        settings = self.settings
        top_k = top_k or settings.top_k
        self.store.sync_with_other_processes()  # see what a CLI ingest or a watcher just added
        candidates: dict[str, Passage] = {}
        rankings: list[tuple[list[str], float]] = []

        if settings.mode in ("hybrid", "dense"):
            dense = self._dense_search(query, settings.candidates)
            ids = []
            for doc, distance in dense:
                passage = document_to_passage(doc)
                passage.dense_similarity = round(1.0 - float(distance), 4)
                candidates[passage.chunk_id] = passage
                ids.append(passage.chunk_id)
            rankings.append((ids, settings.dense_weight))

        if settings.mode in ("hybrid", "bm25"):
            if self.bm25 is None:
                self.bm25 = BM25Cache(self.store)
            index = self.bm25.index()
            ids = []
            for row_number, score in index.search(query, settings.candidates, self.filters):
                row = index.rows[row_number]
                passage = candidates.get(row["id"]) or row_to_passage(row)
                passage.bm25_score = round(score, 4)
                candidates[passage.chunk_id] = passage
                ids.append(passage.chunk_id)
            rankings.append((ids, settings.bm25_weight))

        fused = reciprocal_rank_fusion(rankings, k=settings.rrf_k)
        ordered = sorted(fused, key=lambda chunk_id: -fused[chunk_id])
        passages = []
        for number, chunk_id in enumerate(self._one_copy_per_story(ordered, candidates, top_k), start=1):
            passage = candidates[chunk_id]
            passage.number = number
            passage.score = round(fused[chunk_id], 6)
            passages.append(passage)
        self._name_other_outlets(passages)
        return passages

    def _one_copy_per_story(self, ordered: list[str], candidates: dict[str, Passage], top_k: int) -> list[str]:
        """The best ``top_k`` chunks, taking each story (a group of wire copies) from one article only:
        its best-ranked copy. Further chunks of that same article may follow; other copies may not."""
        if not self.settings.one_copy_per_story:
            return ordered[:top_k]
        story_of = self.store.story_ids(candidates[c].article_id for c in ordered)
        chosen: dict[str, str] = {}  # story -> the article that stands for it
        kept = []
        for chunk_id in ordered:
            article_id = candidates[chunk_id].article_id
            story = story_of[article_id]
            if chosen.setdefault(story, article_id) != article_id:
                continue
            kept.append(chunk_id)
            if len(kept) == top_k:
                break
        return kept

    def _name_other_outlets(self, passages: list[Passage]) -> None:
        story_of = self.store.story_ids(p.article_id for p in passages)
        copies: dict[str, list] = {}
        for passage in passages:
            story = story_of[passage.article_id]
            if story not in copies:
                copies[story] = self.store.story_copies(story)
            passage.also_in = [c for c in copies[story] if c.article_id != passage.article_id]


    # How far to look past k, unfiltered, before asking Chroma to filter.
    FILTER_OVERFETCH: ClassVar[int] = 10

    def _dense_search(self, query: str, k: int) -> list[tuple[Document, float]]:
        """(document, cosine distance) pairs, nearest first, within the filters.

        Chroma evaluates a metadata filter over every record (0.5 s at 100k chunks), while an
        unfiltered HNSW search takes ~5 ms. Most filters keep a good share of an archive, so look
        at the nearest ``k * FILTER_OVERFETCH`` unfiltered and filter here; only a filter too
        selective for that goes to Chroma. Either way the result is the k nearest allowed.
        """
        vectorstore = self.store.vectorstore
        where = self.filters.chroma_where()
        if where is None:
            return vectorstore.similarity_search_with_score(query, k=k)
        vector = vectorstore.embeddings.embed_query(query)
        wide_k = k * self.FILTER_OVERFETCH
        wide = vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=wide_k)
        allowed = [(doc, d) for doc, d in wide
                   if self.filters.allows(doc.metadata.get("source") or None, doc.metadata.get("date") or None)]
        if len(allowed) >= k or len(wide) < wide_k:  # enough, or that was the whole collection
            return allowed[:k]
        return vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)


def document_to_passage(doc: Document) -> Passage:
    meta = doc.metadata
    return Passage(
        chunk_id=meta["chunk_id"], article_id=meta["article_id"], title=meta.get("title") or meta["article_id"],
        text=doc.page_content, start=int(meta["start"]), end=int(meta["end"]),
        date=meta.get("date") or None, url=meta.get("url") or None, source=meta.get("source") or None,
    )


def row_to_passage(row) -> Passage:
    return Passage(
        chunk_id=row["id"], article_id=row["article_id"], title=row["title"], text=row["text"],
        start=row["start"], end=row["end"], date=row["date"], url=row["url"], source=row["source"],
    )


def passage_to_document(passage: Passage) -> Document:
    return Document(page_content=passage.text, metadata=passage.model_dump(exclude={"text"}))

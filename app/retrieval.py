"""Hybrid retrieval: dense (Chroma) + BM25 over the same chunks, fused by reciprocal rank fusion.

Dense MiniLM vectors capture paraphrase ("fired" ~ "launched") but miss rare names and exact
terms ("Pentagon spokesman" -> John Kirby); BM25 is the reverse. RRF needs no score
calibration between the two, only ranks.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.config import RetrievalSettings
from app.lexical_index import BM25Cache
from app.chroma_client import chunk_id_of
from app.store import Store
from app.text import date_number
from app.types import Passage

log = logging.getLogger(__name__)


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

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return self != Filters()

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
            ids = []
            for passage, distance in self._dense_search(query, settings.candidates):
                passage.dense_similarity = round(1.0 - float(distance), 4)
                candidates[passage.chunk_id] = passage
                ids.append(passage.chunk_id)
            rankings.append((ids, settings.dense_weight))

        if settings.mode in ("hybrid", "bm25"):
            hits = self._lexical_index().search(query, settings.candidates, self.filters)
            # Texts are read from SQLite for the hits dense search did not bring.
            rows = self.store.chunk_rows(chunk_id for chunk_id, _ in hits if chunk_id not in candidates)
            ids = []
            for chunk_id, score in hits:
                passage = candidates.get(chunk_id)
                if passage is None:
                    if chunk_id not in rows:
                        continue  # removed after this index generation was read
                    passage = row_to_passage(rows[chunk_id])
                passage.bm25_score = round(score, 4)
                candidates[chunk_id] = passage
                ids.append(chunk_id)
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


    def _lexical_index(self):
        if self.bm25 is None:
            self.bm25 = BM25Cache(self.store)
        return self.bm25.index()

    # Filtered dense search: up to EXACT_WITHIN allowed chunks are compared one by one; past that it
    # looks at the nearest k / share * OVERFETCH unfiltered (share: the part of the archive the
    # filter allows), widening fourfold while too few pass, up to WIDEST.
    EXACT_WITHIN: ClassVar[int] = 3_000
    OVERFETCH: ClassVar[float] = 3.0
    WIDEST: ClassVar[int] = 20_000

    def _dense_search(self, query: str, k: int) -> list[tuple[Passage, float]]:
        """(passage, cosine distance) pairs, nearest first, within the filters.

        Chroma evaluates a metadata filter row by row: 0.1-0.5 s at 100k chunks, 1.7-25 s at a
        million (bench/million.py). Its keys name their chunk (``record_key``), so the filter is
        applied here, with BM25's id, date and source columns:
        - a filter that allows few chunks: their vectors are read by key and compared exactly;
        - else the nearest keys alone are asked for (about 5 us each), as many as the filter's share
          calls for, and the allowed ones kept; where the allowed chunks lie far from the query
          (a filter that cuts across topics), fewer than k may come back: BM25 still searches them
          all. Texts are read from SQLite.
        Only an index built before keys named chunks has Chroma filter.
        """
        vectorstore = self.store.vectorstore
        where = self.filters.chroma_where()
        if where is None:
            return [(document_to_passage(doc), distance)
                    for doc, distance in vectorstore.similarity_search_with_score(query, k=k)]
        vector = vectorstore.embeddings.embed_query(query)
        index = self._lexical_index()
        mask = index.mask(self.filters)
        allowed = int(mask.sum())
        if allowed == 0:
            return []
        nearest = self._exact(vector, index, mask, k) if allowed <= self.EXACT_WITHIN else \
            self._overfetched(vector, index, mask, k, allowed)
        if nearest is not None:
            rows = self.store.chunk_rows(chunk_id for chunk_id, _ in nearest)
            return [(row_to_passage(rows[chunk_id]), distance) for chunk_id, distance in nearest if chunk_id in rows]
        return [(document_to_passage(doc), distance) for doc, distance in
                vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)]

    def _exact(self, vector: list[float], index, mask, k: int) -> list[tuple[str, float]] | None:
        """The k nearest of the allowed chunks, each compared; None for an index with older keys."""
        allowed = set(index.chunk_ids(mask))
        keys = self.store.chunk_keys(allowed)
        if len(keys) < len(allowed) or any(chunk_id_of(key) is None for key in keys):
            return None
        found = self.store.vectorstore._collection.get(ids=keys, include=["embeddings"])
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        distances = 1.0 - vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query) + 1e-12)
        order = np.argsort(distances, kind="stable")[:k]
        return [(chunk_id_of(found["ids"][i]), float(distances[i])) for i in order]

    def _overfetched(self, vector: list[float], index, mask, k: int, allowed: int) -> list[tuple[str, float]] | None:
        """The allowed among the nearest keys; None for an index with older keys."""
        widest = min(self.WIDEST, index.size)
        wide_k = min(math.ceil(k * self.OVERFETCH * index.size / allowed), widest)
        while True:
            found = self.store.vectorstore._collection.query(query_embeddings=[vector], n_results=wide_k,
                                                             include=["distances"])
            keys, distances = found["ids"][0], found["distances"][0]
            chunk_ids = [chunk_id_of(key) for key in keys]
            if None in chunk_ids:
                return None
            kept = [(chunk_id, distance) for chunk_id, distance, ok in
                    zip(chunk_ids, distances, index.allows(chunk_ids, mask)) if ok][:k]
            if len(kept) >= k or len(keys) < wide_k or wide_k >= widest:
                return kept
            wide_k = min(wide_k * 4, widest)


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

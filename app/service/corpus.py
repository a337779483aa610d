"""Reading the corpus for the REST API: a page of the articles (search, paging) and one article with
its text and chunks. Upload and delete are ``app.corpus.Corpus``, shared with the UI and the CLI."""

from __future__ import annotations

from app.service.schemas import ArticleDetail, ArticlePage, ArticleSummary, ChunkOut
from app.store import Store


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

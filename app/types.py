"""Data types at the boundaries: what flows from files to the index and back to the reader."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Article(BaseModel):
    """A cleaned article. ``text`` is the reference for every character offset we report."""

    id: str
    title: str
    text: str
    date: str | None = None  # ISO YYYY-MM-DD where known
    url: str | None = None
    source: str | None = None
    origin: str | None = None  # the file (or file:line) it was read from


class Chunk(BaseModel):
    """A slice of an article, ``article.text[start:end] == text``."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int


class StoryCopy(BaseModel):
    """Another outlet's copy of the same story (a wire copy), named beside a passage or citation."""

    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    date: str | None = None


class Passage(BaseModel):
    """A retrieved chunk with its article's metadata and its retrieval scores."""

    number: int = 0  # 1-based position shown to the model and the reader
    chunk_id: str
    article_id: str
    title: str
    text: str
    start: int
    end: int
    date: str | None = None
    url: str | None = None
    source: str | None = None
    score: float = 0.0  # fused score (reciprocal rank fusion)
    dense_similarity: float | None = None  # cosine similarity, when the dense retriever found it
    bm25_score: float | None = None
    relevance: float | None = None  # best sentence-to-question similarity (see app.focus)
    focus_text: str | None = None  # the relevant sentences shown to the model; None = all of ``text``
    also_in: list[StoryCopy] = Field(default_factory=list)  # the same story from other outlets


class Span(BaseModel):
    text: str
    start: int  # character offsets into the article text
    end: int


class Citation(BaseModel):
    """One [n] marker of an answer, resolved to the passage and the exact supporting span."""

    number: int
    article_id: str
    title: str
    url: str | None = None
    date: str | None = None
    source: str | None = None
    chunk_id: str
    chunk_text: str
    span: Span
    # "model": the model wrote the marker; "matched": assigned by matching the answer to passages.
    origin: str = "model"
    also_in: list[StoryCopy] = Field(default_factory=list)  # other outlets that carried the story


class Answer(BaseModel):
    question: str
    standalone_question: str | None = None  # the follow-up rewritten with the chat history
    text: str
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: str | None = None
    raw_answer: str | None = None  # what the model said, before grounding and citation repair
    unsupported: list[str] = Field(default_factory=list)  # sentences dropped: no passage supports them
    model: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)

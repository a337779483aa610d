"""Data types at the boundaries: what flows from files to the index and back to the reader."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# Why an answer is a refusal (``Answer.refusal_kind``); the reader-facing wording is in
# ``Answer.refusal_reason``, both built in ``app.answering.refusals``.
RefusalKind = Literal["empty_index", "weak_evidence", "not_stated"]
# Who put a citation there: the model's own marker, or the pipeline matching the claim to a passage.
CitationOrigin = Literal["model", "matched"]


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
    relevance: float | None = None  # best sentence-to-question similarity (see app/answering/sentences.py)
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
    # "model": the generator picked the sentence; "matched": the checks found it (app/answering/sentences.py).
    origin: CitationOrigin = "model"
    also_in: list[StoryCopy] = Field(default_factory=list)  # other outlets that carried the story
    # Relative dates of the cited span resolved against the article's date: "Tuesday = 6 July 2021".
    date_notes: list[str] = Field(default_factory=list)


class ConflictReport(BaseModel):
    """One source's value in a conflict, and the citation that states it."""

    value: str
    citation: int  # the [n] of the citation
    source: str
    date: str | None = None


class ConflictNote(BaseModel):
    """Sources that give different values for the answer's fact ("24 rockets" [1] vs "20" [2])."""

    text: str
    reports: list[ConflictReport]


class TimelineEntry(BaseModel):
    """One dated event of a timeline, cited."""

    date: str  # ISO day
    # "stated": the sentence names the day; "relative": resolved against the article's date;
    # "published": the article's own date.
    date_basis: Literal["stated", "relative", "published"]
    text: str
    citation: int


class Answer(BaseModel):
    question: str
    standalone_question: str | None = None  # the follow-up rewritten with the chat history
    text: str
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)  # cited first, then the rest, renumbered
    # The passages as retrieval returned them (number = rank, with the fusion and source scores),
    # so that evaluation scores retrieval without retrieving again.
    retrieved: list[Passage] = Field(default_factory=list)
    refused: bool = False
    refusal_kind: RefusalKind | None = None
    refusal_reason: str | None = None
    raw_answer: str | None = None  # what the model said, before grounding and citation repair
    unsupported: list[str] = Field(default_factory=list)  # sentences dropped: no passage supports them
    conflicts: list[ConflictNote] = Field(default_factory=list)  # sources giving other values for the fact
    timeline: list[TimelineEntry] = Field(default_factory=list)  # "what happened with X": dated events
    as_of: str | None = None  # ISO date of the cited source, when the question asked for the latest
    # The calibrated decision: the fitted probability that the candidate answer is right, the
    # candidate (also when refused) and its evidence (app/answering/evidence.py).
    confidence: float | None = None
    candidate: str | None = None
    evidence: dict[str, float] = Field(default_factory=dict)
    model: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    def response(self) -> AnswerResponse:
        return AnswerResponse.model_validate(self.model_dump(exclude={"retrieved"}))


class AnswerResponse(BaseModel):
    """An answer as programs receive it: the ``/ask`` endpoint's details, ``newsdesk ask --json``
    and the answer fields of evaluation records. ``Answer`` without the evaluation-only
    ``retrieved`` list."""

    question: str
    standalone_question: str | None = None
    text: str
    refused: bool = False
    refusal_kind: RefusalKind | None = None
    refusal_reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    unsupported: list[str] = Field(default_factory=list)
    conflicts: list[ConflictNote] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    as_of: str | None = None
    confidence: float | None = None  # the calibrated probability that the (candidate) answer is right
    candidate: str | None = None
    evidence: dict[str, float] = Field(default_factory=dict)
    raw_answer: str | None = None
    model: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)


class TextDelta(BaseModel):
    """A piece of the model's text as it is generated (a draft: the final answer may differ)."""

    kind: Literal["text"] = "text"
    text: str


class FinalAnswer(BaseModel):
    """The checked answer, always the last event of a stream."""

    kind: Literal["answer"] = "answer"
    answer: Answer


StreamEvent = TextDelta | FinalAnswer

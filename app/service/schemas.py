"""Request and response bodies of the REST API (``/api``) and the OpenAI-compatible API (``/v1``).

The answer itself is ``app.types.Answer``, the same model ``newsdesk ask --json`` prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.types import Citation, ConflictNote, TimelineEntry


class Message(BaseModel):
    """One chat message; earlier user/assistant pairs are the conversation a follow-up refers to."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # OpenAI "content parts": keep the text parts
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class AskFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(default_factory=list, description="only articles from these sources")
    date_from: date | None = Field(None, description="only articles dated on or after this day")
    date_to: date | None = Field(None, description="only articles dated on or before this day")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "How many rockets hit the base?"},
                     {"question": "And how many were launched?", "stream": True,
                      "history": [{"role": "user", "content": "How many rockets hit the base?"},
                                  {"role": "assistant", "content": "Fourteen of the projectiles hit the target [1]."}]}],
    })
    question: str = Field(description="the question, in plain words")
    history: list[Message] = Field(default_factory=list, description="the conversation so far (for follow-ups)")
    filters: AskFilters | None = None
    top_k: int | None = Field(None, ge=1, le=50, description="passages to give the model (default: the setting)")
    as_of: date | None = Field(None, description="the day the question is asked (default today): 'now', 'this "
                                                 "week', 'so far' mean up to it; later reports are not used")
    stream: bool = Field(False, description="answer as server-sent events: `delta` events with the model's text "
                                            "as it is written, then one `answer` event with the checked Answer")


class ArticleSummary(BaseModel):
    id: str
    title: str
    date: str | None = None
    url: str | None = None
    source: str | None = None
    chunk_count: int
    indexed_at: str | None = None


class ArticlePage(BaseModel):
    total: int = Field(description="articles matching the query")
    offset: int
    limit: int
    items: list[ArticleSummary]


class ChunkOut(BaseModel):
    id: str
    index: int
    start: int
    end: int
    text: str


class ArticleDetail(ArticleSummary):
    text: str = Field(description="the cleaned text; every offset refers to it")
    chunks: list[ChunkOut]


class Deleted(BaseModel):
    id: str
    chunks_removed: int


class IngestRejected(BaseModel):
    file: str
    reason: str


class IngestResult(BaseModel):
    accepted: list[str] = Field(description="files saved and indexed")
    rejected: list[IngestRejected] = Field(description="files refused, with the reason; nothing of them was kept")
    added: list[str] = Field(default_factory=list, description="article ids added")
    updated: list[str] = Field(default_factory=list)
    skipped: int = Field(0, description="articles already indexed unchanged")
    summary: str = ""


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    index: Literal["ok", "empty", "unreadable"]
    articles: int | None = None
    workers: dict[str, int] = Field(default_factory=dict)
    streams: dict[str, int] = Field(default_factory=dict)
    detail: str | None = None


class Info(BaseModel):
    version: str
    generator: str
    backend: str
    workers: int
    embedding_model: str
    retrieval: dict[str, Any]
    articles: int
    chunks: int
    limits: dict[str, Any]
    auth: list[str]


class ErrorDetail(BaseModel):
    status: int
    code: str = Field(description="a stable, machine-readable name for the error")
    message: str = Field(description="what went wrong, for a person")
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# -- OpenAI-compatible ----------------------------------------------------------------------------------
class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send many options Newsdesk does not use
    model: str = "newsdesk"
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    as_of: date | None = Field(None, description="Newsdesk's own field: the day the question is asked")
    max_tokens: int | None = None
    user: str | None = None


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage = Field(default_factory=Usage)
    # Newsdesk's extras: the full citations behind the footnotes (each with its date and resolved
    # relative dates), sources that differ, a timeline's dated events, and whether it is a refusal.
    citations: list[Citation] = Field(default_factory=list)
    conflicts: list[ConflictNote] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    as_of: str | None = None
    standalone_question: str | None = None  # a follow-up as it was understood
    refused: bool = False
    refusal_reason: str | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]

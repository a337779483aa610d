"""``/api``: ask (JSON or server-sent events), articles, ingest, health and info."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.answering import QuestionError, Turn, final_answer, validate_question
from app.llm import BackendError
from app.service.errors import ERROR_RESPONSES, ApiError
from app.service.schemas import (
    ArticleDetail, ArticlePage, AskRequest, Deleted, Health, Info, IngestRejected, IngestResult, Message,
)
from app.service.state import Service, authenticated, client, service
from app.service.streaming import StreamWithSlot, iterate_in_thread
from app.retrieval import FilterError
from app.store import StoreError
from app.types import AnswerResponse, FinalAnswer

router = APIRouter(prefix="/api", tags=["newsdesk"], responses=ERROR_RESPONSES)
Svc = Annotated[Service, Depends(service)]


def turns_from_messages(messages: list[Message]) -> list[Turn]:
    """User/assistant pairs, in order; system messages and unanswered questions are left out."""
    turns: list[Turn] = []
    pending: str | None = None
    for message in messages:
        if message.role == "user":
            pending = message.text()
        elif message.role == "assistant" and pending is not None:
            turns.append(Turn(pending, message.text()))
            pending = None
    return turns


def checked_question(question: str, svc: Service) -> str:
    try:
        return validate_question(question, svc.settings)
    except QuestionError as err:
        raise ApiError(400, "invalid_question", str(err)) from None


def failure(err: Exception) -> ApiError:
    """What an error inside the answer flow means for the client."""
    if isinstance(err, ApiError):
        return err
    if isinstance(err, (QuestionError, FilterError)):
        return ApiError(400, "invalid_question", str(err))
    if isinstance(err, StoreError):
        return ApiError(503, "index_unavailable", str(err))
    if isinstance(err, (BackendError, ConnectionError, TimeoutError, FileNotFoundError)) or \
            type(err).__name__ in ("APIConnectionError", "APITimeoutError", "ConnectError"):
        return ApiError(503, "generator_unavailable", f"the generator is unavailable: {err}")
    return ApiError(500, "internal_error", f"the answer could not be produced: {type(err).__name__}: {err}")


def sse(event: str, data: dict | str) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n"


@router.post("/ask", response_model=AnswerResponse, summary="Answer a question from the indexed articles",
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "the answer, or with `stream: true` server-sent events: "
                                             "`delta` {text}, then `answer` (the answer) or `error` {error}"}})
async def ask(body: AskRequest, svc: Svc, who: Annotated[str, Depends(client)]):
    """The same answer as `newsdesk ask --json` (`AnswerResponse`): text with `[n]` markers,
    citations with the exact supporting span and its character offsets, the passages, refusal and
    timings. Questions the articles cannot answer are refused without waiting for the generator."""
    question = checked_question(body.question, svc)
    history = turns_from_messages(body.history)
    f = body.filters
    options = dict(sources=f.sources if f else None, date_from=f.date_from if f else None,
                   date_to=f.date_to if f else None, top_k=body.top_k, as_of=body.as_of)

    def events():
        return svc.newsdesk.stream(question, history, **options)

    if not body.stream:
        try:
            answer = await run_in_threadpool(lambda: final_answer(events()))
        except Exception as err:
            raise failure(err) from None
        return answer.response()
    svc.streams.take()

    async def sse_events():
        try:
            async for event in iterate_in_thread(events):
                if isinstance(event, FinalAnswer):
                    yield sse("answer", event.answer.response().model_dump_json())
                else:
                    yield sse("delta", {"text": event.text})
        except Exception as err:  # the response has started: the error becomes the last event
            yield sse("error", failure(err).body())

    return StreamWithSlot(sse_events(), release=svc.streams.release)


@router.get("/articles", response_model=ArticlePage, summary="List or search the indexed articles")
async def articles(svc: Svc, who: Annotated[str, Depends(client)],
                   q: Annotated[str, Query(max_length=200, description="text in the id, title, source or date")] = "",
                   offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=200)] = 20):
    from app.service.corpus import list_articles

    return await run_in_threadpool(list_articles, svc.newsdesk.store, q, offset, limit)


@router.get("/articles/{article_id}", response_model=ArticleDetail, summary="One article, with its text and chunks")
async def article(article_id: str, svc: Svc, who: Annotated[str, Depends(client)]):
    from app.service.corpus import article_detail

    found = await run_in_threadpool(article_detail, svc.newsdesk.store, article_id)
    if found is None:
        raise ApiError(404, "article_not_found", f"no article '{article_id}' in the index")
    return found


@router.delete("/articles/{article_id}", response_model=Deleted, summary="Remove an article from the index")
async def delete(article_id: str, svc: Svc, who: Annotated[str, Depends(client)]):
    """Its vectors, records and rows go, and an uploaded file left with no article."""
    def run():
        with svc.index_lock:
            return svc.corpus.delete([article_id])

    result = await run_in_threadpool(run)
    if not result.deleted:
        raise ApiError(404, "article_not_found", f"no article '{article_id}' in the index")
    return Deleted(id=article_id, chunks_removed=result.chunks)


@router.post("/ingest", response_model=IngestResult, summary="Add article files to the index",
             description="Multipart upload of `.txt .md .html .json .jsonl` files (field `files`, repeated), "
                         "with the UI's rules: each file is checked before anything is written, and a rejected "
                         "file changes nothing. 422 when no file is accepted.")
async def ingest(svc: Svc, who: Annotated[str, Depends(client)], files: Annotated[list[UploadFile], File()]):
    limit = svc.settings.server.max_upload_mb * 1_000_000
    with tempfile.TemporaryDirectory(prefix="newsdesk-upload-") as folder:
        saved: list[tuple[Path, str]] = []
        for number, upload in enumerate(files):
            if upload.size is not None and upload.size > limit:
                raise ApiError(413, "too_large", f"{upload.filename}: {upload.size / 1e6:.1f} MB, the limit is "
                                                 f"{svc.settings.server.max_upload_mb} MB per file")
            path = Path(folder) / f"{number}.upload"
            path.write_bytes(await upload.read())
            saved.append((path, upload.filename or ""))

        def run():
            with svc.index_lock:
                return svc.corpus.upload(saved)

        try:
            uploaded = await run_in_threadpool(run)
        except StoreError as err:
            raise ApiError(503, "index_unavailable", str(err)) from None
    rejected = [IngestRejected(file=name, reason=reason) for name, reason in uploaded.rejected]
    if not uploaded.accepted:
        raise ApiError(422, "nothing_accepted", "no file was accepted: " + "; ".join(
            f"{r.file}: {r.reason}" for r in rejected), details=[r.model_dump() for r in rejected])
    report = uploaded.report
    return IngestResult(accepted=uploaded.accepted, rejected=rejected,
                        added=list(report.added) if report else [], updated=list(report.updated) if report else [],
                        skipped=report.skipped if report else 0, summary=report.summary() if report else "")


@router.get("/health", response_model=Health, summary="Is the service able to answer?",
            responses={503: {"model": Health}})
async def health(svc: Svc, who: Annotated[str, Depends(authenticated)]):
    try:
        counts = await run_in_threadpool(svc.newsdesk.store.counts)
    except StoreError as err:
        body = Health(status="degraded", index="unreadable", detail=str(err), workers=svc.worker_stats(),
                      streams=svc.streams.stats())
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", index="ok" if counts["articles"] else "empty", articles=counts["articles"],
                  workers=svc.worker_stats(), streams=svc.streams.stats())


@router.get("/info", response_model=Info, summary="Models, index size, limits")
async def info(svc: Svc, who: Annotated[str, Depends(client)]):
    from importlib.metadata import PackageNotFoundError, version

    from app.service.security import auth_schemes

    try:
        counts = await run_in_threadpool(svc.newsdesk.store.counts)
        embedding_model = await run_in_threadpool(svc.newsdesk.store.embedding_model)
    except StoreError as err:
        raise ApiError(503, "index_unavailable", str(err)) from None
    try:
        package_version = version("newsdesk")
    except PackageNotFoundError:
        package_version = "unknown"
    s, server = svc.settings, svc.settings.server
    return Info(version=package_version, generator=svc.newsdesk.pipeline.model_label, backend=s.llm.backend, workers=s.llm.workers,
                embedding_model=embedding_model, retrieval=s.retrieval.model_dump(),
                articles=counts["articles"], chunks=counts["chunks"],
                limits={"rate_limit_per_minute": server.rate_limit_per_minute, "rate_limit_burst": server.rate_limit_burst,
                        "max_request_kb": server.max_request_kb, "max_upload_mb": server.max_upload_mb,
                        "max_streams": server.max_streams, "max_question_chars": s.max_question_chars},
                auth=auth_schemes(server))

"""``/v1``: an OpenAI-compatible chat endpoint, so that OpenAI clients and chat front-ends can use
Newsdesk as a "model".

The conversation in ``messages`` is the chat history; the last message is the question. The reply
is the checked answer with its citations as numbered footnotes, and the citations in full in the
extra ``citations`` field. Streamed replies carry the *checked* answer: grounding may drop or
renumber what the model wrote, and an OpenAI client keeps every delta it receives, so the model's
raw draft is not sent (``POST /api/ask`` with ``stream`` streams the draft as it is written).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from app.service.errors import ERROR_RESPONSES, ApiError
from app.service.rest import checked_question, failure, turns_from_messages
from app.service.schemas import ChatChoice, ChatCompletion, ChatCompletionRequest, ChatMessageOut, ModelCard, ModelList
from app.service.state import Service, client, service
from app.service.streaming import StreamWithSlot, iterate_in_thread
from app.answering import final_answer
from app.types import Answer, FinalAnswer

router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=ERROR_RESPONSES)
Svc = Annotated[Service, Depends(service)]
MODEL_ID = "newsdesk"
_STARTED = int(time.time())


def with_footnotes(answer: Answer) -> str:
    """The answer text, then one footnote per citation: ``[1] Title (date; resolved dates): “sentence” url``,
    e.g. ``(2021-07-08; Tuesday = 6 July 2021)``."""
    if not answer.citations:
        return answer.text
    notes = []
    for c in answer.citations:
        dates = [d for d in (c.date, *c.date_notes) if d]
        when = f" ({'; '.join(dates)})" if dates else ""
        link = f" {c.url}" if c.url else ""
        notes.append(f"[{c.number}] {c.title}{when}: “{c.span.text.strip()}”{link}")
    return answer.text + "\n\n" + "\n".join(notes)


def _completion(answer: Answer, completion_id: str) -> ChatCompletion:
    return ChatCompletion(id=completion_id, created=int(time.time()), model=MODEL_ID,
                          choices=[ChatChoice(message=ChatMessageOut(content=with_footnotes(answer)))],
                          citations=answer.citations, conflicts=answer.conflicts, timeline=answer.timeline,
                          as_of=answer.as_of, refused=answer.refused, refusal_reason=answer.refusal_reason,
                          standalone_question=answer.standalone_question)


def _chunk(completion_id: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


@router.get("/models", response_model=ModelList, summary="The one model: Newsdesk")
async def models(svc: Svc, who: Annotated[str, Depends(client)]):
    return ModelList(data=[ModelCard(id=MODEL_ID, created=_STARTED, owned_by="newsdesk")])


@router.post("/chat/completions", response_model=ChatCompletion, summary="OpenAI-compatible chat completion",
             responses={200: {"content": {"text/event-stream": {}}}})
async def chat_completions(body: ChatCompletionRequest, svc: Svc, who: Annotated[str, Depends(client)]):
    if body.model != MODEL_ID:
        raise ApiError(404, "model_not_found", f"the model '{body.model}' does not exist here; use '{MODEL_ID}'")
    last = body.messages[-1]
    if last.role != "user":
        raise ApiError(400, "invalid_question", "the last message must be the user's question")
    question = checked_question(last.text(), svc)
    history = turns_from_messages(body.messages[:-1])
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"

    def events():
        return svc.newsdesk.stream(question, history, temperature=body.temperature, as_of=body.as_of)

    if not body.stream:
        try:
            answer = await run_in_threadpool(lambda: final_answer(events()))
        except Exception as err:
            raise failure(err) from None
        return _completion(answer, completion_id)
    svc.streams.take()

    async def chunks():
        yield _chunk(completion_id, {"role": "assistant", "content": ""})
        try:
            async for event in iterate_in_thread(events):
                if isinstance(event, FinalAnswer):
                    answer = event.answer
                    for piece in re.findall(r"\S+\s*|\s+", with_footnotes(answer)):
                        yield _chunk(completion_id, {"content": piece})
                    extra = {**answer.model_dump(mode="json", include={"citations", "conflicts", "timeline", "as_of"}),
                             "refused": answer.refused, "refusal_reason": answer.refusal_reason}
                    yield _chunk(completion_id, {}, "stop", **extra)
        except Exception as err:  # the stream has started: the error is its last event
            yield f"data: {json.dumps(failure(err).body())}\n\n"
        yield "data: [DONE]\n\n"

    return StreamWithSlot(chunks(), release=svc.streams.release)

"""The service (REST API, OpenAI-compatible API, limits) on a real loopback server, with a real
Chroma index of the seed corpus and the real embedder; the generator is a LangChain fake chat
model behind the real worker pool, so these run in seconds. The same service with the real
llama.cpp model: tests/test_service_llm.py."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.application import Newsdesk
from app.service import create_app
from app.types import AnswerResponse
from app.workers import WorkerPool
from conftest import SEED_ID, make_settings
from service_helpers import serve_app, sse_events

SPAN = "Fourteen of the projectiles hit the target, causing minor injuries"  # the article's sentence
ANSWERABLE = "How many rockets hit the base?"  # its best sentence states it: answered without a model call
PICKED = "What was the missile hidden in?"  # answered from the fake generator's pick
PICK = '{"sentence": 1, "answer": "a flour bag"}'
OFF_TOPIC = "What is the capital of France?"


class SlowPick(FakeListChatModel):
    """A fake generator whose pick takes ``seconds`` (a pick is one call, not a stream)."""

    seconds: float = 0.0

    def _call(self, *args, **kwargs):
        time.sleep(self.seconds)
        return super()._call(*args, **kwargs)


def newsdesk_for(settings, seconds: float = 0.0) -> Newsdesk:
    """The real application with one fake generation worker that picks the flour-bag sentence."""
    fake = SlowPick(responses=[PICK], seconds=seconds)
    return Newsdesk(settings, chat_model=WorkerPool.of([fake], label="fake"))


@pytest.fixture(scope="module")
def service_url(seed_settings):
    settings = seed_settings.with_overrides(**{"server.rate_limit_per_minute": 0})
    with serve_app(create_app(newsdesk_for(settings), ui=True)) as url:
        yield url


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# -- REST ------------------------------------------------------------------------------------------
def test_docs_openapi_and_the_ui_are_served_together(service_url):
    docs = httpx.get(f"{service_url}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = httpx.get(f"{service_url}/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/articles", "/api/articles/{article_id}", "/api/ingest", "/api/health", "/api/info",
            "/v1/chat/completions", "/v1/models"} <= set(paths)
    page = httpx.get(f"{service_url}/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_ask_returns_the_same_answer_model_as_ask_json(service_url):
    response = httpx.post(f"{service_url}/api/ask", json={"question": ANSWERABLE}, timeout=60)
    assert response.status_code == 200, response.text
    assert set(response.json()) == set(AnswerResponse.model_fields)  # what `newsdesk ask --json` prints
    answer = AnswerResponse.model_validate(response.json())
    assert not answer.refused and "Fourteen" in answer.text and "[1]" in answer.text
    assert answer.citations[0].article_id == SEED_ID
    assert SPAN in answer.citations[0].span.text


def test_ask_with_filters_and_top_k(service_url):
    response = httpx.post(f"{service_url}/api/ask", timeout=60, json={
        "question": ANSWERABLE, "top_k": 2, "filters": {"sources": ["No Such Source"]}})
    assert response.status_code == 200
    answer = AnswerResponse.model_validate(response.json())
    assert answer.refused and answer.passages == []  # the filter leaves nothing to answer from
    response = httpx.post(f"{service_url}/api/ask", timeout=60, json={"question": ANSWERABLE, "top_k": 2})
    assert len(AnswerResponse.model_validate(response.json()).passages) <= 2


@pytest.mark.parametrize("question", [ANSWERABLE, PICKED])
def test_streamed_ask_sends_the_checked_text_then_the_answer(service_url, question):
    with httpx.stream("POST", f"{service_url}/api/ask", json={"question": question, "stream": True},
                      timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(response.iter_lines()))
    assert [kind for kind, _ in events] == ["delta", "answer"]
    final = AnswerResponse.model_validate(events[-1][1])
    assert events[0][1]["text"] == final.text and final.citations and "[1]" in final.text


def test_refusal_is_streamed_without_deltas(service_url):
    with httpx.stream("POST", f"{service_url}/api/ask", json={"question": OFF_TOPIC, "stream": True},
                      timeout=60) as response:
        events = list(sse_events(response.iter_lines()))
    assert [kind for kind, _ in events] == ["answer"]
    assert events[0][1]["refused"] is True


@pytest.mark.parametrize("body, status, code", [
    ({"question": "   "}, 400, "invalid_question"),
    ({"question": "why " * 400}, 400, "invalid_question"),
    ({}, 422, "invalid_request"),
    ({"question": 42}, 422, "invalid_request"),
    ({"question": ANSWERABLE, "top_k": 0}, 422, "invalid_request"),
    ({"question": ANSWERABLE, "filters": {"date_from": "last week"}}, 422, "invalid_request"),
    ({"question": ANSWERABLE, "colour": "blue"}, 422, "invalid_request"),
])
def test_bad_questions_get_json_errors_with_meaningful_codes(service_url, body, status, code):
    response = httpx.post(f"{service_url}/api/ask", json=body, timeout=30)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]


def test_not_json_and_unknown_routes_are_json_errors(service_url):
    response = httpx.post(f"{service_url}/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    response = httpx.get(f"{service_url}/api/articles/no-such-article")
    assert response.status_code == 404 and response.json()["error"]["code"] == "article_not_found"
    response = httpx.post(f"{service_url}/v1/chat/completions",
                          json={"model": "gpt-4o", "messages": [{"role": "user", "content": ANSWERABLE}]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"


def test_health_and_info(service_url):
    health = httpx.get(f"{service_url}/api/health").json()
    assert health["status"] == "ok" and health["index"] == "ok" and health["articles"] == 1
    assert health["workers"]["workers"] == 1
    info = httpx.get(f"{service_url}/api/info").json()
    assert info["articles"] == 1 and info["chunks"] > 1 and info["workers"] == 1
    assert info["limits"]["max_streams"] >= 1 and info["auth"] == []


def test_articles_ingest_search_read_and_delete(tmp_path, seed_settings):
    settings = make_settings(tmp_path / "index")
    ferry = ("---\ntitle: \"Harbourview ferry completes maiden voyage\"\ndate: 2024-05-04\nsource: Harbour Gazette\n"
             "---\nThe Harbourview ferry carried 312 passengers on its maiden voyage on 3 May 2024.\n\n"
             "The operator said the ship would run four crossings a day during the summer.\n")
    with serve_app(create_app(newsdesk_for(settings), ui=False)) as url:
        files = [("files", ("harbourview-ferry.txt", ferry.encode(), "text/plain")),
                 ("files", ("../../evil.exe", b"MZ\x00\x01", "application/octet-stream")),
                 ("files", ("binary.txt", bytes(range(256)), "text/plain"))]
        report = httpx.post(f"{url}/api/ingest", files=files, timeout=120)
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["accepted"] == ["harbourview-ferry.txt"] and body["added"] == ["harbourview-ferry"]
        reasons = {r["file"]: r["reason"] for r in body["rejected"]}
        assert set(reasons) == {"../../evil.exe", "binary.txt"} and "'..'" in reasons["../../evil.exe"]
        assert not list(Path(settings.data_dir).rglob("evil.exe"))

        page = httpx.get(f"{url}/api/articles", params={"q": "ferry"}).json()
        assert page["total"] == 1 and page["items"][0]["id"] == "harbourview-ferry"
        assert httpx.get(f"{url}/api/articles", params={"q": "nothing like it"}).json()["total"] == 0
        assert httpx.get(f"{url}/api/articles", params={"limit": 0}).status_code == 422

        detail = httpx.get(f"{url}/api/articles/harbourview-ferry").json()
        assert detail["source"] == "Harbour Gazette" and detail["chunk_count"] == len(detail["chunks"]) >= 1
        for chunk in detail["chunks"]:
            assert detail["text"][chunk["start"]:chunk["end"]] == chunk["text"]

        answer = httpx.post(f"{url}/api/ask", json={"question": "How many passengers did the ferry carry?"},
                            timeout=60).json()
        assert answer["passages"] and answer["passages"][0]["article_id"] == "harbourview-ferry"

        nothing = httpx.post(f"{url}/api/ingest", files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))])
        assert nothing.status_code == 422 and "unsupported file type" in nothing.json()["error"]["message"]

        deleted = httpx.delete(f"{url}/api/articles/harbourview-ferry")
        assert deleted.status_code == 200 and deleted.json()["chunks_removed"] >= 1
        assert httpx.get(f"{url}/api/articles/harbourview-ferry").status_code == 404
        assert httpx.delete(f"{url}/api/articles/harbourview-ferry").status_code == 404
        assert not (Path(settings.data_dir) / "uploads" / "harbourview-ferry.txt").exists()


# -- credentials -------------------------------------------------------------------------------------
def test_api_needs_the_login_or_the_bearer_token_when_one_is_set(seed_settings):
    settings = seed_settings.with_overrides(**{"server.username": "editor", "server.password": "s3cret",
                                               "server.api_token": "tok-123"})
    basic = "Basic " + base64.b64encode(b"editor:s3cret").decode()
    wrong = "Basic " + base64.b64encode(b"editor:guess").decode()
    with serve_app(create_app(newsdesk_for(settings), ui=True)) as url:
        for path in ("/api/info", "/api/articles", "/api/health", "/v1/models"):
            refused = httpx.get(f"{url}{path}")
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
            assert "Basic" in refused.headers["www-authenticate"] and "Bearer" in refused.headers["www-authenticate"]
            assert httpx.get(f"{url}{path}", headers={"Authorization": wrong}).status_code == 401
            assert httpx.get(f"{url}{path}", headers={"Authorization": "Bearer nope"}).status_code == 401
            assert httpx.get(f"{url}{path}", headers={"Authorization": basic}).status_code == 200
            assert httpx.get(f"{url}{path}", headers={"Authorization": "Bearer tok-123"}).status_code == 200
        assert httpx.post(f"{url}/api/ask", json={"question": OFF_TOPIC}).status_code == 401
        # The UI behind the same login: its API refuses calls without the login cookie.
        assert httpx.post(f"{url}/gradio_api/call/ask", json={"data": [OFF_TOPIC, None, None, None]}).status_code == 401


# -- limits ---------------------------------------------------------------------------------------------
def test_rate_limit_answers_429_with_retry_after_per_client(seed_settings):
    settings = seed_settings.with_overrides(**{"server.rate_limit_per_minute": 2, "server.rate_limit_burst": 2,
                                               "server.api_token": "tok", "server.username": "a",
                                               "server.password": "b"})
    token = {"Authorization": "Bearer tok"}
    basic = {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    with serve_app(create_app(newsdesk_for(settings), ui=False)) as url:
        assert [httpx.get(f"{url}/api/info", headers=token).status_code for _ in range(2)] == [200, 200]
        limited = httpx.get(f"{url}/api/info", headers=token)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        assert httpx.get(f"{url}/api/info", headers=basic).status_code == 200  # another client has its own budget
        assert httpx.get(f"{url}/api/health", headers=token).status_code == 200  # probes are not counted


def test_request_bodies_over_the_limit_get_413(seed_settings):
    settings = seed_settings.with_overrides(**{"server.max_request_kb": 2, "server.rate_limit_per_minute": 0,
                                               "server.max_upload_mb": 1})
    with serve_app(create_app(newsdesk_for(settings), ui=False)) as url:
        big = {"question": ANSWERABLE, "history": [{"role": "user", "content": "x" * 3000}]}
        response = httpx.post(f"{url}/api/ask", json=big)
        assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"

        def chunked():  # no Content-Length: counted as it arrives
            yield b'{"question": "' + b"y" * 1500
            yield b"z" * 1500 + b'"}'

        response = httpx.post(f"{url}/api/ask", content=chunked(), headers={"content-type": "application/json"})
        assert response.status_code == 413
        response = httpx.post(f"{url}/v1/chat/completions", json={"model": "newsdesk", "messages": big["history"]})
        assert response.status_code == 413
        upload = httpx.post(f"{url}/api/ingest", files=[("files", ("big.txt", b"a" * 1_200_000, "text/plain"))])
        assert upload.status_code == 413
        # The server still answers (its first question loads the models: seconds on 2 cores).
        assert httpx.post(f"{url}/api/ask", json={"question": OFF_TOPIC}, timeout=60).status_code == 200


def test_streams_over_the_cap_get_503_and_refusals_do_not_wait(seed_settings):
    settings = seed_settings.with_overrides(**{"server.max_streams": 1, "server.rate_limit_per_minute": 0})
    newsdesk = newsdesk_for(settings, seconds=5)
    pool = newsdesk.chat_model
    with serve_app(create_app(newsdesk, ui=False)) as url:
        with httpx.stream("POST", f"{url}/api/ask", json={"question": PICKED, "stream": True},
                          timeout=60) as first:
            lines = first.iter_lines()
            assert wait_until(lambda: pool.stats()["busy"] == 1)
            second = httpx.post(f"{url}/api/ask", json={"question": PICKED, "stream": True})
            assert second.status_code == 503 and second.json()["error"]["code"] == "too_many_streams"
            assert int(second.headers["retry-after"]) > 0
            # Refused before generation: answered while the only worker is still generating.
            refused = httpx.post(f"{url}/api/ask", json={"question": OFF_TOPIC}, timeout=30)
            assert refused.status_code == 200 and refused.json()["refused"] is True
            assert pool.stats()["busy"] == 1, "the refusal was answered after the generation ended"
            assert [kind for kind, _ in sse_events(lines)] == ["delta", "answer"]
        assert wait_until(lambda: httpx.get(f"{url}/api/health").json()["streams"]["active"] == 0)


def test_a_client_that_disconnects_mid_answer_frees_its_stream_slot_and_worker(seed_settings):
    settings = seed_settings.with_overrides(**{"server.rate_limit_per_minute": 0, "server.max_streams": 1})
    newsdesk = newsdesk_for(settings, seconds=2)
    pool = newsdesk.chat_model
    with serve_app(create_app(newsdesk, ui=False)) as url:
        with httpx.stream("POST", f"{url}/api/ask", json={"question": PICKED, "stream": True}, timeout=60):
            assert wait_until(lambda: pool.stats()["busy"] == 1)
        # The connection is closed mid-pick: the pick (one bounded call) ends, the stream stops there
        # and gives back its slot, and the worker serves the next request.
        assert wait_until(lambda: pool.stats()["busy"] == 0, timeout=8)
        assert wait_until(lambda: httpx.get(f"{url}/api/health").json()["streams"]["active"] == 0, timeout=5)
        served = pool.stats()["served"]
        answer = httpx.post(f"{url}/api/ask", json={"question": PICKED, "stream": True}, timeout=60)
        assert answer.status_code == 200
        assert list(sse_events(iter(answer.text.splitlines())))[-1][1]["refused"] is False
        assert pool.stats()["served"] == served + 1


# -- OpenAI-compatible -------------------------------------------------------------------------------
def test_openai_client_gets_answers_with_footnotes_and_citations(service_url):
    from openai import OpenAI

    client = OpenAI(base_url=f"{service_url}/v1", api_key="not-needed", max_retries=0)
    assert [m.id for m in client.models.list()] == ["newsdesk"]

    completion = client.chat.completions.create(model="newsdesk",
                                                messages=[{"role": "user", "content": ANSWERABLE}])
    content = completion.choices[0].message.content
    text, _, notes = content.partition("\n\n")
    assert "Fourteen" in text and "[1]" in text
    assert notes.startswith("[1] ") and SPAN in notes
    citations = completion.model_extra["citations"]
    assert citations[0]["article_id"] == SEED_ID and SPAN in citations[0]["span"]["text"]
    assert completion.model_extra["refused"] is False
    # Time and disagreement travel as extras too (the seed article is undated and has one source).
    assert citations[0]["date_notes"] == [] and completion.model_extra["conflicts"] == []
    assert completion.model_extra["timeline"] == [] and completion.model_extra["as_of"] is None

    stream = client.chat.completions.create(model="newsdesk", stream=True,
                                            messages=[{"role": "user", "content": ANSWERABLE}])
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == citations
    assert chunks[-1].model_extra["conflicts"] == [] and chunks[-1].model_extra["timeline"] == []

    refusal = client.chat.completions.create(model="newsdesk", messages=[
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": ANSWERABLE}, {"role": "assistant", "content": content},
        {"role": "user", "content": OFF_TOPIC}])
    assert "don't say" in refusal.choices[0].message.content and refusal.model_extra["refused"] is True


def test_footnotes_give_each_citation_its_date_and_resolved_relative_dates():
    from app.service.openai_compat import with_footnotes
    from app.types import Answer, Citation, Span

    said = "On Wednesday, the House impeached President Donald Trump."
    cited = Citation(number=1, article_id="a", title="Impeached", date="2019-12-21", chunk_id="a#0", chunk_text=said,
                     span=Span(text=said, start=0, end=len(said)), date_notes=["Wednesday = 18 December 2019"])
    text = with_footnotes(Answer(question="q", text="Trump was impeached [1].", citations=[cited]))
    assert text.endswith(f"[1] Impeached (2019-12-21; Wednesday = 18 December 2019): “{said}”")


def test_openai_errors_reach_the_client_as_api_errors(service_url):
    import openai

    client = openai.OpenAI(base_url=f"{service_url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="empty"):
        client.chat.completions.create(model="newsdesk", messages=[{"role": "user", "content": " "}])
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ANSWERABLE}])


def test_messages_become_the_chat_history():
    from app.service.rest import turns_from_messages
    from app.service.schemas import Message

    messages = [Message(role="system", content="be brief"), Message(role="user", content="Q1"),
                Message(role="assistant", content="A1"),
                Message(role="user", content=[{"type": "text", "text": "Q2"}]),
                Message(role="assistant", content="A2"), Message(role="user", content="dangling")]
    turns = turns_from_messages(messages)
    assert [(t.question, t.answer) for t in turns] == [("Q1", "A1"), ("Q2", "A2")]


def test_worker_pool_runs_one_generation_per_worker():
    models = [FakeListChatModel(responses=["a b c"], sleep=0.05) for _ in range(2)]
    pool = WorkerPool.of(models)
    peak = 0
    seen = threading.Lock()

    def generate():
        nonlocal peak
        for _ in pool.stream("hi"):
            with seen:
                peak = max(peak, pool.stats()["busy"])

    threads = [threading.Thread(target=generate) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = pool.stats()
    assert peak == 2 and stats["served"] == 5 and stats["busy"] == 0 and stats["waiting"] == 0

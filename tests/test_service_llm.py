"""The service as ``newsdesk serve`` runs it (a subprocess on loopback, the real llama.cpp model):
the REST API, the OpenAI-compatible API through the official ``openai`` client, and the Gradio API
on the same port. Seconds per answer."""

from __future__ import annotations

import threading

import httpx
import pytest

from conftest import SEED_ID, start_server
from service_helpers import sse_events

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory, "newsdesk-service", NEWSDESK_LLM__WORKERS="1") as running:
        yield running


def test_rest_ask_streams_deltas_then_a_cited_answer(server):
    with httpx.stream("POST", f"{server.url}api/ask", json={"question": "How many rockets hit the base?",
                                                            "stream": True}, timeout=300) as response:
        assert response.status_code == 200
        events = list(sse_events(response.iter_lines()))
    assert events[0][0] == "delta" and events[-1][0] == "answer"
    answer = events[-1][1]
    assert not answer["refused"] and answer["citations"][0]["article_id"] == SEED_ID
    assert "14" in answer["text"] or "ourteen" in answer["text"]


def test_openai_client_against_newsdesk_serve(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server.url}v1", api_key="not-needed", max_retries=0, timeout=300)
    completion = client.chat.completions.create(model="newsdesk", messages=[
        {"role": "user", "content": "How many rockets were launched at the base?"},
        {"role": "assistant", "content": "24 rockets were launched at the base [1]."},
        {"role": "user", "content": "Who is the Pentagon spokesman?"}])
    assert "Kirby" in completion.choices[0].message.content
    assert completion.model_extra["citations"][0]["article_id"] == SEED_ID
    assert "\n\n[1] " in completion.choices[0].message.content


def test_a_refusal_is_answered_while_the_only_worker_generates(server):
    """N = 1 worker busy with an answer: an off-topic question is still refused at once."""
    done = threading.Event()

    def long_answer():
        # A why-question always goes to the model ("What happened at …?" is now a timeline, built without it).
        httpx.post(f"{server.url}api/ask", json={"question": "Why was the missile hidden in a flour bag?"}, timeout=300)
        done.set()

    thread = threading.Thread(target=long_answer)
    thread.start()
    busy = False
    for _ in range(600):
        busy = httpx.get(f"{server.url}api/health").json()["workers"]["busy"] == 1
        if busy or done.is_set():
            break
        threading.Event().wait(0.02)
    refused = httpx.post(f"{server.url}api/ask", json={"question": "What is the capital of France?"}, timeout=300)
    generation_over = done.is_set()
    thread.join()
    assert busy, "the long answer never reached the worker"
    assert refused.json()["refused"] is True
    assert not generation_over, "the refusal came back only after the generation had ended"


def test_the_gradio_api_still_works_on_the_same_port(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False, download_files=False)
    text, details = client.predict("What is the capital of France?", None, api_name="/ask")
    assert details["refused"] and "don't say" in text

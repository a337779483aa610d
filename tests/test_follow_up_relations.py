"""A follow-up keeps its own relation (issue 24): "And how many were launched?" after a question about
hits asks about launches. Only what it leaves out (the thing counted, the event, the place) comes
from the conversation. Checked in both orders, through ``ask()`` with history, ``/api/ask`` and
``/v1/chat/completions``, with real spaCy, embedder and retrieval (the fake model is never needed
by the rules that resolve these).
"""

from __future__ import annotations

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.answering.rewriting import asked_part, rewrite
from app.api import Chat
from app.application import Newsdesk
from app.embedding import build_embeddings
from app.lexicon import Lexicon
from app.nlp import load_spacy
from app.answering import Turn
from app.service import create_app
from service_helpers import serve_app


def no_model(transcript: str, question: str) -> str:
    raise AssertionError("these follow-ups are resolved by rule")


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


@pytest.mark.parametrize("earlier, follow_up, counted, verb, left_out", [
    ("How many rockets hit the base?", "And how many were launched in total?", "rockets", "launched", "hit"),
    ("How many rockets were launched at the base?", "And how many hit it?", "rockets", "hit", "launched"),
    ("How many soldiers were killed in the attack?", "And how many were injured?", "soldiers", "injured", "killed"),
    ("How many soldiers were injured in the attack?", "And how many were killed?", "soldiers", "killed", "injured"),
])
def test_a_follow_up_asks_its_own_relation_about_the_earlier_thing(nlp, earlier, follow_up, counted, verb, left_out):
    standalone = rewrite(follow_up, [Turn(earlier, "…")], no_model, nlp)
    asked = asked_part(standalone)
    assert counted in asked and verb in asked and left_out not in asked
    assert earlier in standalone  # the event and place, as context for retrieval


def test_it_stands_for_the_earlier_question_s_place_when_its_topic_is_plural(nlp):
    standalone = rewrite("And how many rockets hit it?", [Turn("How many people were hurt at the base?", "…")],
                         no_model, nlp)
    assert asked_part(standalone) == "How many rockets hit the base?"


@pytest.fixture(scope="module")
def app(seed_settings, nlp):
    settings = seed_settings.with_overrides(**{"server.rate_limit_per_minute": 0})  # many requests, one client
    with Newsdesk(settings, chat_model=FakeListChatModel(responses=["not a pick"]),
                  embeddings=build_embeddings(seed_settings.embedding, seed_settings.embedding.reading_backend), nlp=nlp,
                  lexicon=Lexicon(seed_settings.wordnet_dir)) as newsdesk:
        yield newsdesk


PAIRS = [("How many rockets hit the base?", "And how many were launched in total?", "launched"),
         ("How many rockets were launched at the base?", "And how many hit the target?", "hit")]


@pytest.mark.parametrize("first, second, verb", PAIRS)
def test_follow_ups_keep_their_relation_through_ask_with_history(app, first, second, verb):
    chat = Chat(newsdesk=app)
    chat.ask(first)
    answer = chat.ask(second)
    assert verb in asked_part(answer.standalone_question or answer.question)
    if not answer.refused:  # whatever it says is cited to a sentence stating the follow-up's relation
        assert verb in answer.citations[0].span.text or "projectiles" in answer.citations[0].span.text


@pytest.fixture(scope="module")
def service_url(app):
    with serve_app(create_app(app, ui=False)) as url:
        yield url


@pytest.mark.parametrize("first, second, verb", PAIRS)
def test_follow_ups_keep_their_relation_through_the_rest_api(service_url, first, second, verb):
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": "Earlier answer [1]."}]
    response = httpx.post(f"{service_url}/api/ask", json={"question": second, "history": history}, timeout=120)
    assert response.status_code == 200
    assert verb in asked_part(response.json()["standalone_question"])


@pytest.mark.parametrize("first, second, verb", PAIRS)
def test_follow_ups_keep_their_relation_through_the_openai_endpoint(service_url, first, second, verb):
    messages = [{"role": "user", "content": first}, {"role": "assistant", "content": "Earlier answer [1]."},
                {"role": "user", "content": second}]
    response = httpx.post(f"{service_url}/v1/chat/completions", json={"model": "newsdesk", "messages": messages},
                          timeout=120)
    assert response.status_code == 200
    body = response.json()
    assert verb in asked_part(body["standalone_question"])
    assert body["choices"][0]["message"]["content"]

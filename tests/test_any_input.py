"""No input breaks the flow (issue 24): whatever a reader types ends in an answer or a refusal, never
an exception, through ``ask()`` and through both HTTP APIs (200 with a refusal, or 400 with a
message; never 500). Hypothesis writes the inputs; the fake chat model answers every pick with
text that may or may not be a valid pick; spaCy, the embedder and retrieval are real.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.answering import QuestionError, Turn
from app.application import Newsdesk
from app.embedding import build_embeddings
from app.lexicon import Lexicon
from app.nlp import load_spacy
from app.service import create_app
from service_helpers import serve_app

# Words of the seed article and of questions, to build queries that reach real passages.
WORDS = ["rockets", "base", "Pentagon", "spokesman", "Ain", "al-Asad", "attack", "injuries", "launched", "hit",
         "drone", "Iraq", "militias", "Tuesday", "soldiers", "the", "of", "how", "many", "who", "when", "did",
         "were", "there", "any", "tell", "me", "about", "summarize", "article", "ROCKETS", "rokets", "BASE"]
FORMS = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),  # keywords, verbless, capitals
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(lambda w: " ".join(w) + "?"),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(lambda w: " ".join(w) + ":"),  # to complete
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=10).map(lambda w: " ".join(w[:3]) + ". " + " ".join(w[3:]) + "?"),
    st.text(min_size=1, max_size=60),  # anything: emoji, other scripts, control characters
    st.sampled_from(["?", "...", "!!!", "<b>rockets</b>", "¿Cuántos cohetes?", "火箭 袭击", "🚀🚀🚀",
                     "rockets " * 250, "Were there any injuries?", "tell me about it", "summarize the article",
                     "How many rockets hit the base? Who launched them? When?", "SELECT * FROM chunks;"]),
)
HISTORIES = st.lists(st.tuples(st.sampled_from(WORDS + ["How many rockets hit the base?"]), st.text(max_size=40)),
                     max_size=4)
PICKS = st.sampled_from(['{"sentence": 1, "answer": "fourteen"}', '{"sentence": 9, "answer": "x"}', "not json",
                         "", '{"sentence": 0}'])


@pytest.fixture(scope="module")
def app(seed_settings):
    model = FakeListChatModel(responses=['{"sentence": 1, "answer": "fourteen"}', "not json", ""])
    settings = seed_settings.with_overrides(**{"server.rate_limit_per_minute": 0})  # many requests, one client
    reading = build_embeddings(seed_settings.embedding, seed_settings.embedding.reading_backend)
    with Newsdesk(settings, chat_model=model, embeddings=reading, nlp=load_spacy(),
                  lexicon=Lexicon(seed_settings.wordnet_dir)) as newsdesk:
        yield newsdesk


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=FORMS, history=HISTORIES, pick=PICKS)
def test_every_input_ends_in_an_answer_or_a_refusal(app, caplog, query, history, pick):
    app.pipeline._chat_model.responses = [pick]
    app.pipeline._chat_model.i = 0
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="app.answering.pipeline"):
        try:
            answer = app.ask(query, [Turn(q, a) for q, a in history])
        except QuestionError as err:  # empty or too long: said before anything runs
            assert str(err)
            return
    assert answer.text
    assert answer.refused or answer.citations
    for citation in answer.citations:
        assert citation.span.text in citation.chunk_text
    # The guard that refuses a failed flow must not have been needed.
    assert not [r for r in caplog.records if "answer flow failed" in r.getMessage()]


ODD = ["rockets", "Pentagon spokesman", "Were there any injuries?", "tell me about the attack",
       "Number of rockets that hit Ain al-Asad?", "He wrote a book titled:", "HOW MANY ROKETS HIT THE BASE",
       "🚀", "¿?", "<script>alert(1)</script>", "a" * 999, ".", "summarize the article"]


@pytest.fixture(scope="module")
def service_url(app, seed_settings):
    with serve_app(create_app(app, ui=False)) as url:
        yield url


@pytest.mark.parametrize("query", ODD)
def test_the_rest_api_answers_200_or_400_never_500(service_url, query):
    response = httpx.post(f"{service_url}/api/ask", json={"question": query, "as_of": "2021-07-10"}, timeout=120)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["message"]


@pytest.mark.parametrize("query", ODD)
def test_the_openai_endpoint_answers_200_or_400_never_500(service_url, query):
    response = httpx.post(f"{service_url}/v1/chat/completions", timeout=120, json={
        "model": "newsdesk", "messages": [{"role": "user", "content": query}]})
    assert response.status_code in (200, 400), response.text


def test_a_date_that_is_not_a_date_is_a_400_with_a_message(service_url):
    response = httpx.post(f"{service_url}/api/ask", json={"question": "rockets", "as_of": "last week"}, timeout=30)
    assert response.status_code in (400, 422) and response.json()["error"]["message"]

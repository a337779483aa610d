"""The whole answer flow, fast: LangChain's fake chat models stand in for the generator, over a
real Chroma index of the seed article with the real embedding model. Every branch of the flow
(rewrite, refusals, citation repair, grounding, streaming) is checked here in seconds; the slow
tests keep the real model for what only it can show (what a 0.5B model actually answers).

The final ``Answer`` of each branch is snapshotted as JSON (``__snapshots__/``; scores rounded,
timings left out); ``pytest --snapshot-update`` rewrites them after an intended change.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage
from syrupy.extensions.json import JSONSnapshotExtension

from app.answering import QuestionError, Turn
from app.api import Chat
from app.application import Newsdesk
from app.embedding import build_embeddings
from app.text import marker_numbers
from app.types import Answer, FinalAnswer, TextDelta

from conftest import make_settings

HIT = "How many rockets hit the base?"
FOURTEEN = "Fourteen of the projectiles hit the target"


class NoModel(FakeListChatModel):
    """A chat model that fails the test if the pipeline asks it anything."""

    responses: list = []

    def _call(self, *args, **kwargs):
        raise AssertionError("the chat model was called, but this branch must not need it")


@pytest.fixture(scope="module")
def embeddings(seed_settings):
    return build_embeddings(seed_settings.embedding)


@pytest.fixture
def newsdesk(seed_settings, embeddings):
    """An application over the seed index whose chat model answers ``respond(...)``'s lines."""
    made = []

    def make(*responses: str, model=None) -> Newsdesk:
        app = Newsdesk(seed_settings, chat_model=model or FakeListChatModel(responses=list(responses)),
                       embeddings=embeddings)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def view(answer: Answer) -> dict:
    """The answer as JSON, minus what varies from run to run (timings) or machine to machine
    (the last digits of scores)."""
    def rounded(value):
        if isinstance(value, float):
            return round(value, 2)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return rounded(answer.model_dump(mode="json", exclude={"timings"}))


def check_citations(answer: Answer) -> None:
    """Markers in the text are exactly the citations, numbered 1..m, each span in its chunk."""
    assert sorted(set(marker_numbers(answer.text))) == [c.number for c in answer.citations]
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert citation.span.text in citation.chunk_text


# -- answers ------------------------------------------------------------------------------------
def test_a_streamed_answer_yields_text_deltas_then_one_final_checked_answer(newsdesk, snapshot_json):
    raw = f"{FOURTEEN} [1]."
    app = newsdesk(model=GenericFakeChatModel(messages=iter([AIMessage(content=raw)])))
    events = list(app.stream(HIT))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1, "the fake model streams word by word: the pipeline must pass pieces on"
    assert isinstance(events[-1], FinalAnswer) and not any(isinstance(e, FinalAnswer) for e in events[:-1])
    answer = events[-1].answer
    assert "".join(d.text for d in deltas) == raw == answer.raw_answer
    assert not answer.refused and answer.refusal_kind is None
    assert any(FOURTEEN in c.span.text for c in answer.citations)
    check_citations(answer)
    assert view(answer) == snapshot_json


def test_the_answer_keeps_the_passages_as_retrieved_with_rank_and_scores(newsdesk):
    answer = newsdesk(f"{FOURTEEN} [1].").ask(HIT)
    retrieved = answer.retrieved
    assert [p.number for p in retrieved] == list(range(1, len(retrieved) + 1))
    assert len(retrieved) == 5 and all(p.score > 0 and p.focus_text is None for p in retrieved)
    assert [p.score for p in retrieved] == sorted((p.score for p in retrieved), reverse=True)
    assert {p.chunk_id for p in answer.passages} == {p.chunk_id for p in retrieved}


def test_markers_pointing_at_no_passage_are_dropped_and_the_rest_renumbered(newsdesk, snapshot_json):
    # [9] points at no passage (5 were retrieved): the claim is matched to the passage holding it.
    # The other claim cites [5] and [1] for a fact only one of them holds ("a total of 24 rockets").
    answer = newsdesk(f"{FOURTEEN} [9]. Two dozen rockets were launched at the base [5][1].").ask(HIT)
    assert not answer.refused and answer.unsupported == []
    check_citations(answer)
    assert "[9]" not in answer.text and "[5]" not in answer.text
    sentences = answer.text.split(". ")
    assert [marker_numbers(s) for s in sentences] == [[1], [1]]
    assert "a total of 24 rockets" in answer.citations[0].chunk_text and FOURTEEN in answer.citations[0].chunk_text
    assert view(answer) == snapshot_json


def test_an_unsupported_claim_is_dropped_and_the_supported_one_kept(newsdesk, snapshot_json):
    answer = newsdesk(f"{FOURTEEN} [1]. The attack was ordered by officials in Paris [1].").ask(HIT)
    assert not answer.refused
    assert answer.unsupported == ["The attack was ordered by officials in Paris."]
    assert "Paris" not in answer.text and "Fourteen" in answer.text
    check_citations(answer)
    assert view(answer) == snapshot_json


# -- refusals -----------------------------------------------------------------------------------
def test_weak_evidence_is_refused_without_asking_the_model(newsdesk, snapshot_json):
    answer = newsdesk(model=NoModel()).ask("What is the capital of France?")
    assert answer.refused and answer.refusal_kind == "weak_evidence"
    assert answer.passages and answer.retrieved and answer.citations == [] and answer.raw_answer is None
    assert "don't say" in answer.text
    assert view(answer) == snapshot_json


def test_an_empty_index_is_refused_as_such(tmp_path, embeddings):
    settings = make_settings(tmp_path / "index", corpus_dir=tmp_path / "no-corpus")
    with Newsdesk(settings, chat_model=NoModel(), embeddings=embeddings) as app:
        answer = app.ask(HIT)
    assert answer.refused and answer.refusal_kind == "empty_index" and answer.passages == []
    assert answer.refusal_reason == "the index is empty"


def test_the_model_saying_it_does_not_know_is_a_refusal(newsdesk, snapshot_json):
    answer = newsdesk("I don't know. The passages do not say.").ask(HIT)
    assert answer.refused and answer.refusal_kind == "model_declined"
    assert answer.raw_answer == "I don't know. The passages do not say." and answer.citations == []
    assert view(answer) == snapshot_json


def test_an_answer_that_restates_the_question_is_refused(newsdesk, snapshot_json):
    answer = newsdesk("The rockets hit the base [1].").ask(HIT)
    assert answer.refused and answer.refusal_kind == "not_an_answer"
    assert "restates the question" in answer.refusal_reason
    assert view(answer) == snapshot_json


def test_an_answer_with_no_supported_claim_is_refused_with_the_reason(newsdesk, snapshot_json):
    answer = newsdesk("The attack was ordered by officials in Paris [1].").ask(HIT)
    assert answer.refused and answer.refusal_kind == "unsupported"
    assert "'paris'" in answer.refusal_reason and answer.citations == []
    assert view(answer) == snapshot_json


# -- follow-ups ---------------------------------------------------------------------------------
def test_a_follow_up_the_rules_resolve_needs_no_model_rewrite(newsdesk):
    history = [Turn("How many rockets were launched at the base?", "Two dozen rockets were launched [1].")]
    answer = newsdesk(f"{FOURTEEN} [1].").ask("And how many of them hit?", history)
    assert answer.standalone_question == "How many of the rockets hit?"
    assert not answer.refused and "Fourteen" in answer.text


def test_a_follow_up_is_rewritten_by_the_model_before_retrieval(newsdesk, snapshot_json):
    rewritten = "How many soldiers were injured in the rocket attack on the base?"
    app = newsdesk(rewritten, "Two soldiers were injured in the attack [1].")
    chat = Chat(newsdesk=app)
    chat.history.append(Turn("How many rockets were launched at the base?", "Two dozen rockets were launched [1]."))
    answer = chat.ask("What about the injured?")
    assert answer.standalone_question == rewritten
    assert not answer.refused and "Two soldiers" in answer.text
    assert chat.history[-1].standalone == rewritten
    assert view(answer) == snapshot_json


def test_an_unusable_model_rewrite_falls_back_to_the_earlier_question_as_context(newsdesk):
    earlier = "How many rockets were launched at the base?"
    app = newsdesk("Two soldiers were injured.", "Two soldiers were injured in the attack [1].")
    answer = app.ask("What about the injured?", [Turn(earlier, "Two dozen [1].")])
    assert answer.standalone_question == f"What about the injured? (This follows the earlier question: {earlier})"


# -- requests -----------------------------------------------------------------------------------
def test_per_request_options_reuse_the_one_pipeline_and_store(newsdesk):
    app = newsdesk(f"{FOURTEEN} [1].", f"{FOURTEEN} [1].")
    pipeline, store = app.pipeline, app.store
    answer = app.ask(HIT, top_k=2, temperature=0.7)
    assert len(answer.retrieved) == 2
    assert app.ask(HIT).retrieved[:2] == answer.retrieved
    assert (app.pipeline, app.store) == (pipeline, store)


def test_a_bad_question_fails_before_the_index_or_the_model_is_touched(tmp_path, embeddings):
    settings = make_settings(tmp_path / "index")
    app = Newsdesk(settings, chat_model=NoModel(), embeddings=embeddings)
    with pytest.raises(QuestionError, match="empty"):
        app.stream("   ")
    assert not (tmp_path / "index").exists()

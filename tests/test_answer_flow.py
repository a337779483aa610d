"""The whole answer flow, fast: LangChain's fake chat models stand in for the generator, over a
real Chroma index of the seed article with the real embedding model and spaCy. The generator's part
in the flow is a JSON pick (a sentence number and the copied answer span, app/answering/picking.py);
the fakes return such picks, and every branch of the flow (rewrites, refusals, a pick that verifies,
one the checks refuse or correct, no model call, why/how, streaming) is checked here in seconds. The
slow tests keep the real model for what only it can show (what the packaged model actually picks).

The final ``Answer`` of each branch is snapshotted as JSON (``__snapshots__/``; scores rounded,
timings left out); ``pytest --snapshot-update`` rewrites them after an intended change.
"""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage
from syrupy.extensions.json import JSONSnapshotExtension

from app.answering import QuestionError, Turn
from app.answering.rewriting import asked_part
from app.answering.question_frame import analyse_question
from app.answering.sentences import _shortest, rank_sentences
from app.api import Chat
from app.application import Newsdesk
from app.embedding import build_embeddings
from app.nlp import load_spacy
from app.text import marker_numbers
from app.types import Answer, FinalAnswer, TextDelta

from conftest import REPO, make_settings
from fake_readers import Reader

HIT = "How many rockets hit the base?"
FOURTEEN = "Fourteen of the projectiles hit the target"
HIDDEN = "What was the missile hidden in?"
FLOUR = "This time the missile was hidden in a flour bag."
TIME_ARTICLES = REPO / "tests" / "data" / "time-articles.jsonl"


class NoModel(FakeListChatModel):
    """A chat model that fails the test if the pipeline asks it anything."""

    responses: list = []

    def _call(self, *args, **kwargs):
        raise AssertionError("the chat model was called, but this branch must not need it")


class Recording(FakeListChatModel):
    """A fake that also keeps the keyword arguments of each call (the JSON schema of a pick)."""

    calls: list = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls.append(kwargs)
        return super()._call(messages, stop, run_manager, **kwargs)


def pick(sentence: int, answer: str = "") -> str:
    return json.dumps({"sentence": sentence, "answer": answer})


@pytest.fixture(scope="module")
def embeddings(seed_settings):
    return build_embeddings(seed_settings.embedding, seed_settings.embedding.reading_backend)


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


@pytest.fixture
def newsdesk(seed_settings, embeddings, nlp):
    """An application over the seed index whose chat model answers ``responses`` in turn."""
    made = []

    def make(*responses: str, model=None) -> Newsdesk:
        app = Newsdesk(seed_settings, chat_model=model or FakeListChatModel(responses=list(responses)),
                       embeddings=embeddings, nlp=nlp)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def number_of(seed_settings, embeddings, nlp):
    """The number the generator is shown for the sentence holding ``fragment`` (from the real
    retrieval and ranking), so that a fake pick points where the test means it to."""
    def find(question: str, fragment: str) -> int:
        with Newsdesk(seed_settings, chat_model=NoModel(), embeddings=embeddings, nlp=nlp) as app:
            retrieved = app.pipeline.retriever().retrieve(question)
            ranked = rank_sentences(question, retrieved, embeddings)[:seed_settings.retrieval.answer_sentences]
        return next(n for n, ref in enumerate(ranked, start=1) if fragment in ref.text)
    return find


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


# -- the generator's confidence in the calibrated decision -----------------------------------------
def _choice_with_logprobs(choice: int, probability: float) -> AIMessage:
    """A constrained choice as llama.cpp's recorder (app/llm.py) reports it: each token with its
    log-probability and the alternatives at that step."""
    import math

    other = 1 - choice
    tokens = [{"token": '{"choice": ', "logprob": 0.0, "top_logprobs": []},
              {"token": str(choice), "logprob": math.log(probability),
               "top_logprobs": [{"token": str(choice), "logprob": math.log(probability)},
                                {"token": str(other), "logprob": math.log(1 - probability)}]},
              {"token": "}", "logprob": 0.0, "top_logprobs": []}]
    return AIMessage(content=json.dumps({"choice": choice}), response_metadata={"logprobs": {"content": tokens}})


@pytest.mark.parametrize("choice, probability, answered", [(1, 0.95, True), (0, 0.9, False)])
def test_the_generator_confirms_or_withdraws_the_checks_own_answer_where_the_decision_is_open(
        seed_settings, embeddings, nlp, tmp_path, choice, probability, answered):
    from app.answering.evidence import FEATURES

    # A decision that only the generator's confidence settles: p from 0.12 to 0.88 around 0.5.
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("model_confidence")] = 4.0
    scorer = tmp_path / "scorer.json"
    scorer.write_text(json.dumps({"features": list(FEATURES), "weights": weights, "bias": -2.0, "threshold": 0.5,
                                  "confirms": "undecided"}))
    model = GenericFakeChatModel(messages=iter([_choice_with_logprobs(choice, probability)]))
    with Newsdesk(seed_settings.with_overrides(answer_scorer=str(scorer)), chat_model=model, embeddings=embeddings,
                  nlp=nlp) as app:
        answer = app.ask(HIT)
    assert answer.evidence["model_asked"] == 1.0
    assert answer.evidence["model_confidence"] == pytest.approx(probability if choice else 1 - probability, abs=1e-3)
    assert answer.refused is not answered
    if answered:
        assert answer.text.startswith(FOURTEEN) and answer.confidence > 0.5
    else:
        assert "too weak" in answer.refusal_reason and answer.candidate and FOURTEEN not in answer.text


# -- answers ------------------------------------------------------------------------------------
def test_a_clear_answer_in_the_best_sentence_needs_no_model_call(newsdesk, snapshot_json):
    answer = newsdesk(model=NoModel()).ask(HIT)
    assert not answer.refused and answer.text.startswith(FOURTEEN) and answer.raw_answer is None
    assert [c.origin for c in answer.citations] == ["matched"]
    check_citations(answer)
    assert view(answer) == snapshot_json


def test_a_pick_that_verifies_is_the_answer_with_its_sentence_cited(newsdesk, number_of, snapshot_json):
    raw = pick(number_of(HIDDEN, "flour bag"), "a flour bag")
    model = Recording(responses=[raw], calls=[])
    answer = newsdesk(model=model).ask(HIDDEN)
    assert not answer.refused and answer.raw_answer == raw
    assert answer.text.startswith("A flour bag. ") and FLOUR in answer.citations[0].span.text
    assert [c.origin for c in answer.citations] == ["model"]
    # The pick is constrained: the schema reaches the model with the call.
    schema = model.calls[0]["response_format"]["schema"]
    assert schema["properties"]["sentence"]["enum"] == list(range(0, 7))
    check_citations(answer)
    assert view(answer) == snapshot_json


def test_a_span_copied_from_the_neighbouring_sentence_is_found_in_that_sentence(newsdesk, number_of):
    right = number_of(HIDDEN, "flour bag")
    answer = newsdesk(pick(right % 6 + 1, "a flour bag")).ask(HIDDEN)
    assert not answer.refused and FLOUR in answer.citations[0].span.text


def test_a_count_of_the_wrong_thing_is_never_given_and_a_count_of_the_asked_noun_needs_no_model(newsdesk):
    # "Fourteen" counts the projectiles, not the personnel injured: the checks never offer it.
    answer = newsdesk(model=NoModel()).ask("How many personnel were injured when the projectiles hit the target?")
    assert answer.text.startswith("Two. ") and FOURTEEN in answer.citations[0].span.text
    assert [c.origin for c in answer.citations] == ["matched"]


def test_a_why_question_is_answered_with_the_explaining_sentence_the_model_picks(newsdesk, snapshot_json):
    question = "Why did the Iraqi militia vow to retaliate?"
    answer = newsdesk(json.dumps({"sentences": [1]})).ask(question)
    assert not answer.refused and "after the US airstrike" in answer.text
    assert [c.origin for c in answer.citations] == ["model"]
    check_citations(answer)
    assert view(answer) == snapshot_json


def test_a_streamed_answer_is_one_text_delta_of_the_checked_text_then_the_final_answer(newsdesk):
    app = newsdesk(model=GenericFakeChatModel(messages=iter([AIMessage(content=pick(1, "a flour bag"))])))
    events = list(app.stream(HIDDEN))
    assert [type(e) for e in events] == [TextDelta, FinalAnswer]
    answer = events[-1].answer
    assert events[0].text == answer.text and not answer.refused


def test_the_answer_keeps_the_passages_as_retrieved_with_rank_and_scores(newsdesk):
    answer = newsdesk(model=NoModel()).ask(HIT)
    retrieved = answer.retrieved
    assert [p.number for p in retrieved] == list(range(1, len(retrieved) + 1))
    assert len(retrieved) == 5 and all(p.score > 0 and p.focus_text is None for p in retrieved)
    assert [p.score for p in retrieved] == sorted((p.score for p in retrieved), reverse=True)
    assert {p.chunk_id for p in answer.passages} == {p.chunk_id for p in retrieved}


# -- refusals -----------------------------------------------------------------------------------
def test_weak_evidence_is_refused_without_asking_the_model(newsdesk, snapshot_json):
    answer = newsdesk(model=NoModel()).ask("What is the capital of France?")
    assert answer.refused and answer.refusal_kind == "weak_evidence"
    assert answer.passages and answer.retrieved and answer.citations == [] and answer.raw_answer is None
    assert "don't say" in answer.text
    assert view(answer) == snapshot_json


def test_an_empty_index_is_refused_as_such(tmp_path, embeddings, nlp):
    settings = make_settings(tmp_path / "index", corpus_dir=tmp_path / "no-corpus")
    with Newsdesk(settings, chat_model=NoModel(), embeddings=embeddings, nlp=nlp) as app:
        answer = app.ask(HIT)
    assert answer.refused and answer.refusal_kind == "empty_index" and answer.passages == []
    assert answer.refusal_reason == "the index is empty"


def test_the_model_picking_no_sentence_is_a_refusal_that_lists_the_closest_passages(newsdesk, snapshot_json):
    answer = newsdesk(pick(0)).ask(HIDDEN)
    assert answer.refused and answer.refusal_kind == "not_stated" and answer.raw_answer == pick(0)
    assert "the model found no sentence that states the answer" in answer.refusal_reason
    assert answer.citations == [] and answer.passages and "flour bag" in answer.passages[0].text
    assert view(answer) == snapshot_json


def test_a_pick_whose_sentence_does_not_state_the_asked_relation_is_refused(newsdesk, number_of, snapshot_json):
    question = "Who interviewed the civilian injured by shrapnel?"
    raw = pick(number_of(question, "Mishan told Al Jazeera"), "Mishan")
    answer = newsdesk(raw).ask(question)
    assert answer.refused and answer.refusal_kind == "not_stated"
    assert "interview" in answer.refusal_reason and "does not say" in answer.refusal_reason
    assert view(answer) == snapshot_json


def test_he_in_the_stating_sentence_is_answered_with_the_person_named_before_it(newsdesk, number_of):
    question = "Who questioned why civilians are involved in the fighting?"
    raw = pick(number_of(question, "Mishan told Al Jazeera"), "Mishan")  # the model's wrong pick is not needed
    answer = newsdesk(raw).ask(question)
    assert answer.text.startswith("Hamza Mishaan")
    assert [c.span.text for c in answer.citations] == [
        "He questioned why civilians are now involved in the fighting.",
        "Hamza Mishaan was one of the civilians injured in the explosion."]
    check_citations(answer)


def test_a_whole_sentence_copied_as_the_answer_yields_the_one_answer_inside_it(newsdesk, number_of, nlp):
    question = "Which expert said the attacks by Iran-allied groups are a way to strengthen support?"
    sentence = ("Hamdi Malik, an Iraqi researcher at the Washington Institute, said the recent attacks by groups "
                "allied with Iran in Iraq and eastern Syria are a way to strengthen support.")
    answer = newsdesk(pick(number_of(question, "Hamdi Malik"), sentence)).ask(question)
    assert not answer.refused and answer.text.startswith("Hamdi Malik")  # the sentence opens with the answer
    check_citations(answer)
    # Whoever settles it, the model's copy of the sentence is cut to the one answer inside it.
    frame = analyse_question(nlp(question))
    assert _shortest(frame, nlp(sentence)[:], sentence) == "Hamdi Malik"


def test_he_at_the_start_of_a_chunk_is_the_speaker_the_chunk_before_names(newsdesk):
    # "He said they were also cautious …" opens chunk 8 of the seed article; "… ,” Malik said." ends
    # chunk 7: the article's chunks are read to find who "he" is, and each sentence is cited.
    question = ("Who said the pro-Iranian groups were also cautious about losing respect for other components of "
                "the axis of resistance?")
    answer = newsdesk(model=NoModel()).ask(question)
    assert answer.text.startswith("Malik.")
    assert [c.chunk_id for c in answer.citations] == ["ain-al-asad-rocket-attack#8", "ain-al-asad-rocket-attack#7"]
    assert answer.citations[1].span.text.endswith("Malik said.")
    check_citations(answer)


def test_a_picked_name_that_is_not_in_the_sentence_is_refused(newsdesk, number_of):
    question = "Who drove the car through the checkpoint?"
    answer = newsdesk(pick(number_of(question, "This car has all the necessary"), "Hamad Naims")).ask(question)
    # The name is in another shown sentence, which does not say he drove: that is the reason given.
    assert answer.refused and "drive" in answer.refusal_reason and not answer.candidate


# -- follow-ups ---------------------------------------------------------------------------------
def test_a_follow_up_the_rules_resolve_needs_no_model_rewrite(newsdesk):
    history = [Turn("How many rockets were launched at the base?", "Two dozen rockets were launched [1].")]
    answer = newsdesk(model=NoModel()).ask("And how many of them hit?", history)
    assert asked_part(answer.standalone_question) == "How many of the rockets hit?"
    assert not answer.refused and "Fourteen" in answer.text


def test_a_follow_up_about_the_previous_answer_is_made_standalone_from_it(newsdesk):
    history = [Turn(HIDDEN, f"A flour bag. {FLOUR} [1].")]
    answer = newsdesk(pick(0)).ask("Who said that?", history)
    assert answer.standalone_question == "Who said that this time the missile was hidden in a flour bag?"


def test_a_follow_up_is_rewritten_by_the_model_before_retrieval(newsdesk, snapshot_json):
    rewritten = "How many soldiers were injured in the rocket attack on the base?"
    app = newsdesk(model=Reader(responses=[rewritten], picks={"injured two soldiers": "two"}, asked=[]))
    chat = Chat(newsdesk=app)
    chat.history.append(Turn("How many rockets were launched at the base?", "Two dozen rockets were launched [1]."))
    answer = chat.ask("What about the injured?")
    assert answer.standalone_question == rewritten
    assert not answer.refused and answer.text.lower().startswith("two")
    assert chat.history[-1].standalone == rewritten
    assert view(answer) == snapshot_json


def test_an_unusable_model_rewrite_falls_back_to_the_earlier_question_as_context(newsdesk):
    earlier = "How many rockets were launched at the base?"
    app = newsdesk("Two soldiers were injured.", pick(0))
    answer = app.ask("What about the injured?", [Turn(earlier, "Two dozen [1].")])
    assert answer.standalone_question == f"What about the injured? (This follows the earlier question: {earlier})"


# -- time and disagreement (issue 13), over dated Wikinews articles and altered later copies ------
@pytest.fixture(scope="module")
def time_settings(tmp_path_factory):
    from app.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("time") / "index")
    ingest([TIME_ARTICLES], settings)
    return settings


@pytest.fixture
def time_newsdesk(time_settings, embeddings, nlp):
    made = []

    def make(model) -> Newsdesk:
        made.append(Newsdesk(time_settings, chat_model=model, embeddings=embeddings, nlp=nlp))
        return made[-1]

    yield make
    for app in made:
        app.close()


def test_another_outlets_copy_with_another_count_is_shown_as_a_conflict_citing_both(time_newsdesk):
    # The Dhaka copy is the same story (a wire copy, retrieved once), with eleven dead instead of nine.
    answer = time_newsdesk(NoModel()).ask("How many people did the fire in Chittagong kill?")
    assert answer.text.startswith("Nine.")
    (note,) = answer.conflicts
    assert [(r.value, r.source, r.date) for r in note.reports] == [
        ("nine", "Wikinews (en)", "2019-02-18"), ("eleven", "Dhaka Test Wire", "2019-02-20")]
    assert note.text in answer.text and [c.article_id for c in answer.citations] == ["wikinews-0088", "altered-0088"]
    check_citations(answer)


def test_as_of_a_date_only_reports_up_to_it_count_and_the_answer_states_its_date(time_newsdesk):
    answer = time_newsdesk(NoModel()).ask(
        "As of 18 February 2019, how many people had the fire in the Chittagong slum killed?")
    assert answer.text.startswith("As of 18 February 2019, Nine.") and answer.as_of == "2019-02-18"
    assert not answer.conflicts  # the copy of 20 February is later than asked
    assert all(p.date <= "2019-02-18" for p in answer.retrieved)


def test_a_latest_question_answers_from_the_newer_copy_with_its_date(time_newsdesk):
    model = Reader(picks={"killed eleven": "eleven"})
    answer = time_newsdesk(model).ask("How many people did the fire in the Chittagong slum kill, by the latest report?")
    assert answer.text.startswith("As of 20 February 2019, Eleven.") and answer.as_of == "2019-02-20"
    assert answer.citations[0].article_id == "altered-0088"
    check_citations(answer)


def test_of_several_verified_answers_the_model_chooses_one_from_an_enum_of_them(time_newsdesk):
    model = Reader(picks={"killed eleven": "eleven"}, asked=[], calls=[])
    answer = time_newsdesk(model).ask("How many people did the fire in the Chittagong slum kill, by the latest report?")
    assert answer.text.startswith("As of 20 February 2019, Eleven.") and answer.citations[0].origin == "model"
    (call,) = model.calls  # one call: the choice, not a copied span
    assert call["response_format"]["schema"]["properties"]["choice"]["enum"] == [0, 1, 2]
    assert json.loads(answer.raw_answer)["choice"] in (1, 2)


def test_none_of_the_verified_answers_chosen_is_a_refusal(time_newsdesk):
    answer = time_newsdesk(Reader(picks={}, asked=[])).ask(
        "How many people did the fire in the Chittagong slum kill, by the latest report?")
    assert answer.refused and "none was chosen" in answer.refusal_reason


def test_a_relative_date_of_the_cited_sentence_is_resolved_in_the_answer_and_its_citation(time_newsdesk):
    answer = time_newsdesk(NoModel()).ask("Who was stabbed in Indonesia?")
    assert "Yesterday (10 October 2019)" in answer.text
    assert answer.citations[0].date_notes == ["Yesterday = 10 October 2019"]


def test_what_happened_with_x_is_a_dated_timeline_across_articles_each_line_cited(time_newsdesk):
    answer = time_newsdesk(NoModel()).ask("What happened with the Trump impeachment?")
    days = [e.date for e in answer.timeline]
    assert len(days) >= 3 and days == sorted(days)
    assert len({c.article_id for c in answer.citations}) >= 2
    lines = answer.text.splitlines()
    assert len(lines) == len(answer.timeline) and all(re.search(r"\[\d+\]\.$", line) for line in lines)
    # Sentences that date themselves (a stated or relative day) are events; which ones depends on
    # the chunks retrieved, and resolving them is tests/test_timeline_and_recency.py's.
    assert any(e.date_basis in ("stated", "relative") for e in answer.timeline)
    check_citations(answer)


# -- requests -----------------------------------------------------------------------------------
def test_per_request_options_reuse_the_one_pipeline_store_and_spacy(newsdesk):
    app = newsdesk(model=NoModel())
    pipeline, store, nlp = app.pipeline, app.store, app.pipeline.nlp
    answer = app.ask(HIT, top_k=2, temperature=0.7)
    assert len(answer.retrieved) == 2
    assert app.ask(HIT).retrieved[:2] == answer.retrieved
    assert (app.pipeline, app.store, app.pipeline.nlp) == (pipeline, store, nlp)


def test_an_application_for_another_index_shares_the_loaded_spacy(newsdesk, tmp_path):
    app = newsdesk(model=NoModel())
    with app.for_index(make_settings(tmp_path / "other")) as other:
        assert other.pipeline.nlp is app.pipeline.nlp


def test_a_bad_question_fails_before_the_index_or_the_model_is_touched(tmp_path, embeddings):
    settings = make_settings(tmp_path / "index")
    app = Newsdesk(settings, chat_model=NoModel(), embeddings=embeddings)
    with pytest.raises(QuestionError, match="empty"):
        app.stream("   ")
    assert not (tmp_path / "index").exists()


def test_a_choice_out_of_range_or_malformed_reads_as_none():
    from app.answering.picking import parse_choice, parse_pick

    assert parse_choice('{"choice": 2}', 3) == 2
    assert parse_choice('Here: {"choice": 3}', 3) == 3  # wrapped in other text
    assert [parse_choice(raw, 3) for raw in ('{"choice": 4}', '{"choice": "1"}', "[1]", "", None)] == [0] * 5
    assert parse_pick('{"sentence": 7, "answer": "x"}', 6).sentences == ()

"""Multi-article questions through the whole flow, fast: a real Chroma index of a few Wikinews
articles (a stampede and a collapse in Mecca, two air crashes, a crash and its driver's court
appearance), the real embedder and spaCy, and LangChain fake chat models for the generator's picks."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.application import Newsdesk
from app.embedding import build_embeddings
from app.ingest import ingest
from app.nlp import load_spacy
from app.text import marker_numbers

from conftest import WIKINEWS, make_settings
from fake_readers import Reader

pytestmark = pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")

HAJJ = "the January 2006 Hajj stampede at the Jamarat Bridge"
CRANE = "the September 2015 crane collapse at Mecca's Grand Mosque"
LION_AIR = "Lion Air Flight 610 that crashed into the Java Sea"
CALICUT = "Air India Express flight 1344 that crashed at Calicut"
DRIVER = "the truck driver involved in the crash that killed seven members of the Marine JarHeads motorcycle club"
# The Hajj stampede, the crane collapse, the Lion Air and the Calicut crashes, the New Hampshire
# crash (the driver named) and his plea (his age, the club not mentioned), and three neighbours.
ARTICLES = ("wikinews-0001", "wikinews-0048", "wikinews-0067", "wikinews-0305", "wikinews-0119", "wikinews-0120",
            "wikinews-0002", "wikinews-0304", "wikinews-0121")


class NoModel(FakeListChatModel):
    """A chat model that fails the test if the pipeline asks it anything."""

    responses: list = []

    def _call(self, *args, **kwargs):
        raise AssertionError("the chat model was called, but this branch must not need it")


@pytest.fixture(scope="module")
def wikinews_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wikinews")
    chosen = [line for line in WIKINEWS.read_text(encoding="utf-8").splitlines()
              if json.loads(line)["id"] in ARTICLES]
    (folder / "articles.jsonl").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    settings = make_settings(folder / "index")
    assert sorted(ingest([folder / "articles.jsonl"], settings).added) == sorted(ARTICLES)
    return settings


@pytest.fixture(scope="module")
def models(wikinews_settings):
    return build_embeddings(wikinews_settings.embedding, wikinews_settings.embedding.reading_backend), load_spacy()


@pytest.fixture
def ask(wikinews_settings, models):
    def run(question: str, model):
        embeddings, nlp = models
        with Newsdesk(wikinews_settings, chat_model=model, embeddings=embeddings, nlp=nlp) as app:
            return app.ask(question)
    return run


def check_citations(answer) -> None:
    """Markers in the text are exactly the citations, numbered 1..m, each span in its chunk."""
    assert sorted(set(marker_numbers(answer.text))) == [c.number for c in answer.citations]
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert citation.span.text in citation.chunk_text


def test_each_side_of_a_comparison_is_cited_to_its_own_article(ask):
    answer = ask(f"Which killed more people, {HAJJ} or {CRANE}?", NoModel())
    assert not answer.refused
    assert answer.text.startswith(f"The January 2006 Hajj stampede at the Jamarat Bridge: over 345 [1], "
                                  f"against 107 for {CRANE} [2].")
    assert [c.article_id for c in answer.citations] == ["wikinews-0001", "wikinews-0048"]
    assert "345 Muslim pilgrims have been killed" in answer.citations[0].span.text
    assert "killing 107 or more" in answer.citations[1].span.text
    check_citations(answer)
    assert [p.chunk_id for p in answer.passages[:2]] == [c.chunk_id for c in answer.citations]


def test_fewer_names_the_side_with_the_smaller_value_first(ask):
    answer = ask(f"Which killed fewer people, {HAJJ} or {CRANE}?", NoModel())
    assert answer.text.startswith(f"The September 2015 crane collapse at Mecca's Grand Mosque: 107 [1], "
                                  f"against over 345 for {HAJJ} [2].")
    assert [c.article_id for c in answer.citations] == ["wikinews-0048", "wikinews-0001"]


def test_the_generator_picks_a_side_that_the_checks_alone_do_not_settle(ask):
    reader = Reader(picks={"All 189 on the aircraft": "189", "190 people on board": "190"}, asked=[])
    answer = ask(f"Which flight had more people on board, {LION_AIR} or {CALICUT}?", reader)
    assert not answer.refused
    assert answer.text.startswith(f"{CALICUT}: 190 [1], against 189 for {LION_AIR} [2].")
    assert [c.article_id for c in answer.citations] == ["wikinews-0305", "wikinews-0067"]
    assert f"How many people did {LION_AIR} have on board?" in reader.asked  # one sub-question per side
    check_citations(answer)


def test_a_comparison_with_one_side_unstated_is_refused_naming_that_side(ask):
    # No article of the index is about Ethiopian Airlines: the Lion Air toll must not stand in for it.
    reader = Reader(picks={"All 189 on the aircraft": "189", "190 people on board": "190"}, asked=[])
    answer = ask(f"Which flight had more people on board, {CALICUT} or Ethiopian Airlines Flight 302?", reader)
    assert answer.refused and answer.refusal_kind == "not_stated" and answer.citations == []
    assert "not found for Ethiopian Airlines Flight 302" in answer.refusal_reason
    assert CALICUT not in answer.refusal_reason  # the side that was found is not blamed
    assert answer.passages  # the closest passages are still listed


def test_a_comparison_no_stated_fact_measures_is_refused_without_a_model_call(ask):
    answer = ask(f"Which was the more tragic event, {HAJJ} or {CRANE}?", NoModel())
    assert answer.refused and "no single stated fact measures it" in answer.refusal_reason
    assert answer.passages  # the closest passages are still listed


# -- bridges ------------------------------------------------------------------------------------
def test_a_described_person_is_named_from_one_article_and_the_fact_taken_from_another(ask):
    answer = ask(f"How old is {DRIVER}?", NoModel())
    assert not answer.refused and answer.text.startswith("23 (Volodoymyr Zhukovskyy).")
    assert [c.article_id for c in answer.citations] == ["wikinews-0119", "wikinews-0120"]
    assert "identified as commercial driver Volodoymyr Zhukovskyy" in answer.citations[0].span.text
    assert "Volodoymyr Zhukovskyy, 23, pleaded not guilty" in answer.citations[1].span.text
    assert answer.standalone_question == "How old is Volodoymyr Zhukovskyy?"
    check_citations(answer)


def test_a_bridge_whose_fact_is_not_stated_is_left_to_the_single_answer_flow_which_refuses(ask):
    reader = Reader(picks={}, asked=[])
    answer = ask(f"How many children does {DRIVER} have?", reader)
    assert answer.refused and answer.citations == []
    # The name was found and asked about, then the question itself went through the usual flow.
    assert "How many children does Volodoymyr Zhukovskyy have?" in reader.asked
    assert reader.asked[-1] == f"How many children does {DRIVER} have?"


def test_the_retrieved_passages_alternate_between_the_sides_so_the_top_ones_hold_both(ask):
    answer = ask(f"Which killed more people, {HAJJ} or {CRANE}?", NoModel())
    assert {p.article_id for p in answer.retrieved[:2]} == {"wikinews-0001", "wikinews-0048"}
    assert len({p.chunk_id for p in answer.retrieved}) == len(answer.retrieved)

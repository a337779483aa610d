"""Queries as readers type them (issue 24): keywords, requests, yes/no questions, lead-ins, statements
to complete, capitals and typos. Each form is read by its parse (app/answering/query_form.py) and
answered or refused like any question, never with an exception. The sentences here are written for
the principle they state; none comes from a question set.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.answering.dated_answers import filters_for
from app.answering.query_form import read_query
from app.answering.sentences import SentenceRef
from app.answering.yes_no import settle
from app.application import Newsdesk
from app.dates import question_time
from app.embedding import build_embeddings
from app.lexicon import Lexicon
from app.nlp import load_spacy
from app.types import Passage
from app.vocabulary import CorpusWords, normalise_query


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


@pytest.fixture(scope="module")
def embeddings(seed_settings):
    return build_embeddings(seed_settings.embedding, seed_settings.embedding.reading_backend)


@pytest.fixture(scope="module")
def lexicon(seed_settings):
    return Lexicon(seed_settings.wordnet_dir)


class NoModel(FakeListChatModel):
    """Fails the test if the flow asks the generator anything."""

    responses: list = []

    def _call(self, *args, **kwargs):
        raise AssertionError("the chat model was called, but this form must not need it")


@pytest.fixture
def app(seed_settings, embeddings, nlp, lexicon):
    made = []

    def make(*responses: str) -> Newsdesk:
        model = FakeListChatModel(responses=list(responses)) if responses else NoModel()
        made.append(Newsdesk(seed_settings, chat_model=model, embeddings=embeddings, nlp=nlp, lexicon=lexicon))
        return made[-1]

    yield make
    for one in made:
        one.close()


# -- reading the form -----------------------------------------------------------------------------
@pytest.mark.parametrize("query, form", [
    ("Flood warnings in Wales", "summary"),  # keywords
    ("tell me about the flood warnings", "summary"),  # a request
    ("Summarize the report on the flood", "summary"),
    ("Can you give me an overview of the flood?", "summary"),
    ("What do the articles say about the flood?", "summary"),
    ("Did the river burst its banks?", "yes_no"),
    ("Were there any evacuations?", "yes_no"),
    ("Which town flooded first?", "question"),
    ("Can you tell me which town flooded first?", "question"),
])
def test_each_form_is_read_from_the_parse(nlp, query, form):
    assert read_query(query, nlp).form == form


def test_a_lead_in_finds_the_story_and_the_last_question_is_asked(nlp):
    read = read_query("I saw something about a flood in Wales. How many homes were evacuated?", nlp)
    assert (read.form, read.question) == ("question", "How many homes were evacuated?")
    assert "flood in Wales" in read.search and "How many homes" in read.search


@pytest.mark.parametrize("query, question", [
    ("The number of homes that were evacuated:", "What is the number of homes that were evacuated?"),
    ("Number of homes evacuated?", "What is the number of homes evacuated?"),
    ("Wales flood 2020 location?", "What is the location of Wales flood 2020?"),
])
def test_a_statement_to_complete_or_a_few_words_become_a_what_question(nlp, query, question):
    read = read_query(query, nlp)
    assert (read.form, read.question) == ("question", question)


def test_a_request_about_the_article_itself_names_no_topic(nlp):
    assert read_query("summarize the article", nlp).topic is None
    assert read_query("summarize the article about the flood", nlp).topic == "the flood"


# -- case and spelling ----------------------------------------------------------------------------
WORDS = CorpusWords.from_texts([
    "Rescuers reached the village of Llanfair after the river burst. The Llanfair council met twice.",
    "Officials said the government sent boats to Llanfair, and the US embassy offered help.",
    "The government said 40 homes were evacuated.",
])


def test_a_shouted_query_is_put_in_the_corpus_case(lexicon):
    assert normalise_query("HOW MANY HOMES DID THE GOVERNMENT EVACUATE IN LLANFAIR?", WORDS, lexicon.knows) \
        == "How many homes did the government evacuate in Llanfair?"


def test_a_name_typed_in_lower_case_gets_the_corpus_capitals():
    assert normalise_query("boats sent to llanfair", WORDS) == "boats sent to Llanfair"


def test_a_word_neither_the_corpus_nor_the_lexicon_knows_is_corrected_to_the_nearest_corpus_word(lexicon):
    assert normalise_query("what did the goverment send", WORDS, lexicon.knows) == "what did the government send"


def test_an_english_word_the_corpus_lacks_is_left_as_typed(lexicon):
    assert lexicon.available
    assert normalise_query("which boats were sunk", WORDS, lexicon.knows) == "which boats were sunk"


def test_the_lexicon_answers_threads_reading_at_once_as_it_answers_one(seed_settings):
    """The web UI and the APIs answer sessions in parallel threads, and nltk's reader shares its file
    handles: unguarded, concurrent lookups read each other's lines and raise."""
    words = sorted(Lexicon(seed_settings.wordnet_dir).reader.all_lemma_names("n"))[::40][:2000]
    alone = Lexicon(seed_settings.wordnet_dir)
    expected = {word: alone.synonyms(word, "NOUN") for word in words}
    shared = Lexicon(seed_settings.wordnet_dir)  # a fresh one: nothing cached yet
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = dict(zip(words, pool.map(lambda word: shared.synonyms(word, "NOUN"), words)))
    assert got == expected


def test_a_lexicon_read_from_its_cached_parse_knows_what_a_fresh_parse_knows(seed_settings, tmp_path):
    """The parse of WordNet's index files is cached so a CLI question does not wait for it."""
    fresh = Lexicon(seed_settings.wordnet_dir)
    first, second = Lexicon(seed_settings.wordnet_dir, tmp_path), Lexicon(seed_settings.wordnet_dir, tmp_path)
    assert first.available and list((tmp_path / "wordnet").glob("parse-*.pickle"))  # the first one saved it
    assert second.available and second.reader._cached is not None  # the second one read it back
    words = sorted(fresh.reader.all_lemma_names("v"))[::50][:300] + ["rokets", "rockets", "better", "geese"]
    assert [second.knows(w) for w in words] == [fresh.knows(w) for w in words]
    assert [second.synonyms(w, "VERB") for w in words] == [fresh.synonyms(w, "VERB") for w in words]
    assert second.reader.morphy("geese", "n") == "goose"  # the exceptions came back too


# -- yes or no ------------------------------------------------------------------------------------
def _ranked(*sentences: str) -> list[SentenceRef]:
    text = " ".join(sentences)
    passage = Passage(chunk_id="c1", article_id="a1", title="Flood in Llanfair", text=text, start=0, end=len(text),
                      date="2020-02-16")
    refs, at = [], 0
    for sentence in sentences:
        refs.append(SentenceRef(passage, at, at + len(sentence), similarity=0.6))
        at += len(sentence) + 1
    return refs


def _no_similarity(a: str, b: str) -> float:
    return 0.0


def test_a_sentence_stating_the_asked_relation_answers_yes(nlp, lexicon):
    ranked = _ranked("The council met on Monday.", "Forty homes were evacuated after the river burst its banks.")
    settled = settle("Were any homes evacuated?", ranked, nlp, _no_similarity, lexicon)
    assert settled is not None and settled.verdict == "Yes" and "Forty homes" in settled.ref.text


def test_a_sentence_denying_the_asked_relation_answers_no(nlp, lexicon):
    ranked = _ranked("No injuries were reported in the village.", "The council met on Monday.")
    settled = settle("Were there any injuries in the village?", ranked, nlp, _no_similarity, lexicon)
    assert settled is not None and settled.verdict == "No"


def test_another_number_for_the_asked_relation_answers_no(nlp, lexicon):
    ranked = _ranked("Forty homes were evacuated after the river burst its banks.")
    settled = settle("Were 200 homes evacuated?", ranked, nlp, _no_similarity, lexicon)
    assert settled is not None and settled.verdict == "No"


def test_nothing_that_states_the_relation_settles_nothing(nlp, lexicon):
    ranked = _ranked("The council met on Monday.", "The river is the longest in Wales.")
    assert settle("Did the army send helicopters?", ranked, nlp, _no_similarity, lexicon) is None


# -- through the whole flow (real retrieval, spaCy and embedder; no generator needed) ---------------
@pytest.mark.parametrize("query", ["Ain al-Asad rocket attack", "tell me about the attack on the base",
                                   "summarize the article"])
def test_keywords_and_requests_get_an_extractive_summary_of_cited_sentences(app, query):
    answer = app().ask(query)
    assert not answer.refused and answer.citations
    for citation in answer.citations:
        assert citation.span.text in citation.chunk_text
        assert citation.span.text.rstrip(".") in answer.text or citation.span.text[:40] in answer.text


def test_a_yes_no_question_the_article_settles_is_answered_with_its_sentence(app):
    # The generator reads the same sentences and agrees (constrained output: a sentence and a verdict).
    answer = app('{"sentence": 1, "answer": "yes"}').ask("Were there any injuries at the base?")
    assert answer.text.startswith("Yes") and answer.citations
    assert "injur" in answer.citations[0].span.text


@pytest.mark.parametrize("reply", ['{"sentence": 0, "answer": "not stated"}', '{"sentence": 2, "answer": "no"}'])
def test_a_yes_no_verdict_the_generator_does_not_read_too_is_refused(app, reply):
    answer = app(reply).ask("Were there any injuries at the base?")
    assert answer.refused and not answer.citations
    assert "do not settle it" in answer.refusal_reason


def test_without_a_generator_the_parse_settles_a_yes_no_question_alone():
    from app.answering.ranked_sentences import Prompts
    from app.answering.yes_no import generator_verdict

    ranked = _ranked("Forty homes were evacuated after the river burst its banks.")
    assert generator_verdict("Were any homes evacuated?", ranked, None, Prompts(*[""] * 6)) is None
    # A reply that names no shown sentence is read as "nothing settles it".
    assert generator_verdict("Were any homes evacuated?", ranked, lambda *a: '{"sentence": 4, "answer": "yes"}',
                             Prompts(*["x"] * 8)) == ""
    assert generator_verdict("Were any homes evacuated?", ranked, lambda *a: '{"sentence": 1, "answer": "yes"}',
                             Prompts(*["x"] * 8)) == "Yes"


def test_capitals_do_not_change_what_is_asked(app, seed_settings):
    newsdesk = app()
    shouted = newsdesk.pipeline.normalised("HOW MANY ROCKETS HIT THE BASE?")
    assert shouted == "How many rockets hit the base?"


def test_a_typo_is_read_as_the_corpus_word(app):
    assert app().pipeline.normalised("How many rokets hit the base?") == "How many rockets hit the base?"


def test_reports_after_the_day_asked_are_not_used_and_undated_ones_are():
    _, intent = filters_for("How many homes were evacuated?", None, dt.date(2020, 3, 12))
    filters, _ = filters_for("How many homes were evacuated?", None, dt.date(2020, 3, 12))
    assert not filters.allows("Wire", "2020-03-13")
    assert filters.allows("Wire", "2020-03-12") and filters.allows("Wire", None)
    assert intent.asked_on == dt.date(2020, 3, 12)


def test_an_undated_article_still_answers_a_question_with_a_date(app):
    assert not app().ask("Ain al-Asad rocket attack", as_of="2021-07-01").refused


# -- the question's date --------------------------------------------------------------------------
def test_this_week_and_recently_are_read_from_the_day_asked():
    asked = dt.date(2020, 3, 12)
    week = question_time("Who won this week?", asked)
    assert (week.date_from, week.date_to, week.latest) == (dt.date(2020, 3, 5), asked, True)
    recent = question_time("Who resigned recently?", asked)
    assert recent.date_to == asked and recent.latest


def test_the_present_perfect_asks_for_the_newest_report():
    assert question_time("How many people have died?", dt.date(2020, 3, 12)).latest
    assert not question_time("How many people died?", dt.date(2020, 3, 12)).latest


def test_a_period_named_in_the_question_ends_no_later_than_the_day_asked():
    assert question_time("Who won in 2021?", dt.date(2021, 7, 1)).date_to == dt.date(2021, 7, 1)


# -- a lead-in says which story -------------------------------------------------------------------
def test_a_lead_in_s_names_and_years_become_constraints_on_the_answer_s_article(nlp):
    from app.answering.question_frame import analyse_question, narrowed_by

    frame = narrowed_by(analyse_question(nlp("How many homes were evacuated?")),
                        nlp("In February 2020, Storm Dennis flooded towns across Wales."))
    assert "Wales" in {text for text, _ in frame.constraints} and 2020 in frame.story_years


def test_a_lead_in_naming_another_place_than_the_article_s_is_not_answered_from_it(app):
    answered = app().ask("I read about a rocket attack in Iraq. How many rockets hit the base?")
    assert not answered.refused and "Fourteen" in answered.text
    elsewhere = app().ask("I read about a rocket attack in Kabul. How many rockets hit the base?")
    assert elsewhere.refused


def test_an_unsure_generator_verdict_settles_nothing():
    import math

    from app.answering.picking import Reply
    from app.answering.ranked_sentences import Prompts
    from app.answering.yes_no import generator_verdict

    def reply(p_yes: float) -> Reply:
        tokens = [{"token": t, "logprob": 0.0, "top_logprobs": []} for t in ('{"', "sentence", '":', " ", "1", ',"',
                                                                             "answer", '":', ' "')]
        tokens.append({"token": "yes", "logprob": math.log(p_yes), "top_logprobs": [
            {"token": "yes", "logprob": math.log(p_yes)}, {"token": "no", "logprob": math.log(1 - p_yes)}]})
        return Reply('{"sentence": 1, "answer": "yes"}', tuple(tokens))

    ranked = _ranked("Forty homes were evacuated after the river burst its banks.")
    prompts = Prompts(*["x"] * 8)
    assert generator_verdict("Were any homes evacuated?", ranked, lambda *a: reply(0.95), prompts) == "Yes"
    assert generator_verdict("Were any homes evacuated?", ranked, lambda *a: reply(0.55), prompts) == ""

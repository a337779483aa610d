"""What a noun names comes from WordNet (app/lexicon.py, app/answering/noun_classes.py): a
"Which <noun> …?" question is read for the kind of answer it asks for whatever noun it uses, and the
few nouns WordNet reads otherwise than news are hand entries, each with the question that needs it."""

from __future__ import annotations

import csv

import pytest

from app.answering.noun_classes import HAND_ENTRIES, classes_of
from app.answering.question_frame import AnswerKind, analyse_question
from app.lexicon import Lexicon
from app.nlp import load_spacy


@pytest.fixture(scope="module")
def lexicon(seed_settings):
    return Lexicon(seed_settings.wordnet_dir, seed_settings.cache_dir)


@pytest.fixture(scope="module")
def nlp(lexicon):
    return load_spacy(lexicon=lexicon)


# Nouns that were in no hand list: WordNet alone says what they name.
@pytest.mark.parametrize("noun, kind", [
    ("striker", AnswerKind.PERSON), ("sheriff", AnswerKind.PERSON), ("defendant", AnswerKind.PERSON),
    ("regiment", AnswerKind.NAME), ("tribunal", AnswerKind.NAME),
    ("arena", AnswerKind.PLACE), ("harbour", AnswerKind.PLACE),
    ("era", AnswerKind.TIME), ("fortnight", AnswerKind.TIME),
])
def test_which_noun_asks_for_what_wordnet_says_the_noun_names(nlp, noun, kind):
    frame = analyse_question(nlp(f"Which {noun} was named in the ruling?"))
    assert frame.kind == kind, (noun, frame.kind)


def test_a_noun_names_what_its_commonest_senses_name_not_a_rare_one(lexicon):
    # "planet" is a person in one use of 22 that WordNet's corpus tags; "client" in most.
    assert "person" not in classes_of("planet", lexicon)
    assert "person" in classes_of("client", lexicon)


def test_a_count_noun_compounded_with_the_asked_noun_asks_for_a_number(nlp):
    frame = analyse_question(nlp("What was the age gap between the two leaders?"))
    assert frame.kind == AnswerKind.NUMBER


def test_hand_entries_override_wordnet_and_each_says_which_question_needs_it(lexicon):
    rows = [line for line in HAND_ENTRIES.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    entries = list(csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert entries and len({e["noun"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["example"].startswith('"') and "?" in entry["example"], entry
        assert classes_of(entry["noun"], lexicon) == frozenset(entry["classes"].split(","))
    # "bank": sloping land in most of WordNet's uses, a lender in the news.
    assert classes_of("bank", lexicon) == {"organization"}


def test_without_wordnet_only_the_hand_entries_are_known():
    assert classes_of("striker", None) == frozenset()
    assert classes_of("bank", None) == {"organization"}

"""What a noun names, for "Which <noun> …?" and for the roles sentences describe: a person, an
organization, a place, a facility or a time.

WordNet decides (``Lexicon.noun_classes``: its lexicographer files and hypernyms over a noun's
commonest senses), so "Which regiment", "Which striker" or "Which tribunal" are read without a list
entry. The few nouns whose commonest WordNet senses are not the news sense ("bank": sloping land)
are in app/data/lexicon/noun_classes.tsv, each with the question that needs it. The parse carries
the lexicon (app/nlp.py attaches it to every Doc), so a token's classes need no other argument.
"""

from __future__ import annotations

import csv
from pathlib import Path

from spacy.tokens import Token

from app.lexicon import Lexicon

HAND_ENTRIES = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "noun_classes.tsv"


def _hand_entries(path: Path = HAND_ENTRIES) -> dict[str, frozenset[str]]:
    rows = (line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    reader = csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    return {row["noun"]: frozenset(row["classes"].split(",")) for row in reader}


_HAND = _hand_entries()


def classes_of(lemma: str, lexicon: Lexicon | None) -> frozenset[str]:
    """The classes of a noun lemma: the hand entry where there is one, else WordNet's."""
    lemma = lemma.lower()
    if lemma in _HAND:
        return _HAND[lemma]
    return lexicon.noun_classes(lemma) if lexicon is not None else frozenset()


def noun_classes(token: Token) -> frozenset[str]:
    """The classes of a noun token, with the lexicon its parse carries (none: hand entries only)."""
    if token.pos_ not in ("NOUN", "PROPN"):
        return frozenset()
    lexicon = token.doc._.lexicon if token.doc.has_extension("lexicon") else None
    return classes_of(token.lemma_, lexicon)


def names_a_person(token: Token) -> bool:
    return "person" in noun_classes(token)

"""Checking that an answer's claims are supported by the passages they cite.

A claim (one answer sentence) is supported by a passage when
- every key fact in it - numbers (as digits or words), names, dates - appears in the passage, and
- at least 70% of its other content words (those not already in the question) appear there.
This is deliberately lexical: it cannot be talked round, it explains itself ("'Paris' is in no
passage"), and it runs in microseconds. A small model's outside knowledge fails it by design.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.text import (
    MONTHS,
    NUMBER_WORD_STEMS,
    content_stems,
    names_in,
    number_uses,
    numbers_in,
    stem,
    strip_markers,
    token_set,
)

@dataclass
class Support:
    supported: bool
    overlap: float
    missing_numbers: set[float] = field(default_factory=set)
    missing_names: set[str] = field(default_factory=set)

    @property
    def score(self) -> float:
        return self.overlap - 0.5 * (len(self.missing_numbers) + len(self.missing_names))

    def explain(self) -> str:
        missing = sorted(_fmt(n) for n in self.missing_numbers) + sorted(self.missing_names)
        if missing:
            return "not in the cited passages: " + ", ".join(f"'{m}'" for m in missing)
        if self.supported:  # only all the passages together hold its facts: a stitched claim
            return "no single passage, nor any two, holds all of its facts"
        return f"only {self.overlap:.0%} of its words are in the cited passages"


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def support(claim: str, evidence: str, question: str = "", min_overlap: float = 0.7) -> Support:
    """How well ``evidence`` (passage text, possibly several joined) supports ``claim``."""
    evidence_numbers = numbers_in(evidence)
    evidence_tokens = token_set(evidence)
    evidence_stems = {stem(t) for t in evidence_tokens}
    # What the question itself states is the reader's context, not the model's claim: a restated
    # year ("…in the December 2019 election") or name needs no support. Other numbers from the
    # question still do, so an answer cannot confirm a false premise ("Were 30 rockets fired?").
    given_years = {n for n in numbers_in(question) if n == int(n) and 1800 <= n <= 2100}
    given_words = {stem(w) for w in token_set(question)}  # names included, in any case
    missing_numbers = {n for n in numbers_in(claim) if n not in evidence_numbers and n not in given_years}
    # A percentage is not a count: "fell 12.7 points" is not supported by "fell 12.7%", nor the reverse.
    claim_counts, claim_percents = number_uses(claim)
    evidence_counts, evidence_percents = number_uses(evidence)
    missing_numbers |= {n for n in (claim_percents - evidence_percents) | (claim_counts - evidence_counts)
                        if n in evidence_numbers and n not in given_years}
    missing_names = {n for n in names_in(claim) if n not in evidence_tokens and stem(n) not in evidence_stems
                     and stem(n) not in given_words}
    # Number words are checked as numbers above; as words they would fail "two dozen" against "24".
    own_words = content_stems(claim) - content_stems(question) - NUMBER_WORD_STEMS
    overlap = len(own_words & evidence_stems) / len(own_words) if own_words else 1.0
    supported = not missing_numbers and not missing_names and overlap >= min_overlap
    return Support(supported, overlap, missing_numbers, missing_names)


_REFUSAL_RE = re.compile(
    r"\b(i (do not|don't|cannot|can't) (know|answer|find|say|determine)|"
    r"(passages?|articles?|context|text|sources?) (do|does) not (say|contain|mention|provide|specify|state|include)|"
    r"(passages?|articles?|context|text|sources?) (don't|doesn't) (say|contain|mention|provide|specify|state|include)|"
    r"(is|are) not (mentioned|stated|provided|specified|given)|no information|not enough information|"
    r"unable to (answer|determine|find))\b",
    re.IGNORECASE,
)


def is_refusal(text: str) -> bool:
    """Does the model's answer say it cannot answer? Judged on its first sentence."""
    first = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0] if text.strip() else ""
    return not first or bool(_REFUSAL_RE.search(first))


# What kind of answer a question asks for, and how to recognise one in an answer.
_ASKS_NUMBER = re.compile(r"\bhow (many|much|long|far|old|big|large|high)\b|\bwhat (number|percentage|share|amount|total)\b", re.I)
_ASKS_TIME = re.compile(r"^\W*when\b|\b(what|which) (year|date|day|month|time|decade|century)\b|\bwhat time of day\b|\bat what time\b", re.I)
_ASKS_PERSON = re.compile(
    r"^\W*(and )?who(m|se)?\b|\bwhat is the name\b|\bwhich (person|man|woman|official|expert|researcher|general|"
    r"commander|spokes(man|woman|person)|minister|president|leader|civilian|resident|analyst|player|politician|"
    r"company|organi[sz]ation|group|country|team|party|agency)\b", re.I)
_ASKS_PLACE = re.compile(
    r"\b(which|what|in which|in what) (city|country|town|village|province|state|region|capital|county|district|"
    r"island|port|airport|stadium|venue)\b", re.I)
_TIME_WORDS = set(MONTHS) | set(
    "monday tuesday wednesday thursday friday saturday sunday morning afternoon evening night noon midnight "
    "dawn dusk yesterday today tomorrow weekend week month year".split())


def answer_type(question: str) -> str | None:
    """'number', 'time' or 'name' (a person, organisation or named place) when the question plainly
    asks for one; None otherwise."""
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_TIME.search(question):
        return "time"
    if _ASKS_PERSON.search(question) or _ASKS_PLACE.search(question):
        return "name"
    return None


def gives_answer(question: str, answer: str) -> bool:
    """Does the answer contain something of the kind asked for, beyond restating the question?

    "The building near the base was damaged when the launcher exploded" restates "Which building
    near the base was damaged when the launcher exploded?" and answers nothing; "At what time of
    day...?" is not answered by a sentence with no time in it.
    """
    answer = strip_markers(answer)  # citation markers are not numbers of the answer
    new_words = content_stems(answer) - content_stems(question)
    if not new_words and not (numbers_in(answer) - numbers_in(question)):
        return False
    kind = answer_type(question)
    # Only what the question did not already say can answer it: "How old is the driver in the
    # June 2019 crash that killed seven?" is not answered by a sentence whose numbers are 2019 and 7.
    new_numbers = numbers_in(answer) - numbers_in(question)
    if kind == "number":
        return bool(new_numbers)
    if kind == "time":
        return bool(new_numbers) or bool(token_set(answer) & _TIME_WORDS - token_set(question))
    if kind == "name":
        return bool(names_in(answer) - names_in(question) - token_set(question))
    return True

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
    NUMBER_WORD_STEMS,
    content_stems,
    names_in,
    number_uses,
    numbers_in,
    stem,
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

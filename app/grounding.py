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

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "dozen": 12}
NUMBER_WORDS = {**_UNITS, **_TENS}

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,]*(?:\.\d+)?")
_NUMBER_PHRASE_RE = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten|half a)\s+)?(?:dozen)\b"
    r"|\b(?:%s)(?:[\s-]+(?:%s))?\b" % ("|".join(list(_TENS) + list(_UNITS)), "|".join(_UNITS)),
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?")
_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec").split()

STOPWORDS = set("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves said says say according told tell also one ones s t don many much
answer answers passage passages article articles question based mentioned states stated
""".split())

# Capitalised words that start sentences without naming anything.
_COMMON_CAPITALISED = STOPWORDS | set("""
yes no however therefore thus although though while since during after before according in on at
there this that these those it its they he she we you i the a an mr mrs ms dr
""".split())


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def stem(word: str) -> str:
    """A crude stem: enough for overlap checks ("rockets" ~ "rocket", "launched" ~ "launch")."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word[:6] if len(word) > 6 else word.rstrip("s") if len(word) > 3 else word


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w.lower() not in STOPWORDS and len(w) > 2 and not w[0].isdigit()}


def token_set(text: str) -> set[str]:
    return {w.lower().replace("’", "'").strip("'") for w in words(text)}


def numbers_in(text: str) -> set[float]:
    """Numeric values written as digits or words: "14", "fourteen", "two dozen" (24), "1,200"."""
    values: set[float] = set()
    for match in _DIGITS_RE.finditer(text):
        try:
            values.add(float(match.group().replace(",", "")))
        except ValueError:
            continue
    for match in _NUMBER_PHRASE_RE.finditer(text):
        value = _phrase_value(match.group().lower())
        if value is not None:
            values.add(value)
    return values


_NUMBER_WORD_STEMS = {stem(w) for w in [*_UNITS, *_TENS, *_SCALES, "percent", "cent", "percentage"]}
_PERCENT_AFTER_RE = re.compile(r"\s?(%|per\s?cent\b|percent(age)?\b)", re.IGNORECASE)


def number_uses(text: str) -> tuple[set[float], set[float]]:
    """(values used as counts, values used as percentages): "12.7%" and "12.7 points" differ."""
    counts: set[float] = set()
    percents: set[float] = set()
    for match in [*_DIGITS_RE.finditer(text), *_NUMBER_PHRASE_RE.finditer(text)]:
        values = numbers_in(match.group())
        (percents if _PERCENT_AFTER_RE.match(text, match.end()) else counts).update(values)
    return counts, percents


def _phrase_value(phrase: str) -> float | None:
    parts = re.split(r"[\s-]+", phrase.strip())
    if parts[-1] == "dozen":
        head = " ".join(parts[:-1])
        if head in ("", "a", "one"):
            return 12.0
        if head == "half a":
            return 6.0
        return float(_UNITS.get(head, 1) * 12)
    total = 0
    for part in parts:
        if part in _TENS or part in _UNITS:
            total += NUMBER_WORDS[part]
        else:
            return None
    return float(total)


def names_in(text: str) -> set[str]:
    """Capitalised words that look like names (not sentence-initial function words), lowercased."""
    names = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        tokens = words(sentence)
        for position, token in enumerate(tokens):
            if not token[0].isupper() or token.lower() in _COMMON_CAPITALISED:
                continue
            if position == 0 and not token.isupper() and not (len(tokens) > 1 and tokens[1][:1].isupper()):
                continue  # "Fourteen rockets ..." - a capital because it starts the sentence
            if token.lower() in NUMBER_WORDS or token.lower() in _MONTHS:
                continue
            names.add(token.lower().replace("’", "'").strip("'"))
    return names


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
    own_words = content_stems(claim) - content_stems(question) - _NUMBER_WORD_STEMS
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
_TIME_WORDS = set(_MONTHS) | set(
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
    answer = re.sub(r"\[\d+\]", "", answer)  # citation markers are not numbers of the answer
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

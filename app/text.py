"""Lexical helpers shared by grounding, citations, evaluation and the judge: words and stems,
numbers (as digits or words), names, sentences, citation markers and dates.

Deliberately rule-based and dependency-free: these run on every answer sentence against every
passage, so they must take microseconds and explain themselves.
"""

from __future__ import annotations

import re

# -- citation markers --------------------------------------------------------------------------
# One marker grammar for the whole product: "[3]", or a list "[1, 2]" before normalisation.
MARKER_PATTERN = r"\[\d+(?:\s*[,;]\s*\d+)*\]"
MARKER_RE = re.compile(r"\s*" + MARKER_PATTERN)


def strip_markers(text: str | None) -> str:
    """'Fourteen hit [1][2].' -> 'Fourteen hit.'"""
    return MARKER_RE.sub("", text or "")


def marker_numbers(text: str) -> list[int]:
    """The passage numbers of the "[n]" markers in ``text``, in order (after ``normalise_markers``)."""
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


_MARKER_VARIANTS = [
    (re.compile(r"【\s*(\d+)\s*】"), r"[\1]"),
    (re.compile(r"\[(?:passage|source|doc(?:ument)?|ref)\s*#?\s*(\d+)\]", re.I), r"[\1]"),
    (re.compile(r"\((?:passage|source)\s*#?\s*(\d+)\)", re.I), r"[\1]"),
    (re.compile(r"\(\s*(\d{1,2})\s*\)"), r"[\1]"),
]
_MARKER_LIST_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)+)\s*\]")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "gen", "lt", "col", "sgt", "st", "jr", "sr", "vs", "no", "u.s", "u.k",
                  "u.n", "inc", "co", "corp", "ltd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                  "sept", "oct", "nov", "dec", "prof", "rep", "sen", "gov", "e.g", "i.e"}


def normalise_markers(text: str) -> str:
    for pattern, replacement in _MARKER_VARIANTS:
        text = pattern.sub(replacement, text)
    return _MARKER_LIST_RE.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations ("U.S.", "Gen.") and quotations do not end one."""
    spans, start = [], 0
    for match in re.finditer(r"[.!?]+[\"'”’)\]]*(?:\s*\[\d+\])*(?=\s+|$)|\n+", text):
        end = match.end()
        before = text[start:match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if match.group().startswith(".") and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        segment = text[start:end]
        if not match.group().startswith("\n") and segment.count("“") > segment.count("”"):
            continue  # inside a quotation: the quote and its attribution are one sentence
        if text[start:end].strip():
            spans.append(_trim(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# -- words, stems, numbers, names ------------------------------------------------------------
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
MONTHS = ("january february march april may june july august september october november december "
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


NUMBER_WORD_STEMS = {stem(w) for w in [*_UNITS, *_TENS, *_SCALES, "percent", "cent", "percentage"]}
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
            if token.lower() in NUMBER_WORDS or token.lower() in MONTHS:
                continue
            names.add(token.lower().replace("’", "'").strip("'"))
    return names


# -- dates -------------------------------------------------------------------------------------
def date_number(date: object) -> int:
    """An ISO date (or ``datetime.date``) as a number Chroma can compare: 2021-07-07 -> 20210707;
    0 when unknown."""
    if not date:
        return 0
    return int(str(date)[:10].replace("-", ""))

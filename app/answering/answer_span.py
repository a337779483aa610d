"""The answer in its sentence: where a picked answer's words are (``locate``), the value of a
number span (``span_value``), and the ``Verdict`` that every check of a pick returns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Span, Token

from app.answering.question_parse import number_value
from app.answering.relation_lexicon import NUMERIC_LABELS
from app.text import numbers_in


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not, in words a reader understands
    failure: str = ""  # failure class: not-in-sentence, wrong-type, restates-question, wrong-relation,
    #                    wrong-argument, constraint-mismatch
    strength: int = 0  # 2 = relation and argument matched explicitly, 1 = nothing contradicts
    distance: int = 99  # dependency arcs from the answer to the asked verb or role (for ties)
    counts_focus: bool = False  # a count of the very noun asked about ("two personnel" for personnel)

    def __bool__(self) -> bool:
        return self.ok


# -- numbers -----------------------------------------------------------------------------------
def span_value(tokens: Sequence[Token]) -> float | None:
    """ "two dozen" -> 24, "36" -> 36, "1.5 million" -> 1.5e6."""
    values = [v for t in tokens if (v := number_value(t)) is not None]
    if not values:
        return None
    lowered = [t.lower_ for t in tokens]
    value = values[0]
    if "dozen" in lowered and len(values) > 1:
        value = values[0] * 12
    for scale, factor in (("hundred", 100), ("thousand", 1_000), ("million", 1_000_000), ("billion", 1e9)):
        if scale in lowered and value < factor:
            value *= factor
    return value


# -- the sentence ------------------------------------------------------------------------------
def locate(answer: str, sentence: Span) -> list[Token]:
    """The sentence's tokens that make up ``answer``: verbatim (any case and spacing), or a number
    written another way ("14" for "Fourteen")."""
    wanted = _norm(answer)
    if not wanted:
        return []
    text = sentence.text
    lowered = text.lower()
    for variant in (answer.strip(), wanted):
        index = lowered.find(variant.lower())
        if index >= 0:
            char_span = sentence.char_span(index, index + len(variant), alignment_mode="expand")
            if char_span is not None:
                return list(char_span)
    # Spacing and punctuation differences: compare normalised token sequences.
    words = [_norm(t.text) for t in sentence]
    target = wanted.split()
    for i in range(len(words)):
        j, k, matched = i, 0, []
        while j < len(words) and k < len(target):
            if not words[j]:
                j += 1
                continue
            if words[j] != target[k]:
                break
            matched.append(sentence[j])
            j, k = j + 1, k + 1
        if k == len(target) and matched:
            return matched
    value = _answer_number(answer)
    if value is not None:
        for token in sentence:
            if number_value(token) == value:
                return [token]
        for ent in sentence.ents:  # "two dozen"
            if ent.label_ in NUMERIC_LABELS and span_value(list(ent)) == value:
                return list(ent)
    return []


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s%$.-]", " ", text.lower().replace("’", "'")).split()).strip(" .")


def _answer_number(answer: str) -> float | None:
    cleaned = answer.strip().lower().replace(",", "")
    match = re.fullmatch(r"(?:about |around |at least |more than |over |nearly |some )?(\d+(?:\.\d+)?)\s*\w*", cleaned)
    if match:
        return float(match.group(1))
    values = numbers_in(cleaned) if re.fullmatch(r"[a-z\s-]+", cleaned) else set()
    return next(iter(values)) if len(values) == 1 else None


def asks(sentence: Span) -> bool:
    """An interviewer's question ("How did the last three months go for you?") states nothing."""
    return sentence.text.rstrip().rstrip("\"'”’)").endswith("?")

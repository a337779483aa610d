"""Is an answer of the type the question asks for (a count, a person, a date, a place, a name), and
does it say more than the question already does?
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence

from spacy.tokens import Span, Token

from app.answering.pronouns import personal_pronoun
from app.answering.question_frame import PAIR, AnswerKind, QuestionFrame
from app.answering.question_parse import is_content, number_value
from app.answering.noun_classes import noun_classes
from app.answering.relation_lexicon import PLACE_LABELS


def _typed_tokens(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token]) -> list[Token] | None:
    """The answer's tokens that have the asked type (its core), or None when none has it."""
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        return list(tokens)
    if frame.paired:  # a score is two numbers: "10" alone is half of "22 points to 10"
        return list(tokens) if PAIR.search(" ".join(t.text for t in tokens)) else None
    indices = {t.i for t in tokens}
    core: list[Token] = []
    for ent in sentence.ents:
        if of_asked_type(frame, ent) and indices & {t.i for t in ent}:
            core.extend(ent)
    if frame.kind == AnswerKind.NUMBER:
        if frame.focus == "long" and any(t.lower_ in CALENDAR for t in tokens):
            return None  # "How long could it take?" is a duration, not "February 21"
        core.extend(t for t in tokens if number_value(t) is not None and t not in core)
        core = [t for t in core if number_value(t) is not None or t.ent_type_ in frame.labels]
        # "23-year-old": spaCy makes it one DATE; the number is what was asked.
        if not any(number_value(t) is not None or re.search(r"\d", t.text) for t in core):
            return None
    elif frame.kind == AnswerKind.TIME:
        core.extend(t for t in tokens if re.fullmatch(r"(1[89]|20)\d\d", t.text) and t not in core)
        if core and not any(re.search(r"\d", t.text) or names_a_time(t) for t in core):
            return None  # "the day", "the age of fifteen": spaCy's DATE, but no time a reader can use
        if frame.focus == "year" and not any(re.fullmatch(r"(1[89]|20)\d\ds?", t.text) or t.lower_ == "year"
                                              for t in core):
            return None  # "In what year …?" is not answered by "Saturday night"
    elif frame.kind in (AnswerKind.PERSON, AnswerKind.NAME, AnswerKind.PLACE) and not core:
        # spaCy's small model misses some names; a proper noun (not the question's) still names something.
        core = [t for t in tokens if t.pos_ == "PROPN" and t.ent_type_ not in ("DATE", "TIME", "CARDINAL")]
        # "Which building was damaged?" — "several buildings, including a mosque": an instance of the
        # asked noun answers it, named or not.
        core = core or [t for t in tokens if example_of(t, frame.focus)]
        # "…,” he said": the pronoun verifies like a name; the answer flow gives the person it stands
        # for (app/answering/pronouns.py) or nothing.
        if frame.kind == AnswerKind.PERSON and not core and personal_pronoun(tokens):
            core = list(tokens)
        if frame.kind == AnswerKind.PERSON and core and any(t.ent_type_ in PLACE_LABELS for t in core):
            return None
    return sorted(set(core), key=lambda t: t.i) or None


# Month and weekday names and abbreviations, as Python's calendar module knows them.
CALENDAR = frozenset(name.lower() for name in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name,
                                               *calendar.day_abbr) if name)
# Words that place a time relative to another ("two days ago", "the next morning").
_RELATIVE = frozenset("ago last next earlier later".split())


def names_a_time(token: Token) -> bool:
    """A word a reader can place in time: a calendar name, a relative word ("ago"), or a time noun
    by WordNet ("yesterday", "morning", "spring") that is not only a unit ("the day", "weeks")."""
    if token.lower_ in CALENDAR or token.lower_ in _RELATIVE:
        return True
    named = noun_classes(token)
    return "time" in named and "time unit" not in named


_EXAMPLE_PREPOSITIONS = frozenset({"including", "like", "as"})  # "as": "buildings such as mosques"


def example_of(token: Token, focus: str | None) -> bool:
    """A noun given as an instance of the asked noun: "mosque" in "damaged several buildings,
    including a mosque"."""
    if focus is None or token.pos_ not in ("NOUN", "PROPN") or token.dep_ != "pobj" \
            or token.head.lower_ not in _EXAMPLE_PREPOSITIONS:
        return False
    return token.head.head.lemma_.lower() == focus


def of_asked_type(frame: QuestionFrame, ent: Span) -> bool:
    """An entity of an asked label, or one named by the asked noun whatever spaCy labels it ("Bhera
    Market" for "which market")."""
    if ent.label_ in frame.labels:
        return True
    if frame.kind != AnswerKind.PLACE:
        return False
    if frame.focus is not None and frame.focus in (ent.root.lemma_.lower(), ent.root.head.lemma_.lower()):
        return True
    # "the French territory of Martinique", "the coast of Aceh": the phrase says it is a place
    # whatever label the tagger gave the name (NORP, PERSON).
    of = ent.root.head
    return ent.root.dep_ == "pobj" and of.lower_ == "of" and bool(noun_classes(of.head) & {"place", "facility"})


def _restates(frame: QuestionFrame, tokens: Sequence[Token]) -> bool:
    """The answer's typed core says only what the question said (its numbers, names, words)."""
    question = frame.text.lower()
    if frame.kind == AnswerKind.NUMBER:
        values = {number_value(t) for t in tokens} - {None}
        return bool(values) and values <= set(frame.numbers)
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        own = [t for t in tokens if is_content(t) and t.lemma_.lower() not in frame.content]
        return not own
    own = [t for t in tokens if not t.is_punct and not t.is_stop and t.lower_ not in question]
    return not own and not personal_pronoun(tokens)

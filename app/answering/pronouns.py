"""Who "he" or "she" is: news names a speaker once and then writes “…,” he said.

"Who said the missile was hidden in a flour bag?" is stated by “… This time the missile was
hidden in a flour bag …,” he said. The sentence before it names him: "General Tassin Khafaj of the
Iraqi Joint Operations Command acknowledged that …". The answer is that name, and both sentences
are cited: one states what he said, the other who he is.

The rule is the reporter's convention, not coreference resolution: the pronoun stands for the
person who is the subject of the nearest sentence before it that names a person (or the one person
that sentence names). A sentence naming several people, none of them its subject, resolves nothing,
and neither does a sentence that names a person itself (the pronoun may be someone else there).
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Span, Token

PERSONAL = frozenset({"he", "she"})


def personal_pronoun(tokens: Sequence[Token]) -> bool:
    """The answer is a bare "he" or "she"."""
    return len(tokens) == 1 and tokens[0].lower_ in PERSONAL and tokens[0].pos_ == "PRON"


def antecedent(sentence: Span, preceding: Sequence[Span]) -> tuple[int, Span] | None:
    """The person ``sentence``'s he/she stands for, and the index in ``preceding`` (the sentences
    before it, nearest first) of the sentence naming them; None when the convention does not
    settle it."""
    if any(e.label_ == "PERSON" for e in sentence.ents):
        return None
    for index, before in enumerate(preceding):
        persons = [e for e in before.ents if e.label_ == "PERSON"]
        if not persons:
            continue
        subjects = [e for e in persons if _subject(e)]
        if subjects:
            return index, subjects[0]
        return (index, persons[0]) if len({e.text for e in persons}) == 1 else None
    return None


def _subject(name: Span) -> bool:
    """The name is its clause's subject, alone or with its title ("General Tassin Khafaj of …")."""
    head = name.root
    while head.dep_ in ("compound", "flat", "appos") and head.head.pos_ in ("NOUN", "PROPN") and head.head.i != head.i:
        head = head.head
    return head.dep_ in ("nsubj", "nsubjpass")

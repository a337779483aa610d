"""The parse helpers the relation checks share: paths and distances in the dependency tree, a
phrase's head and side, the verbs that govern a token or that say it was said, and whether words
state the asked verb.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from app.answering.question_frame import QuestionFrame
from app.answering.question_parse import side_of
from app.answering.relation_lexicon import LIGHT_VERBS, SPEECH_VERBS, relates


def dependency_path(a: Token, b: Token) -> list[Token] | None:
    """The tokens strictly between ``a`` and ``b`` on their dependency path; None if unconnected."""
    up_a = [a, *a.ancestors]
    position = {t.i: n for n, t in enumerate(up_a)}
    up_b = [b, *b.ancestors]
    for n, t in enumerate(up_b):
        if t.i in position:
            meeting = [t] if t.i not in (a.i, b.i) else []
            return up_a[1:position[t.i]] + meeting + list(reversed(up_b[1:n]))
    return None


def dependency_distance(a: Token, b: Token) -> int:
    """Arcs between two tokens of one sentence in the dependency tree."""
    path = dependency_path(a, b)
    return 99 if path is None else len(path) + 1 if a.i != b.i else 0


def _phrase_head(token: Token) -> Token:
    """The head of the phrase a name is in, through compounds, appositions and conjunctions."""
    while token.dep_ in ("compound", "flat", "appos", "conj", "poss") and token.head.i != token.i:
        token = token.head
    return token


def _role(token: Token) -> str | None:
    """Subject or object side of the verb the phrase hangs on, through names' compounds and appositions."""
    return side_of(_phrase_head(token))


def _governing(token: Token) -> tuple[list[Token], Token | None]:
    """The verbs (and predicate adjectives) that govern ``token``: its nearest verb ancestor and,
    through light verbs, the next ones ("were confirmed dead" -> confirm, dead). A light verb with
    its own subject closes the chain: "there were four people on board; one was pronounced dead"
    does not say four were pronounced dead, however the parser hangs the clauses. The verb cut off
    is returned second."""
    chain: list[Token] = []
    current = token
    closed = False
    while current.head.i != current.i:
        current = current.head
        if current.pos_ in ("VERB", "AUX", "ADJ") or current.dep_ == "ROOT":
            light = current.lemma_.lower() in LIGHT_VERBS
            if closed and current.pos_ == "VERB" and not light:
                return chain, current
            chain.append(current)
            chain.extend(c for c in current.children if c.dep_ in ("acomp", "oprd", "xcomp", "attr")
                         and c.i != token.i)
            if not light and current.pos_ == "VERB":
                break
            closed = closed or any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in current.children)
    return chain, None


def _nouns_up_to_verb(token: Token) -> list[Token]:
    """The nouns between a phrase and the verb it hangs on: "injuries" in "causing minor injuries to
    two personnel" says what happened to them."""
    nouns = []
    current = token
    while current.head.i != current.i and current.head.pos_ not in ("VERB", "AUX"):
        current = current.head
        if current.pos_ == "NOUN":
            nouns.append(current)
    return nouns


_SAYING = SPEECH_VERBS | {"speak", "talk", "write"}


def _saying_verb(token: Token) -> Token | None:
    """The verb ``token`` hangs on, when that verb is one of saying: its phrase tells where or when a
    statement was made, not where or when what it states happened."""
    verb = next((t for t in token.ancestors if t.pos_ == "VERB"), None)
    return verb if verb is not None and verb.lemma_.lower() in _SAYING else None


def _matches_verb(frame: QuestionFrame, lemmas: Iterable[str]) -> bool:
    return bool(frame.verbs) and any(relates(frame.verbs, lemma) for lemma in lemmas)

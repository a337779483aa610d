"""Yes/no questions: "Yes" or "No" with the sentence that settles it, or a refusal.

A sentence settles "Did the rockets hit the base?" when it states the asked relation ("hit",
or a word WordNet or the embedder puts beside it) about what the question names (most of its
content words, every name either in the sentence or in its article). It says "No" when that
relation is negated there ("No injuries were recorded") or when it gives another number than the
question's ("Did 20 rockets hit …?" / "Fourteen … hit"); otherwise "Yes". A question nothing
settles is refused, never guessed.

The parse's match is lenient (half the question's words, an embedding as close as "rocket" and
"projectile"), so a sentence about the topic can pass for one that settles it. Where a generator
is configured it reads the same sentences (prompts/yes_no_*.txt, constrained output), and the
answer is given only when its verdict is the parse's: two weak readers that must agree. A small
model says "yes" to nearly any question about a sentence on the topic, but less surely: where the
backend gives token probabilities, its verdict counts only when it holds at least twice the
probability of the other verdicts together (``SURE``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from app.answering.picking import PickFn, format_sentences, reply_text, value_confidence
from app.answering.question_frame import CONSTRAINT_LABELS, LIGHT_VERBS, is_content, number_value, relates
from app.answering.sentences import Prompts, SentenceRef
from app.lexicon import Lexicon

log = logging.getLogger(__name__)

# A content word of the question is matched by a sentence word whose embedding is this close
# ("rocket" ~ "projectile" 0.55 with MiniLM).
WORD_MATCH = 0.5
# Share of the question's other content words the settling sentence must match.
COVERAGE = 0.5
# The generator's verdict counts when its probability is at least twice the others' together.
SURE = 2 / 3


@dataclass(frozen=True)
class Settled:
    verdict: str  # "Yes" or "No"
    ref: SentenceRef
    why: str


def _relation(question: Doc) -> Token | None:
    """The word that carries the asked relation: the main verb, or for "Were there any injuries?" /
    "Is the base in Iraq?" the noun or phrase the copula introduces."""
    root = next((t for t in question if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.pos_ == "VERB" and root.lemma_.lower() not in LIGHT_VERBS:
        return root
    # "Were 200 homes evacuated?": the participle the parser hangs on the noun is the relation.
    verbs = [t for t in question if t.pos_ == "VERB" and t.lemma_.lower() not in LIGHT_VERBS]
    if verbs:
        return verbs[0]
    for child in root.children:
        if child.dep_ in ("attr", "acomp", "dobj") and child.pos_ in ("NOUN", "ADJ", "VERB"):
            return child
    return None


def _matches(word: str, sentence: Span, similar: Callable[[str, str], float], lexicon: Lexicon | None,
             pos: str | None = None) -> Token | None:
    synonyms = lexicon.synonyms(word, pos) if lexicon is not None else frozenset()
    best, best_score = None, WORD_MATCH
    for token in sentence:
        lemma = token.lemma_.lower()
        if not token.is_alpha or token.is_stop:
            continue
        if lemma == word or relates({word}, lemma) or lemma in synonyms:
            return token
        score = similar(word, lemma)
        if score >= best_score:
            best, best_score = token, score
    return best


def _negated(token: Token) -> bool:
    """The word is denied: "not hit", "no injuries", "never reached", "none of them"."""
    for word in (token, token.head):
        if any(c.dep_ == "neg" or c.lower_ in ("no", "none", "never") for c in word.children):
            return True
    return False


def _dated(token: Token) -> bool:
    """A number that is part of a date ("2020", "16 February"), not a count. A lone number word the
    small model calls a DATE ("Forty homes") is still a count."""
    if token.ent_type_ not in ("DATE", "TIME"):
        return False
    entity = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
    return entity is None or len(entity) > 1 or (token.text.isdigit() and len(token.text) == 4)


def settle(question: str, ranked: Sequence[SentenceRef], nlp: Language, similar: Callable[[str, str], float],
           lexicon: Lexicon | None = None, shown: int = 6) -> Settled | None:
    """The verdict and its sentence, from the ``shown`` best-ranked sentences, or None."""
    doc = nlp(question)
    relation = _relation(doc)
    if relation is None:
        return None
    names = [e.text.lower() for e in doc.ents if e.label_ in CONSTRAINT_LABELS]
    numbers = {v for t in doc if t.pos_ == "NUM" and (v := number_value(t)) is not None}
    named = {t.i for e in doc.ents for t in e}
    others = [t for t in doc if is_content(t) and t.i != relation.i and t.i not in named and t.pos_ != "NUM"]
    candidates = list(ranked[:shown])
    for ref, sentence in zip(candidates, nlp.pipe(r.text for r in candidates)):
        article = f"{ref.passage.title or ''} {ref.passage.text}".lower()
        if any(name not in article for name in names):
            continue
        stated = _matches(relation.lemma_.lower(), sentence, similar, lexicon, relation.pos_)
        if stated is None:
            continue
        covered = sum(_matches(t.lemma_.lower(), sentence, similar, lexicon, t.pos_) is not None for t in others)
        if others and covered / len(others) < COVERAGE:
            continue
        if _negated(stated):
            return Settled("No", ref, f"the sentence denies '{stated.text}'")
        values = {v for t in sentence if t.pos_ == "NUM" and not _dated(t) and (v := number_value(t)) is not None}
        if numbers and values and not numbers & values:
            return Settled("No", ref, "the sentence gives another number")
        if numbers and not numbers & values:
            continue  # the asked number is neither stated nor contradicted here
        return Settled("Yes", ref, f"the sentence states '{stated.text}'")
    return None


def yes_no_schema(count: int) -> dict:
    return {
        "type": "object",
        "properties": {
            "sentence": {"type": "integer", "enum": list(range(0, count + 1))},
            "answer": {"type": "string", "enum": ["yes", "no", "not stated"]},
        },
        "required": ["sentence", "answer"],
        "additionalProperties": False,
    }


def generator_verdict(question: str, ranked: Sequence[SentenceRef], ask: PickFn | None, prompts: Prompts,
                      shown: int = 6) -> str | None:
    """The generator's reading of the ``shown`` best-ranked sentences: "Yes", "No", or "" when it
    finds no sentence that settles the question; None when there is no generator to ask or the
    call failed (the parse then decides alone)."""
    if ask is None or not prompts.yes_no_system:
        return None
    refs = list(ranked[:shown])
    listing = format_sentences([(r.passage.title, r.passage.date, r.text) for r in refs])
    try:
        reply = ask(prompts.yes_no_system, prompts.yes_no_user.format(sentences=listing, question=question),
                    yes_no_schema(len(refs)))
    except Exception as err:
        log.warning("yes/no reading failed: %s", err)
        return None
    try:
        data = json.loads(reply_text(reply))
    except json.JSONDecodeError:
        return ""
    if not isinstance(data, dict):
        return ""
    answer, sentence = data.get("answer"), data.get("sentence")
    if not isinstance(sentence, int) or not 1 <= sentence <= len(refs) or answer not in ("yes", "no"):
        return ""
    confidence = value_confidence(reply, "answer", ("yes", "no", "not stated"))
    if confidence is not None and confidence < SURE:
        log.info("yes/no: the generator reads %r with p=%.2f only", answer, confidence)
        return ""
    return answer.capitalize()

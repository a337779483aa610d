"""The evidence for one candidate answer, as numbers a fitted model can weigh (app/answering/decision.py).

Each check of app/answering/verification.py says yes or no; here what the checks found becomes a
feature with a strength, beside what they cannot see: how close the embedder puts the question's
verbs to the sentence's, whether WordNet relates them, how much of the question the sentence and
its article restate, whether the generator's pick and the rules agree, and how sure the generator
was of its pick (its token probabilities). A check that failed softly
(the sentence does not say the asked verb, does not name a constraint, attaches the answer to
another argument) is one feature among these, not a veto.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spacy.tokens import Span

from app.answering.question_frame import AnswerKind, QuestionFrame, relates
from app.lexicon import Lexicon

# Failures that are evidence against an answer, weighed with the rest. Every other failure class
# (wrong type, not in any shown sentence, restating the question, a question, a contradicted year
# or round) stays a veto: those are certainties, not strengths.
SOFT_FAILURES = ("wrong-relation", "constraint-mismatch", "wrong-argument")
FEATURES = ("model_pick", "rules_agree", "strength", "similarity", "rank", "relation_embedding", "relation_lexicon",
            "content_overlap", "constraints_named", "type_labelled", "wrong_relation", "constraint_mismatch",
            "wrong_argument", "model_asked", "model_confidence") \
    + tuple(kind.value for kind in AnswerKind if kind is not AnswerKind.REASON)


@dataclass(frozen=True)
class Candidate:
    """An answer span in a shown sentence, how it was found, and what the checks said of it."""

    answer: str
    index: int  # the sentence, among those shown
    origin: str  # "model": the generator's pick; "matched": the rules' own
    failure: str = ""  # "" when every check passed; else a SOFT_FAILURES class
    reason: str = ""
    strength: int = 1
    rules_agree: bool = False  # the rules found the same answer in that sentence
    model_confidence: float | None = None  # the generator's probability of its pick; None: not asked


def features(frame: QuestionFrame, candidate: Candidate, sentence: Span, similarity: float, shown: int,
             context: str, similar: Callable[[str, str], float] | None, lexicon: Lexicon | None) -> dict[str, float]:
    """The candidate's evidence, each feature in [0, 1]."""
    lemmas = {t.lemma_.lower() for t in sentence if t.is_alpha}
    verbs = {t.lemma_.lower() for t in sentence if t.pos_ in ("VERB", "NOUN", "ADJ")}
    asked = frame.verbs | frame.adverbial
    embedding = max((similar(a, v) for a in asked for v in verbs), default=0.0) if similar and asked else 0.0
    synonyms = set().union(*(lexicon.synonyms(a) for a in asked)) if lexicon is not None and asked else set()
    lexical = float(bool(asked) and any(relates(asked, v) or v in synonyms for v in verbs))
    context_lower = f"{sentence.text} {context}".lower()
    content = frame.content - asked
    overlap = len(content & lemmas) / len(content) if content else 1.0
    named = [text for text, _ in frame.constraints]
    constraints = sum(text.lower() in context_lower for text in named) / len(named) if named else 1.0
    located = [e for e in sentence.ents if candidate.answer.lower() in e.text.lower() or e.text.lower()
               in candidate.answer.lower()]
    labelled = float(not frame.labels or any(e.label_ in frame.labels for e in located))
    values = {
        "model_pick": float(candidate.origin == "model"),
        "rules_agree": float(candidate.rules_agree),
        "strength": min(candidate.strength, 2) / 2,
        "similarity": max(0.0, min(1.0, similarity)),
        "rank": 1.0 - candidate.index / max(shown, 1),
        "relation_embedding": max(0.0, min(1.0, embedding)),
        "relation_lexicon": lexical if asked else 1.0,
        "content_overlap": overlap,
        "constraints_named": constraints,
        "type_labelled": labelled,
        "wrong_relation": float(candidate.failure == "wrong-relation"),
        "constraint_mismatch": float(candidate.failure == "constraint-mismatch"),
        "wrong_argument": float(candidate.failure == "wrong-argument"),
        # The generator's own probability of the sentence or candidate it numbered, among the
        # numbers it could write (0 when it was not asked: "model_asked" tells the two apart).
        "model_asked": float(candidate.model_confidence is not None),
        "model_confidence": candidate.model_confidence or 0.0,
    }
    for kind in AnswerKind:  # the question's kind, one-hot (why/how questions are not weighed)
        values[kind.value] = float(frame.kind == kind)
    return {name: round(values[name], 4) for name in FEATURES}


# The embedder relates two words this closely when they name one relation ("hit" ~ "strike").
RELATED = 0.5


def relation_evidence(evidence: dict[str, float]) -> bool:
    """Whether a word of the sentence states the asked relation by some resource: the checks' own
    lexicon (no wrong-relation failure), WordNet, or the embedder."""
    return not evidence.get("wrong_relation") or evidence.get("relation_lexicon", 0.0) > 0 \
        or evidence.get("relation_embedding", 0.0) >= RELATED


def vector(evidence: dict[str, float], names: Sequence[str] = FEATURES) -> list[float]:
    return [float(evidence.get(name, 0.0)) for name in names]

"""The answer flow's outcome weighed: its candidate's evidence (app/answering/evidence.py), the
generator's confirmation where it can change the decision, and the calibrated decision itself
(app/answering/decision.py) — an answer under the threshold refused, a pick refused only by a soft
check answered above it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from spacy.tokens import Span

from app.answering.decision import Scorer
from app.answering.evidence import Candidate as WeighedCandidate, features as evidence_features, relation_evidence
from app.answering.picking import PickFn, choice_schema, number_confidence, parse_choice
from app.answering.question_frame import QuestionFrame
from app.answering.ranked_sentences import Outcome, PassageContext, Prompts, SentenceRef
from app.answering.verification import verify
from app.lexicon import Lexicon

log = logging.getLogger(__name__)


def weigh(frame: QuestionFrame, outcome: Outcome, soft: Sequence[WeighedCandidate], ranked: Sequence[SentenceRef],
            spans: Sequence[Span], context: PassageContext, similar, lexicon: Lexicon | None,
            scorer: Scorer | None, confirm: Callable[[Outcome], Outcome] | None = None) -> Outcome:
    """The outcome with its candidate's evidence and, given a scorer, its calibrated decision: an
    answer under the threshold is refused; a pick refused only by soft checks is answered above it.
    The checks' own answer is put to the generator (``confirm``) where its confidence can change
    the decision (``Scorer.undecided``)."""
    if not outcome.refused and outcome.answer:
        index = next((i for i, r in enumerate(ranked) if r == outcome.sentences[0]), None)
        if index is None:
            return outcome
        verdict = verify(frame, spans[index], outcome.answer, context(ranked[index]), similar)
        weighed = WeighedCandidate(outcome.answer, index, outcome.origin, strength=verdict.strength or 1,
                                   rules_agree=outcome.origin == "matched" or verdict.strength >= 2,
                                   model_confidence=outcome.model_confidence)
    elif outcome.refused and soft:
        weighed = soft[0]
    else:
        return outcome
    evidence = evidence_features(frame, weighed, spans[weighed.index], ranked[weighed.index].similarity, len(ranked),
                                 context(ranked[weighed.index]), similar, lexicon)
    if scorer is not None and confirm is not None and not outcome.refused and outcome.model_confidence is None \
            and scorer.undecided(evidence):
        confirmed = confirm(outcome)
        if confirmed.model_confidence is not None:
            outcome, weighed = confirmed, replace(weighed, model_confidence=confirmed.model_confidence)
            evidence = evidence_features(frame, weighed, spans[weighed.index], ranked[weighed.index].similarity,
                                         len(ranked), context(ranked[weighed.index]), similar, lexicon)
    if outcome.refused and not relation_evidence(evidence):
        # The word lists miss the asked verb, and neither WordNet nor the embedder finds it either:
        # a certainty, not a strength.
        return replace(outcome, candidate=weighed.answer, evidence=evidence)
    outcome = replace(outcome, candidate=weighed.answer, evidence=evidence)
    if scorer is None:
        return outcome
    answers, probability = scorer.answers(evidence, objected=outcome.refused)
    if answers and outcome.refused:
        log.info("calibrated decision: answering %r (p=%.2f) despite: %s", weighed.answer, probability, weighed.reason)
        return replace(outcome, answer=weighed.answer, sentences=[ranked[weighed.index]], origin=weighed.origin,
                       reason="", confidence=probability)
    if not answers and not outcome.refused:
        return replace(outcome, answer="", sentences=[], confidence=probability,
                       reason=f"the evidence for “{weighed.answer}” is too weak (calibrated p={probability:.2f})")
    return replace(outcome, confidence=probability)


def confirmed(outcome: Outcome, ranked: Sequence[SentenceRef], ask: PickFn, prompts: Prompts,
             user_fields: dict) -> Outcome:
    """The checks' own answer with the generator's probability that it answers the question: the
    choice prompt with that one candidate or none, read from the model's token probabilities (one
    short generation; the decision weighs it as it weighs the model's own picks)."""
    index = next((i for i, r in enumerate(ranked) if r == outcome.sentences[0]), 0)
    try:
        reply = ask(prompts.choose_system, prompts.choose_user.format(
            **user_fields, options=f"1. {outcome.answer} (sentence {index + 1})"), choice_schema(1))
    except Exception as err:
        log.warning("answer confirmation failed: %s", err)
        return outcome
    confidence = number_confidence(reply, "choice", range(2))
    if confidence is None:
        return outcome
    chosen = parse_choice(reply, 1) == 1
    return replace(outcome, model_confidence=confidence if chosen else round(1 - confidence, 4))

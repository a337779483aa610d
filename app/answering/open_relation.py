"""An open answer ("a flour bag") comes from a sentence about the question; what someone called
something is what their quotation says "this is" (``characterization``).
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Span, Token

from app.answering.answer_span import Verdict
from app.answering.name_matching import same_name
from app.answering.question_frame import QuestionFrame
from app.answering.question_parse import side_of
from app.answering.relation_lexicon import CAUSING, SPEECH_VERBS, relates


# "What did Kirby call the attacks?": what someone called something.
NAMING_VERBS = frozenset("call describe label term characterize characterise dub brand".split())


def characterization(frame: QuestionFrame, sentence: Span) -> list[Token] | None:
    """What the person the question names called it, in their own words: "… except this is a
    serious threat,” John Kirby told reporters" -> "a serious threat" — the complement of "this
    is" / "it was" inside a quotation whose speaker the question names."""
    named = [text for text, label in frame.constraints if label in ("PERSON", "ORG")]
    speakers = [t for t in sentence if t.lemma_.lower() in SPEECH_VERBS and t.pos_ == "VERB"
                and any(side_of(c) == "subject" and same_name(c.text, " ".join(named)) for c in t.children)]
    for speaker in speakers:
        for copula in (t for t in speaker.subtree if t.lemma_ == "be" and t.i != speaker.i):
            subject = next((c for c in copula.children if c.dep_ == "nsubj"), None)
            complement = next((c for c in copula.children if c.dep_ in ("attr", "acomp")), None)
            if subject is not None and complement is not None and subject.lower_ in ("this", "it", "that", "they"):
                return list(complement.subtree)
    return None


def _open_relation(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token]) -> Verdict:
    """An open answer ("a flour bag") must come from a sentence that is about the question: its
    verb, or most of its content words."""
    if frame.verbs and frame.verbs <= NAMING_VERBS and (said := characterization(frame, sentence)) \
            and {t.i for t in said} <= {t.i for t in tokens} | {t.i for t in said if t.is_punct}:
        return Verdict(True, strength=2)
    lemmas = {t.lemma_.lower() for t in sentence}
    # The main relation: "What caused the problem on the plane that crashed?" is not stated by a
    # sentence about the crash.
    asked = frame.verbs - frame.clause_verbs or frame.verbs
    if asked and any(relates(asked, lemma) for lemma in lemmas):
        return Verdict(True, strength=2)
    if frame.verbs & CAUSING:  # "What caused the fire?": a sentence about the fire that names no cause
        return Verdict(False, f"the sentence does not say what {'/'.join(sorted(frame.verbs & CAUSING))}d it",
                       "wrong-relation")
    shared = frame.content & lemmas
    if frame.content and len(shared) / len(frame.content) >= 0.5:
        return Verdict(True, strength=1)
    return Verdict(False, "the sentence is not about what the question asks", "wrong-relation")

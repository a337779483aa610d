"""Finding answers in a sentence without the model: every span of the asked type that verifies
(app/answering/verification.py), the one the question prefers of several, and an open question's
slot filler. The answer flow (app/answering/sentences.py) answers from these when they settle it and
offers them to the generator to choose from when they do not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from app.answering.pronouns import personal_pronoun
from app.answering.question_frame import AnswerKind, QuestionFrame, is_content, number_value, relates
from app.answering.verification import (NAMING_VERBS, Verdict, characterization, example_of, of_asked_type,
                                        span_value, verify_tokens)


@dataclass(frozen=True)
class Candidate:
    text: str
    start: int  # character offsets into the sentence
    end: int
    verdict: Verdict = field(default_factory=lambda: Verdict(True))
    label: str = ""  # its entity label ("" for a bare number)
    tokens: tuple[int, ...] = ()  # its tokens' indices in the parsed document
    attached_to: int = -1  # the index of the token its phrase hangs on, and how ("appos", "conj")
    attachment: str = ""
    value: float | None = None  # a count's value ("two dozen" -> 24)


def open_answer(frame: QuestionFrame, sentence: Span) -> str | None:
    """The phrase filling an open question's slot under its verb: "What was the missile hidden in?"
    + "the missile was hidden in a flour bag" -> "a flour bag"; "What did he call the attacks?" +
    "Kirby called the attacks a serious threat" -> "a serious threat"."""
    if frame.kind != AnswerKind.OPEN or not frame.slot or not frame.verbs:
        return None
    if frame.slot == "activity":
        return _activity(frame, sentence)
    if frame.slot == "object" and frame.verbs <= NAMING_VERBS and (said := characterization(frame, sentence)):
        return sentence.doc[said[0].i: said[-1].i + 1].text
    for verb in (t for t in sentence if relates(frame.verbs, t.lemma_) and t.pos_ in ("VERB", "AUX")):
        for child in verb.children:
            if frame.slot == "subject":
                heads = [child] if child.dep_ in ("nsubj", "nsubjpass", "csubj") else []
            elif frame.slot == "object":
                heads = [child] if child.dep_ in ("dobj", "oprd", "attr", "ccomp") else []
            else:
                heads = [c for c in child.children if c.dep_ == "pobj"] \
                    if child.dep_ == "prep" and child.lower_ == frame.slot else []
            for head in heads:
                phrase = [t for t in head.subtree]
                if any(is_content(t) and t.lemma_.lower() not in frame.content for t in phrase):
                    return sentence.doc[phrase[0].i: phrase[-1].i + 1].text
    return None


def _activity(frame: QuestionFrame, sentence: Span) -> str | None:
    """"What was he doing when the explosion occurred?" + "When the explosion occurred, I was looking
    out of the window": the progressive verb phrase the same "when" clause is attached to."""
    for occasion in (t for t in sentence if t.dep_ == "advcl" and relates(frame.verbs, t.lemma_)):
        doing = occasion.head
        if doing.tag_ != "VBG" or not any(c.dep_ == "aux" and c.lemma_ == "be" for c in doing.children):
            continue
        objects = [c for c in doing.rights if c.dep_ in ("dobj", "prep", "prt", "xcomp", "attr", "acomp")]
        if objects:
            end = max(t.i for c in objects for t in c.subtree)
            # "looking out of the window and shrapnel hit my head": the phrase ends at a conjunction.
            end = next((t.i - 1 for t in sentence.doc[doing.i: end + 1] if t.dep_ == "cc"), end)
            return sentence.doc[doing.i: end + 1].text
    return None


def candidates(frame: QuestionFrame, sentence: Span, context: str = "",
               similar: Callable[[str, str], float] | None = None) -> list[Candidate]:
    """Spans of the asked type in ``sentence`` that verify, best first."""
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        return []
    spans: list[tuple[list[Token], str]] = []
    for ent in sentence.ents:
        if of_asked_type(frame, ent):
            spans.append((list(ent), ent.label_))
    if frame.kind in (AnswerKind.PERSON, AnswerKind.NAME, AnswerKind.PLACE):
        covered = {t.i for s, _ in spans for t in s}
        spans += [([*(c for c in t.lefts if c.dep_ in ("compound", "amod")), t], "") for t in sentence
                  if example_of(t, frame.focus) and t.i not in covered]
    if frame.kind == AnswerKind.PERSON:  # “…,” he said: resolved (or dropped) by the answer flow
        spans += [([t], "PRON") for t in sentence if personal_pronoun([t])]
    if frame.kind == AnswerKind.NUMBER:
        covered = {t.i for s, _ in spans for t in s}
        spans += [([t], "") for t in sentence if number_value(t) is not None and t.i not in covered]
    found = []
    for tokens, label in spans:
        verdict = verify_tokens(frame, sentence, tokens, context, similar)
        if verdict:
            start = tokens[0].idx - sentence.start_char
            end = tokens[-1].idx + len(tokens[-1].text) - sentence.start_char
            root = next((t for t in tokens if t.head.i not in {u.i for u in tokens} or t.head.i == t.i), tokens[-1])
            found.append(Candidate(sentence.text[start:end], start, end, verdict, label, tuple(t.i for t in tokens),
                                   root.head.i, root.dep_,
                                   span_value(tokens) if frame.kind == AnswerKind.NUMBER else None))
    return sorted(found, key=lambda c: -c.verdict.strength)


_BROAD_PLACES = frozenset("country nation state province region county island continent".split())


def preferred(frame: QuestionFrame, found: Sequence[Candidate]) -> list[Candidate]:
    """Of several verified candidates in one sentence, those the question prefers:
    - a person over an organisation or country named beside them ("Judge Michael Urbanski" in
      "United States Federal District Judge Michael Urbanski");
    - for a place, the specific one of "Vienna, Austria" (the country when the question asks for one);
    - otherwise the one closest to the asked verb or role, when one is closer than the rest."""
    kept = list(found)
    if frame.kind == AnswerKind.PERSON and any(c.label == "PERSON" for c in kept):
        kept = [c for c in kept if c.label == "PERSON"]
    if frame.kind == AnswerKind.PLACE:
        def inside(c: Candidate, others: Sequence[Candidate]) -> bool:  # "Austria" in "Vienna, Austria"
            return c.attachment in ("appos", "conj", "npadvmod") and any(c.attached_to in o.tokens for o in others)
        broad = frame.focus in _BROAD_PLACES
        outer = [c for c in kept if inside(c, kept)]
        if outer:
            kept = outer if broad else [c for c in kept if c not in outer]
    if len({c.text for c in kept}) > 1:
        nearest = min(c.verdict.distance for c in kept)
        closest = [c for c in kept if c.verdict.distance == nearest]
        if len({c.text for c in closest}) == 1:
            kept = closest
    return kept

"""Finding answers in a sentence without the model: every span of the asked type that verifies
(app/answering/verification.py), the one the question prefers of several, and an open question's
slot filler. The answer flow (app/answering/sentences.py) answers from these when they settle it and
offers them to the generator to choose from when they do not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from app.answering.pronouns import personal_pronoun
from app.answering.question_frame import PAIR, AnswerKind, QuestionFrame, is_content, number_value, relates
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


_NAME_LINKS = frozenset("name call dub".split())


def _core_phrase(head: Token) -> list[Token]:
    """A noun phrase without what follows its head's comma: "51 Pegasi b" of "51 Pegasi b, a
    Jupiter-like gas giant …"."""
    lefts = [t for c in head.lefts if c.dep_ not in ("punct", "cc") for t in c.subtree]
    return sorted([*lefts, head], key=lambda t: t.i)


def score_spans(sentence: Span) -> list[tuple[list[Token], str]]:
    """The scores and tallies in a sentence ("43–5", "66 to 27", "22 points to 10")."""
    found = []
    for match in PAIR.finditer(sentence.text):
        span = sentence.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None:
            found.append((list(span), ""))
    return found


def instances(frame: QuestionFrame, sentence: Span) -> list[list[Token]]:
    """"Which planet did they discover?" asks for a noun that no entity type covers: the phrase the
    sentence equates with that noun — "The planet they found was 51 Pegasi b", "51 Pegasi b is the
    planet", "K2-18b, a planet circling a star", "a planet named K2-18b"."""
    if not frame.focus:
        return []
    found = []
    for noun in (t for t in sentence if t.lemma_.lower() == frame.focus and t.pos_ == "NOUN"):
        linked = []
        if noun.dep_ in ("nsubj", "nsubjpass", "attr") and noun.head.lemma_ == "be":
            other = "attr" if noun.dep_ != "attr" else "nsubj"
            linked += [c for c in noun.head.children if c.dep_ == other]
        linked += [c for c in noun.children if c.dep_ == "appos"]
        if noun.dep_ == "appos":
            linked.append(noun.head)
        linked += [o for c in noun.children if c.dep_ == "acl" and c.lemma_.lower() in _NAME_LINKS
                   for o in c.children if c.dep_ in ("oprd", "attr", "dobj")]
        for head in linked:
            phrase = _core_phrase(head)
            if any(t.pos_ in ("PROPN", "NUM") for t in phrase) and noun not in phrase:
                found.append(phrase)
    return found


def candidates(frame: QuestionFrame, sentence: Span, context: str = "",
               similar: Callable[[str, str], float] | None = None) -> list[Candidate]:
    """Spans of the asked type in ``sentence`` that verify, best first."""
    if frame.kind == AnswerKind.REASON:
        return []
    if frame.kind == AnswerKind.OPEN:
        return _verified(frame, sentence, [(phrase, "") for phrase in instances(frame, sentence)], context, similar)
    if frame.paired:
        return _verified(frame, sentence, score_spans(sentence), context, similar)
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
    return _verified(frame, sentence, spans, context, similar)


def _verified(frame: QuestionFrame, sentence: Span, spans: Sequence[tuple[list[Token], str]], context: str,
              similar: Callable[[str, str], float] | None) -> list[Candidate]:
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

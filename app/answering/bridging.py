"""Bridge questions: the asked fact is about a person the question only describes, and the article
that states the fact may not repeat the description.

"How old is the truck driver involved in the June 2019 crash that killed seven members of the
Marine JarHeads motorcycle club?": the driver's name is in one article, his age in another that does
not mention the club. The question is read with spaCy: a role noun ("driver", "commander", "man")
with a clause that identifies it ("involved in …", "who was killed at …"), while the question asks
something else about it. Then, each step verified like any question (app/answering/subquestions.py):

1. "Who is <the description>?": a person who holds that role in a sentence of an article that
   the description's names and years hold for;
2. the question with that name in place of the description ("How old is Volodoymyr Zhukovskyy?").

Both sentences are cited. If either step is not stated, the question goes to the single-answer
flow as it is (None), which answers it only if one sentence states it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc

# The role nouns a person holds: what "Who is the <role> …?" asks (the question frame's lexicon).
from app.answering.noun_classes import names_a_person
from app.answering.question_frame import AnswerKind, analyse_question
from app.answering.sentences import cite_sentences, word_similarity
from app.answering.subquestions import Asking, AskingPipeline, combined_answer, merged
from app.types import Answer

if TYPE_CHECKING:
    from app.retrieval import Filters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bridge:
    description: str  # "the truck driver involved in the June 2019 crash that killed …"
    role: str  # "driver"
    who: str  # "Who is the truck driver involved in …?"
    template: str  # the question with "{name}" in place of the description

    def resolved(self, name: str) -> str:
        return self.template.replace("{name}", name)


def read_bridge(doc: Doc) -> Bridge | None:
    """The described person the question asks about, or None when it names what it asks about."""
    frame = analyse_question(doc)
    for noun in doc:
        if noun.pos_ != "NOUN" or not names_a_person(noun):
            continue
        if not any(child.dep_ in ("relcl", "acl") for child in noun.children):
            continue  # "the driver" alone: nothing to find him by
        if noun.tag_ == "NNS":
            continue  # "the two scientists who …": no one name to put in their place
        if frame.kind == AnswerKind.PERSON and frame.focus == noun.lemma_.lower():
            continue  # "Who is the driver who …?" asks the name itself: the single-answer flow
        span = doc[noun.left_edge.i: noun.right_edge.i + 1]
        naming = [*doc[noun.left_edge.i: noun.i + 2], *(c for c in noun.children if c.dep_ == "appos")]
        if any(t.ent_type_ == "PERSON" for t in naming):
            continue  # "the resident Hamza Mishaan", "the driver, John Smith, who …": named already
        outside = [t for t in doc if not span.start <= t.i < span.end]
        if not any(t.pos_ in ("VERB", "AUX") and t.lemma_ != "do" for t in outside):
            continue  # the question's own verb parsed into the clause ("did the resident X speak to")
        asking = next((t for t in doc if t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
        if asking is None or span.start <= asking.i < span.end or asking.sent != noun.sent:
            continue  # the question word in the description (it is the question), or in another sentence
        description = span.text
        template = doc.text[:span.start_char] + "{name}" + doc.text[span.end_char:]
        return Bridge(description, noun.lemma_.lower(), f"Who is {description}?", template)
    return None


def answer_bridge(pipeline: AskingPipeline, question: str, filters: Filters | None, top_k: int | None,
                  temperature: float | None, done: Callable[..., dict]) -> Answer | None:
    """The answer through the described person's name, both steps cited; None when the question
    describes no one or no one is found (the single-answer flow answers it)."""
    nlp = pipeline.nlp
    bridge = read_bridge(nlp(question))
    if bridge is None:
        return None
    asking = Asking(pipeline, filters, top_k, temperature, word_similarity(pipeline.embeddings))
    # The role is the asked relation: the description's verbs ("killed seven members") say which
    # event, and its names and years must hold for the article, not for the naming sentence.
    frame = analyse_question(nlp(bridge.who))
    found, first_retrieved = asking.verified(bridge.who, replace(frame, verbs=frozenset()))
    name = None if found.refused else person_named(nlp, found.answer, " ".join(r.text for r in found.sentences))
    if name is None:
        return None
    resolved = bridge.resolved(name)
    outcome, retrieved = asking.verified(resolved)
    everything = merged(first_retrieved, retrieved)
    if outcome.refused:
        # The original question may still be stated by one sentence: the single-answer flow decides.
        log.info("bridge %r -> %r not stated: %s", bridge.description, name, outcome.reason)
        return None
    stated, citations = cite_sentences([(ref, o.origin) for o in (found, outcome) for ref in o.sentences])
    answer = outcome.answer.strip()
    text = f"{answer[:1].upper()}{answer[1:]} ({name}). {' '.join(stated)}" if answer else " ".join(stated)
    raw = " | ".join(o.raw for o in (found, outcome) if o.raw) or None
    return combined_answer(text, citations, everything, lambda **f: {**done(**f), "standalone_question": resolved},
                           raw)


def person_named(nlp: Language, answer: str, sentence: str) -> str | None:
    """The one person's name in an answer span ("commercial driver Volodoymyr Zhukovskyy"), as the
    stating sentence's parse tags it (a bare span parses worse than its sentence)."""
    people = {e.text for e in nlp(sentence).ents if e.label_ == "PERSON" and (e.text in answer or answer in e.text)}
    return people.pop() if len(people) == 1 else None

"""What a question asks for, read off its spaCy parse: ``analyse_question(doc) -> QuestionFrame``
(the answer's kind and entity labels, the thing counted or the role asked about, the relation's
verbs, the names and years that constrain the answer), which app/answering/verification.py checks a
pick against.

The lexicon of related verbs and nouns is app/answering/relation_lexicon.py and the parse helpers
app/answering/question_parse.py; their public names are re-exported here, where callers import them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from spacy.tokens import Doc

# Also imported here for callers: the names that moved into the modules split off from this one.
from app.answering.question_parse import (OBJECT_SIDE, SUBJECT_SIDE, _asks_reason, _copular_role, _copular_topic,
                                          _counted_noun, _described_act, _direction, _do_follows,
                                          _do_support_predicate, _focus_of, _in_clause, _label, _named_arguments,
                                          _open_slot, _predicate_fallback, _prepositional, _wh_noun, designators,
                                          governing_verb, infinitive, is_content, number_value, of_object,
                                          scheduling, side_of)
from app.answering.noun_classes import classes_of, noun_classes
from app.answering.relation_lexicon import (_NUMBER_NOUNS, _RELATED, CAUSAL, CAUSING, CONSTRAINT_LABELS, LIGHT_VERBS,
                                            NAME_LABELS, NUMERIC_LABELS, PEOPLE, PERSON_LABELS, PLACE_LABELS,
                                            PLACING_LABELS, SPEECH_VERBS, TIME_LABELS, derived, related, relates)



class AnswerKind(str, Enum):
    NUMBER = "number"
    PERSON = "person"
    TIME = "time"
    PLACE = "place"
    NAME = "name"  # an organisation, event, product … named by a proper noun
    REASON = "reason"  # why / how: an explanatory sentence
    OPEN = "open"  # "What was the missile hidden in?": any phrase, no type to check


@dataclass(frozen=True)
class QuestionFrame:
    """What a question asks for, read off its parse."""

    text: str
    kind: AnswerKind
    labels: frozenset[str]  # entity labels an answer may carry; empty = any
    focus: str | None  # lemma of the thing asked about: "soldier" in "How many US soldiers …"
    verbs: frozenset[str]  # lemmas of the asked relation: "kill"
    constraints: tuple[tuple[str, str], ...]  # (text, label) of names the answer's sentence must be about
    years: frozenset[int]
    numbers: frozenset[float]  # numbers the question gives (an answer repeating one answers nothing)
    content: frozenset[str]  # content lemmas of the question
    role: str | None = None  # "subject" / "object": the side of the verb a who-question asks for
    slot: str | None = None  # for open questions: "subject", "object" or a stranded preposition ("in")
    # Verbs of clauses that describe a noun ("the truck that launched the rockets"): who or what the
    # question is about, not the relation it asks for.
    clause_verbs: frozenset[str] = frozenset()
    adverbial: frozenset[str] = frozenset()  # a relation without a verb: "aboard"
    categories: frozenset[str] = frozenset()  # "women's", "junior": which competition or group
    direction: str | None = None  # "From which city …?": the place is where something came from
    # "the commander of the air base": whose role it is; the stating sentence must name it too.
    focus_of: frozenset[str] = frozenset()
    focus_classes: frozenset[str] = frozenset()  # what the focus noun names (app/answering/noun_classes.py)
    story_years: frozenset[int] = frozenset()  # a lead-in's years: the answer's article names one
    # "Where is the hotel that caught fire?": the thing whose place or time a copula asks for.
    topic: str | None = None
    # "when Caloundra beat Maroochydore": (verb, side, name) of the names the question gives as a
    # verb's subject or object; a sentence with other names there is about another event.
    arguments: tuple[tuple[str, str, str], ...] = ()
    # "round 3", "stage 5", "Flight 610": a numbered designation; the same noun numbered otherwise
    # in the sentence is another round.
    designators: frozenset[tuple[str, float]] = frozenset()
    # "How many of Iowa's 41 delegates …?": a part is asked; the whole's count does not answer.
    partitive: bool = False
    # "What was the final score / the vote?": two numbers ("43–5", "66 to 27"); one does not answer.
    paired: bool = False
    # "When did Trump say he had been killed?": the statement is asked about, not only what it says.
    statement: bool = False


# -- the question ------------------------------------------------------------------------------
def analyse_question(doc: Doc) -> QuestionFrame:
    tokens = [t for t in doc if not t.is_punct]
    lower = [t.lower_ for t in tokens]
    text = doc.text
    kind, labels, focus = AnswerKind.OPEN, frozenset(), None
    # The question word, not a relative "that" before it ("Of the passengers on the bus that
    # crashed, how many were Cuban?").
    wh_index = next((i for i, t in enumerate(tokens) if t.tag_ in ("WDT", "WP", "WP$", "WRB") and t.lower_ != "that"),
                    None)
    wh = lower[wh_index] if wh_index is not None else ""
    after = lower[wh_index + 1] if wh_index is not None and wh_index + 1 < len(tokens) else ""

    if wh == "how" and after in ("many", "much"):
        kind, labels = AnswerKind.NUMBER, NUMERIC_LABELS
        focus = _counted_noun(tokens[wh_index + 1])
    elif wh == "how" and after in ("old", "long", "far", "big", "large", "high", "tall", "deep", "fast", "often"):
        kind, labels = AnswerKind.NUMBER, NUMERIC_LABELS | TIME_LABELS
        focus = after
    elif wh == "when":
        kind, labels = AnswerKind.TIME, TIME_LABELS
    elif wh == "where":
        kind, labels = AnswerKind.PLACE, PLACE_LABELS | frozenset({"ORG"})
    elif wh in ("who", "whom", "whose"):
        kind, labels = AnswerKind.PERSON, PERSON_LABELS | frozenset({"GPE"})
        focus = _copular_role(doc)
    elif wh in ("why",) or (wh == "how" and after not in ("many", "much")) \
            or (wh_index is not None and _asks_reason(tokens[wh_index])):
        kind = AnswerKind.REASON
    elif wh in ("what", "which"):
        noun = _wh_noun(tokens[wh_index]) if wh_index is not None else None
        if noun is not None and noun.lemma_.lower() == "name":
            of_noun = of_object(noun)
            focus = of_noun.lemma_.lower() if of_noun is not None else None
            kind, labels = (AnswerKind.PERSON, PERSON_LABELS) \
                if of_noun is None or "person" in noun_classes(of_noun) else (AnswerKind.NAME, NAME_LABELS)
        elif noun is not None:
            lemma = noun.lemma_.lower()
            focus = lemma
            # What the noun names (WordNet, app/answering/noun_classes.py) says what the answer is;
            # a count or measure first ("rate", "age" also name times in WordNet).
            named = noun_classes(noun)
            measured = {lemma} | {c.lemma_.lower() for c in noun.children if c.dep_ == "compound"}
            if measured & _NUMBER_NOUNS:  # "the age gap", "the vote margin" measure too
                kind, labels = AnswerKind.NUMBER, NUMERIC_LABELS | (TIME_LABELS if "age" in measured else frozenset())
            elif "time" in named:
                kind, labels = AnswerKind.TIME, TIME_LABELS | (NUMERIC_LABELS if lemma == "time" else frozenset())
                of_noun = of_object(noun)
                if lemma == "time" and of_noun is not None and of_noun.lemma_.lower() == "day":
                    labels = frozenset({"TIME"})  # "time of day": a clock time, not a day or a count
                elif lemma == "time" and any(c.dep_ in ("amod", "compound") for c in noun.children):
                    labels = labels - {"DATE"}  # "winning time": a duration, never a day ("yesterday")
            elif "place" in named:
                kind, labels = AnswerKind.PLACE, PLACE_LABELS | frozenset({"ORG"})
            elif "organization" in named:
                kind, labels = AnswerKind.NAME, frozenset({"ORG", "NORP", "GPE", "PERSON", "FAC"})
            elif "facility" in named:
                # "Which airport": a facility is named, not the country it is in.
                kind, labels = AnswerKind.PLACE, frozenset({"FAC", "ORG", "LOC"})
            elif "person" in named or lemma in PEOPLE:
                kind, labels = AnswerKind.PERSON, PERSON_LABELS
    verbs = frozenset(
        t.lemma_.lower() for t in doc
        if (t.pos_ == "VERB" or (t.pos_ == "ADJ" and t.dep_ in ("acomp", "oprd", "ROOT")))
        and t.lemma_.lower() not in LIGHT_VERBS | {"happen", "much", "many"} and not _prepositional(t)
    )
    predicate = frozenset()
    if not any(t.pos_ == "VERB" and t.lemma_.lower() in verbs and not _in_clause(t) for t in doc):
        predicate = _do_support_predicate(doc)
        verbs |= predicate
    if kind in (AnswerKind.TIME, AnswerKind.PLACE):
        verbs -= {t.lemma_.lower() for t in doc if t.dep_ == "ROOT" and scheduling(t)}
    if not verbs and kind in (AnswerKind.TIME, AnswerKind.PLACE, AnswerKind.PERSON):
        verbs = _predicate_fallback(doc)
    # "Who said the attacks are a way to …?" asks for the speaker: the verbs of what was said are
    # its content, not the asked relation.
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    asker = tokens[wh_index] if wh_index is not None else None
    if asker is not None and asker.dep_ == "det":
        asker = asker.head  # "Which expert said …"
    if kind == AnswerKind.PERSON and asker is not None and root is not None \
            and root.lemma_.lower() in SPEECH_VERBS and asker.head.i == root.i and asker.dep_ in ("nsubj", "nsubjpass"):
        verbs = frozenset({root.lemma_.lower()})
    # "given a life sentence", "imposed a ban", "launched an investigation": the object names the
    # relation as much as the verb ("was sentenced", "banned", "investigated").
    verbs |= {c.lemma_.lower() for t in doc if t.lemma_.lower() in _SUPPORT_VERBS and t.lemma_.lower() in verbs
              for c in t.children if c.dep_ == "dobj" and c.pos_ == "NOUN"}
    # "the death toll": the compound names what is counted, so it is the asked relation ("killed 17").
    verbs |= {c.lemma_.lower() for t in doc if t.lemma_.lower() in ("toll", "tally")
              for c in t.children if c.dep_ == "compound" and c.pos_ == "NOUN"}
    constraints = tuple(dict.fromkeys((e.text, _label(e)) for e in doc.ents if e.label_ in CONSTRAINT_LABELS))
    years = frozenset(int(t.text) for t in doc if re.fullmatch(r"(1[89]|20)\d\d", t.text))
    numbers = frozenset(v for t in doc if (v := number_value(t)) is not None)
    content = frozenset(t.lemma_.lower() for t in doc if is_content(t))
    role = None
    if wh_index is not None and kind == AnswerKind.PERSON and tokens[wh_index].head.pos_ == "VERB":
        role = {"nsubj": "subject", "nsubjpass": "object", "dobj": "object"}.get(tokens[wh_index].dep_)
    elif wh_index is not None and kind == AnswerKind.NAME and tokens[wh_index].dep_ == "det" \
            and tokens[wh_index].head.head.pos_ == "VERB":  # "Which team beat Caloundra?"
        role = {"nsubj": "subject", "nsubjpass": "object"}.get(tokens[wh_index].head.dep_)
    if wh_index is not None and kind in (AnswerKind.PERSON, AnswerKind.NAME) and _do_follows(tokens, wh_index):
        role = "object"  # "Which network did Mishaan speak to?": the question names the subject itself
    if wh_index is not None and kind == AnswerKind.PERSON and tokens[wh_index].dep_ == "attr" \
            and any(_described_act(c) is not None for c in tokens[wh_index].head.children if c.dep_ == "attr"):
        role = "object"  # "Who is the player accused of assaulting?"
    slot = _open_slot(tokens[wh_index]) if wh_index is not None and kind == AnswerKind.OPEN else None
    # Verbs that say which thing or which occasion, not what is asked ("How many crew were aboard
    # when it caught fire?").
    # The do-question's own verb is never one, even where the parser hangs it on a relative clause
    # ("Which network did the injured resident Hamza Mishaan speak to?").
    clause_verbs = frozenset(t.lemma_.lower() for t in doc if t.lemma_.lower() in verbs and _in_clause(t)) - predicate
    # A relation said without a verb: "How many crew members were aboard …?", "… among the dead?"
    adverbial = frozenset(t.lemma_.lower() for t in doc if t.lemma_.lower() in _RELATED
                          and (t.pos_ in ("ADV", "ADP") or (t.dep_ == "pobj" and t.pos_ == "ADJ")))
    # "the women's 400 metres hurdles": a category the answer's article must be about.
    categories = frozenset(t.lemma_.lower() for t in doc if t.lemma_.lower() in _CATEGORIES
                           and t.dep_ in ("poss", "amod", "compound", "nmod"))
    return QuestionFrame(text=text, kind=kind, labels=labels, focus=focus, verbs=verbs, constraints=constraints,
                         years=years, numbers=numbers, content=content, role=role, slot=slot,
                         clause_verbs=clause_verbs, adverbial=adverbial, categories=categories,
                         direction=_direction(tokens, wh_index), focus_of=_focus_of(doc, focus),
                         focus_classes=classes_of(focus, doc._.lexicon) if focus else frozenset(),
                         topic=_copular_topic(doc, focus), arguments=_named_arguments(doc, verbs),
                         designators=designators(doc),
                         partitive=kind == AnswerKind.NUMBER and wh_index is not None
                         and lower[wh_index + 1: wh_index + 3] in (["many", "of"], ["much", "of"]),
                         paired=kind == AnswerKind.NUMBER and wh in ("what", "which") and focus in PAIRED_NOUNS,
                         statement=root is not None and root.lemma_.lower() in SPEECH_VERBS)


def narrowed_by(frame: QuestionFrame, lead_in: Doc) -> QuestionFrame:
    """The frame with the names and years a lead-in gives ("In March 2020, a ferry capsized near
    Dhaka. How many were rescued?"): they say which story, so the answer's article must name them,
    as it must the question's own (the sentence need not restate them). A lead-in's year dates the
    story, not the asked fact: "In February 2006, a study found …" is answered by its survey "between
    July 2003 and December 2004", so another year in the sentence does not contradict it."""
    names = tuple((e.text, _label(e)) for e in lead_in.ents if e.label_ in CONSTRAINT_LABELS)
    years = frozenset(int(t.text) for t in lead_in if re.fullmatch(r"(1[89]|20)\d\d", t.text))
    return replace(frame, constraints=tuple(dict.fromkeys(frame.constraints + names)),
                   story_years=frame.story_years | (years - frame.years))


_CATEGORIES = frozenset("woman man girl boy female male junior senior youth amateur paralympic wheelchair".split())


# Verbs whose object names the event: "give a sentence", "impose a ban", "launch an attack".
_SUPPORT_VERBS = frozenset("give hand impose issue launch stage conduct carry deliver".split())


PAIRED_NOUNS = frozenset("score scoreline vote tally".split())
# "43–5", "66 to 27", "22 points to 10": a score or a vote's tally.
PAIR = re.compile(r"\b\d[\d,]*(?:\s*points?)?\s*(?:to|–|-|—)\s*\d[\d,]*\b")

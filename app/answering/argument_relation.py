"""A person, time, place or name states the asked relation: it holds the asked role or hangs on the
asked verb, on the asked side, and not in another clause (nor is it whose title or where from).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spacy.tokens import Span, Token

from app.answering.answer_span import Verdict
from app.answering.dependency_tree import _phrase_head, _role, _saying_verb, dependency_distance, dependency_path
from app.answering.question_frame import AnswerKind, QuestionFrame
from app.answering.noun_classes import names_a_person
from app.answering.relation_lexicon import LIGHT_VERBS, PEOPLE, PLACING_LABELS, SPEECH_VERBS, relates


def _argument_relation(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token],
                       similar: Callable[[str, str], float] | None) -> Verdict:
    """A person, date, place or name must hang on the asked role noun or verb, not elsewhere."""
    answer_ids = {t.i for t in tokens}
    others = [t for t in sentence if t.i not in answer_ids]
    if all(t.ent_type_ == "NORP" and t.dep_ in ("amod", "compound") for t in tokens):
        # "an Iraqi researcher", "the Spanish island of Majorca": a nationality describing someone or
        # something, not who or which it is.
        return Verdict(False, f"“{' '.join(t.text for t in tokens)}” describes {tokens[-1].head.text}, it does not name "
                              "anyone", "wrong-argument")
    head = _phrase_head(tokens[-1])
    if frame.kind in (AnswerKind.PERSON, AnswerKind.NAME) and all(t.ent_type_ in ("GPE", "NORP") for t in tokens) \
            and head.dep_ in ("amod", "compound", "nmod") and head.head.pos_ == "NOUN" \
            and head.head.lemma_.lower() != frame.focus:
        # "an Iraqi air base housing U.S. military personnel": a country describing the personnel
        # does not name the base.
        return Verdict(False, f"“{' '.join(t.text for t in tokens)}” describes {head.head.text}, it does not name "
                              f"the {frame.focus or 'one asked for'}", "wrong-argument")
    if frame.focus and frame.kind in (AnswerKind.PERSON, AnswerKind.NAME) and "organization" not in frame.focus_classes:
        roles = [t for t in others if t.lemma_.lower() == frame.focus or
                 (similar is not None and t.pos_ == "NOUN" and similar(frame.focus, t.lemma_.lower()) >= 0.6)]
        if roles:
            # "Pentagon spokesman John Kirby", "the driver of the truck, Ali Hassan", "X is the driver":
            # a short path through nouns (and a copula), never through another verb's clause.
            if any(_role_link(a, r) for a in tokens for r in roles):
                words = {t.lemma_.lower() for t in sentence} | {t.lower_ for t in sentence}
                if frame.focus_of and not frame.focus_of & words:
                    # "Iranian commander Qasim Soleimani" is not the commander of the air base.
                    return Verdict(False, f"the sentence does not say whose {frame.focus} "
                                          f"“{' '.join(t.text for t in tokens)}” is", "wrong-argument")
                return Verdict(True, strength=2)
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is not the {frame.focus} in the sentence",
                           "wrong-argument")
        if not frame.verbs - frame.clause_verbs:
            # "the driver of the truck that launched the rockets": "launched" says which truck; a
            # person near it is not shown to be the driver.
            return Verdict(False, f"the sentence does not say who the {frame.focus} is", "wrong-argument")
    if frame.kind == AnswerKind.PLACE:
        preposition = head.head if head.dep_ == "pobj" else None
        said = preposition.lower_ if preposition is not None else ""
        holder = _title_holder(head)
        if holder is not None and _asks_location(frame):
            # "Robert Mugabe, former president of Zimbabwe, has died": a title says where someone
            # holds office, not where the asked event happened ("Which state declared an
            # emergency?" is answered by "the governor of Louisiana declared …").
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” says whose {holder.text} it is, not where",
                           "wrong-argument")
        if frame.direction and said not in ({"from"} if frame.direction == "from" else _TOWARDS):
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is not where it {frame.direction}", "wrong-relation")
        if not frame.direction and said in ("from", "of") and preposition.head.ent_type_ == "PERSON" \
                and not frame.verbs & _ORIGIN_VERBS:
            # "Eliud Kipchoge from Kenya ran …": where he is from, not where he ran.
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” says where {preposition.head.text} is from",
                           "wrong-argument")
    if frame.kind in (AnswerKind.PLACE, AnswerKind.TIME) and frame.topic and not frame.verbs - frame.clause_verbs:
        # "In which province is the base that was hit?": the place of the base ("the base in western
        # Anbar province"), whatever the clause that says which base.
        topics = [t for t in others if t.lemma_.lower() == frame.topic]
        if topics:
            distance = min(dependency_distance(a, r) for a in tokens for r in topics)
            if distance <= 3:
                return Verdict(True, strength=2, distance=distance)
    if frame.kind == AnswerKind.PERSON and frame.verbs and frame.verbs <= SPEECH_VERBS:
        # "Who said that <X>?": the speaker of another statement is not the answer; the sentence
        # must carry most of what the question says was said.
        said = frame.content - frame.verbs - {frame.focus}
        lemmas = {t.lemma_.lower() for t in sentence}
        if said and len(said & lemmas) / len(said) < 0.5:
            return Verdict(False, "the sentence is not the statement the question quotes", "wrong-relation")
    if frame.verbs:
        # The main clause's relation ("Who was piloting the helicopter that crashed …?": piloting),
        # not a clause that only says which helicopter.
        asked = frame.verbs - frame.clause_verbs or frame.verbs
        anchors = [t for t in others if relates(asked, t.lemma_)]
        if not anchors:
            return Verdict(False, f"the sentence does not say {', '.join(sorted(frame.verbs))}", "wrong-relation")
        distance, answer, anchor = min(((dependency_distance(a, r), a, r) for a in tokens for r in anchors),
                                       key=lambda x: x[0])
        # A time or place may sit a few arcs from its verb ("crashed in a field near Karaj"), but not
        # in another verb's clause ("crashed near Karaj after taking off from Tehran").
        limit = 5 if frame.kind in (AnswerKind.TIME, AnswerKind.PLACE) else 3
        # The sentence's only place may hang on a clause of the asked event's own phrase ("killed five
        # girls at an escape room the group was visiting to celebrate a birthday in Koszalin"): no
        # other place competes for it.
        sole = frame.kind == AnswerKind.PLACE and _sole_place(sentence, tokens)
        if distance > limit and not sole:
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” belongs to another part of the sentence "
                                  f"than {anchor.text}", "wrong-relation")
        if frame.kind in (AnswerKind.TIME, AnswerKind.PLACE):
            between = [t for t in dependency_path(answer, anchor) or [] if t.pos_ == "VERB"
                       and (t.lemma_.lower() not in LIGHT_VERBS | {"make"} or any(c.dep_ == "prt" for c in t.children))
                       and not relates(frame.verbs, t.lemma_)  # "taking off" is not light
                       # "sent an email" says "emailed": a verb whose object names the relation
                       and not (anchor.head.i == t.i and anchor.dep_ == "dobj")]
            if between and not sole:
                return Verdict(False, f"“{' '.join(t.text for t in tokens)}” belongs to “{between[0].text}”, "
                                      f"not to “{anchor.text}”", "wrong-relation")
            # "On Saturday, Trump said Hamza bin Laden has been killed": the day of the statement, not
            # of the killing it reports.
            said = _saying_verb(answer) if frame.kind == AnswerKind.TIME and not frame.statement else None
            if said is not None and said.i != anchor.i and anchor in said.subtree:
                return Verdict(False, f"“{' '.join(t.text for t in tokens)}” dates when it was {said.text}, not "
                                      f"when {anchor.text}", "wrong-relation")
            if _role(tokens[-1]) == "subject" and answer.ent_type_ not in ("GPE", "LOC"):
                return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is who {anchor.text}, not where or when",
                               "wrong-argument")
        # "ABC News reported Trump is expected to win": who reports an event did not do it.
        reporter = _phrase_head(tokens[-1]).head
        if frame.role and _role(tokens[-1]) == "subject" and reporter.i != anchor.i \
                and reporter.lemma_.lower() in SPEECH_VERBS and not frame.verbs & SPEECH_VERBS:
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is who {reporter.text} it, not who "
                                  f"{anchor.text}", "wrong-argument")
        # "Cruz said she would challenge Pierluisi's oath": who is named inside what was said did
        # not say it, however far down the statement.
        governor = head.head
        if frame.role and anchor.pos_ == "VERB" and anchor.lemma_.lower() in SPEECH_VERBS and governor.i != anchor.i \
                and governor.pos_ in ("VERB", "AUX") and governor in anchor.subtree and governor.dep_ == "ccomp":
            return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is named in what was {anchor.text}, not who "
                                  f"{anchor.text} it", "wrong-argument")
        # Who did it, or to whom: "Hamilton beat Verstappen" answers "Who won?" with Hamilton only.
        if frame.role and distance <= 2:
            role = _role(tokens[-1])
            if role and role != frame.role and anchor.pos_ in ("VERB", "NOUN"):
                return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is the {role} of “{anchor.text}”; "
                                      f"the question asks for its {frame.role}", "wrong-argument")
            if role and anchor.pos_ == "VERB" and governor.i != anchor.i and governor.pos_ in ("VERB", "AUX"):
                # "X said the attacks … and Syria are …": the subject of what was said is not the speaker.
                return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is the {role} of “{governor.text}”, "
                                      f"not of “{anchor.text}”", "wrong-argument")
        return Verdict(True, strength=2, distance=distance)
    return Verdict(True, strength=1)


def _title_holder(place: Token) -> Token | None:
    """The person noun a place describes: "president of Zimbabwe", "Zimbabwe's president"."""
    if place.dep_ == "pobj" and place.head.lower_ == "of":
        noun = place.head.head
    elif place.dep_ in ("poss", "compound"):
        noun = place.head
    else:
        return None
    return noun if noun.pos_ == "NOUN" and (noun.lemma_.lower() in PEOPLE or names_a_person(noun)) else None


def _asks_location(frame: QuestionFrame) -> bool:
    """"Where …?", "In which country …?": where something happened, not which place did it."""
    return re.match(r"\W*(?:where\b|(?:in|at|on|from|to|into|near|off|inside|outside)\s+(?:which|what)\b)",
                    frame.text.lower()) is not None


def _sole_place(sentence: Span, tokens: Sequence[Token]) -> bool:
    """No place besides the answer (and the place given with it: "Koszalin, North Poland") in the
    sentence, and the answer not where someone is from."""
    ids = {t.i for t in tokens}
    given_with = {t.i for t in sentence if t.head.i in ids and t.dep_ in ("appos", "conj", "npadvmod")}
    others = [e for e in sentence.ents if e.label_ in PLACING_LABELS and not ({t.i for t in e} & (ids | given_with))]
    head = _phrase_head(tokens[-1])
    return not others and not (head.dep_ == "pobj" and head.head.lower_ in ("from", "of"))


_TOWARDS = frozenset("to into toward towards for at in".split())
_ORIGIN_VERBS = frozenset("bear come hail originate grow raise".split())


def _role_link(answer: Token, role: Token) -> bool:
    """The answer names who holds the role: "Pentagon spokesman John Kirby", "the driver, Ali
    Hassan"; not "the deputy commander of the PMF" (whose commander) nor "a Hezbollah official"
    (whose official) — a group or place describing the role names no one."""
    path = dependency_path(answer, role)
    if path is None or len(path) > 2 or any(t.pos_ == "VERB" or t.ent_type_ == "PERSON" for t in path):
        return False  # through a verb's clause, or through the person who holds the role
    top = answer  # the phrase the name heads
    while top.dep_ in ("compound", "flat", "det") and top.head.i not in (top.i, role.i):
        top = top.head
    if top.dep_ == "pobj" and top.head.head.i == role.i and top.head.lower_ in ("of", "for", "at", "in"):
        return False
    return not (answer.ent_type_ in ("ORG", "GPE", "NORP") and top.dep_ in ("compound", "amod", "poss")
                and top.head.i == role.i)

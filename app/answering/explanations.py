"""Why and how answers: the sentence is about the question and gives a cause, purpose or means of the
asked action (``explains``, ``gives_cause``), not of another clause.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from app.answering.answer_span import Verdict, asks
from app.answering.dependency_tree import _matches_verb
from app.answering.question_frame import QuestionFrame
from app.answering.question_parse import infinitive
from app.answering.relation_lexicon import CAUSAL, CAUSING, LIGHT_VERBS, SPEECH_VERBS, relates


_PURPOSE_NOUNS = frozenset("attempt bid effort order aim".split())
_PURPOSE_VERBS = frozenset("prevent avoid ensure protect".split())
# "vowed to retaliate after the airstrike": an event given with the asked action is its occasion;
# elsewhere in a sentence these only date something.
_EVENT_PREPOSITIONS = frozenset("after following amid over".split())


def _occasion_of(word: Token) -> Token:
    """The verb an "after …" phrase or clause is attached to."""
    return word.head.head if word.dep_ == "mark" else word.head


# "Why was the vehicle able to get through the checkpoint?": what it had to do so is the reason.
_ABILITY = frozenset("able could can managed manage allowed unable".split())


# "the plane turned back with a mechanical problem": a trouble given with the asked action is why.
_TROUBLE = frozenset("problem fault failure malfunction issue trouble difficulty emergency defect".split())


def _method(sentence: Span) -> bool:
    """How it was done: "used satellite imagery to identify …", "by comparing …"."""
    return any(t.lemma_.lower() in ("use", "employ") and any(infinitive(c) for c in t.children
                                                              if c.dep_ in ("xcomp", "advcl"))
               for t in sentence) \
        or any(t.lower_ == "by" and any(c.dep_ == "pcomp" and c.tag_ == "VBG" for c in t.children) for t in sentence)


def _means_to(frame: QuestionFrame, sentence: Span) -> bool:
    """A means to the asked action: "has all the necessary authorizations to pass the checkpoint" —
    a noun with an infinitive that names what the question names."""
    return any(t.dep_ in ("acl", "relcl") and t.head.pos_ == "NOUN" and infinitive(t)
               and {u.lemma_.lower() for u in t.subtree if u.pos_ in ("NOUN", "PROPN")} & frame.content
               for t in sentence)


def _reason_for(mark: Token, asked: frozenset[str]) -> bool:
    """A reason clause gives the reason of the sentence's main statement or of the asked action, not
    of another clause ("… and that the states have standing because …" does not say why they argue)."""
    explained = _occasion_of(mark)
    if explained.dep_ == "parataxis" and explained.lemma_.lower() in SPEECH_VERBS:
        explained = explained.head  # "Because warm water is buoyant, says the study, it rises …"
    reported = explained.head.dep_ == "ROOT" and explained.dep_ in ("ccomp", "xcomp") \
        and explained.head.lemma_ in SPEECH_VERBS  # "X said the base was hit because …"
    # The main (or reported) statement's reason, when that statement says the asked action ("Tesco
    # has suffered losses … as customer preference has shifted"), not another ("the airlines
    # affected, as they offer flights to Cuba" does not say why flights were restricted; "the
    # motion claims … that the states have standing because …" does not say why it is
    # unconstitutional). Measured: sharing the question's other words let through "Trump declared
    # a state of emergency so he could …" for why the states call it unconstitutional.
    return _says_asked(explained, mark.head, asked, statement=reported)


def _purpose_of(infinitive: Token, asked: frozenset[str], content: frozenset[str]) -> bool:
    """The clause an infinitive of purpose is attached to says the asked action, or is the
    sentence's main statement and says it ("Officials closed the road to prevent looting"). A light
    verb says it by its object ("zebras may have gotten their stripes to confuse flies" for "Why
    did zebras evolve stripes?")."""
    purposed = infinitive.head
    if purposed.lemma_.lower() in LIGHT_VERBS and any(c.dep_ == "dobj" and c.lemma_.lower() in content
                                                       for c in purposed.children):
        return True
    return _says_asked(purposed, infinitive, asked)


def _says_asked(clause: Token, given: Token, asked: frozenset[str], statement: bool = False) -> bool:
    """The clause a reason or purpose (headed by ``given``) is given for says the asked action: its
    verb does, or it is the sentence's main (or a reported) statement and a word of it, outside the
    reason itself, does."""
    if relates(asked, clause.lemma_):
        return True
    inside = {t.i for t in given.subtree}
    return (clause.dep_ == "ROOT" or statement) and any(relates(asked, t.lemma_) for t in clause.subtree
                                                          if t.i not in inside)


# Causal only as verbs: "credited the cool weather", "linked to orcas"; not "to their credit", "a link".
_CAUSAL_VERBS = frozenset({"credit", "link"})


def _causes_other(word: Token, frame: QuestionFrame) -> bool:
    """"What caused the fire?" asks for what caused the fire, not for what else caused something
    ("water bombing was disallowed as it might have caused additional damage"), nor for what the
    fire caused ("A deadly boat fire … resulted in the death of all 33 passengers")."""
    if not frame.verbs & CAUSING or word.pos_ != "VERB" or word.lemma_.lower() not in CAUSING | {"result", "lead"}:
        return False
    objects = [c for c in word.children if c.dep_ == "dobj"]
    subjects = [c for c in word.children if c.dep_ == "nsubj"]  # the causer ("the fire was caused by" is not)
    return (bool(objects) and not any(o.lemma_.lower() in frame.content for o in objects)) \
        or any(s.lemma_.lower() in frame.content for s in subjects)


def _as_a_result(word: Token) -> bool:
    """"result" gives a cause as a verb ("resulted from") or in "as a result", not as a score ("In
    other results, Maroochydore defeated Caboolture")."""
    return word.pos_ == "VERB" or (word.i >= 2 and word.doc[word.i - 2].lower_ == "as")


def _describes_other_noun(word: Token, content: frozenset[str]) -> bool:
    """The word is in a relative clause of a noun the question is not about: "… Emmanuel Macron,
    who was later diagnosed with the disease and which led to contact tracing" says what the
    summit led to, not why the prime minister apologised ("the fire, which was caused by …" still
    explains the fire)."""
    clause = next((a for a in [word, *word.ancestors] if a.dep_ == "relcl"), None)
    return clause is not None and clause.head.lemma_.lower() not in content


_UNKNOWN = frozenset("unknown unclear undisclosed unspecified unexplained undetermined unannounced".split())


def _unknown(word: Token) -> bool:
    """"for reasons not publicized", "for unknown reasons", "No cause of death was announced", "have
    not named a cause": a cause the sentence says is not known answers nothing."""
    if any(c.lemma_.lower() in _UNKNOWN or (c.dep_ == "det" and c.lower_ == "no") for c in word.children):
        return True
    if word.dep_ == "dobj" and any(c.dep_ == "neg" for c in word.head.children):
        return True  # "Authorities have not named a cause for the fire"
    if any(c.dep_ in ("acl", "relcl", "amod") and any(g.dep_ == "neg" for g in c.children) for c in word.children):
        return True
    return word.dep_ in ("nsubj", "nsubjpass") and any(c.dep_ == "neg" for c in word.head.children)


def _to_blame(word: Token) -> bool:
    """"who, if anyone, is to blame": who is responsible is asked, no cause is given."""
    return word.lemma_.lower() == "blame" and word.i > 0 and word.nbor(-1).lower_ == "to"


def explains(frame: QuestionFrame, sentence: Span, title: str = "") -> Verdict:
    """A why/how answer: the sentence is about the question (its verb, or a third of its content
    words counting its article's title) and gives a cause, purpose or means."""
    if asks(sentence):
        return Verdict(False, "the sentence asks a question; it states nothing", "non-answer")
    lemmas = {t.lemma_.lower() for t in sentence}
    content = frame.content - CAUSAL  # "What reason …", "the purpose of …": the question's form
    shared = content & (lemmas | set(re.findall(r"[\w'-]+", title.lower())))
    about = (frame.verbs and _matches_verb(frame, lemmas)) or \
        (content and len(shared) / len(content) >= 0.34)
    if not about:
        return Verdict(False, "the sentence is not about what the question asks", "wrong-relation")
    return Verdict(True, strength=2 if gives_cause(frame, sentence) else 1)


def gives_cause(frame: QuestionFrame, sentence: Span) -> bool:
    """The sentence gives a cause, purpose or means of the asked action. Not an infinitive that only
    completes a verb ("attempting to ascertain"), nor an event given with the clause that says which
    thing ("the plane that crashed following departure")."""
    asked = frame.verbs - frame.clause_verbs or frame.content
    words = set(frame.text.lower().replace("?", " ").split())
    return (
        # "because of", "due to", "fear"; a "because" clause counts only as the reason of what is asked (below)
        any(t.lemma_.lower() in CAUSAL and not _to_blame(t) and t.dep_ != "mark" and not _unknown(t)
            and (t.pos_ == "VERB" or t.lemma_.lower() not in _CAUSAL_VERBS)
            and (t.lemma_.lower() != "result" or _as_a_result(t))
            and not _describes_other_noun(t, frame.content) and not _causes_other(t, frame) for t in sentence)
        # a clause of reason: "as it might have caused …", "so he could …"
        or any(t.dep_ == "mark" and t.lower_ in ("because", "since", "as", "so") and _reason_for(t, asked)
               for t in sentence)
        or any(t.lower_ == "citing" and t.dep_ == "advcl" for t in sentence)  # "citing the health crisis"
        # an event given with the asked action: "vowed to retaliate after the airstrike"
        or any(t.lower_ in _EVENT_PREPOSITIONS and relates(asked, _occasion_of(t).lemma_) for t in sentence)
        # "… to avoid stigma": a purpose of the asked action (or of the statement that says it), not of
        # another clause ("it's gone, freeing the ice sheet to ride out faster")
        or any(t.dep_ == "aux" and t.lower_ == "to" and t.head.dep_ == "advcl"
               and _purpose_of(t.head, asked, frame.content) for t in sentence)
        # "to prevent stigma, it must not …": a purpose verb's infinitive, wherever the parser hangs it
        or any(t.dep_ == "aux" and t.lower_ == "to" and t.head.lemma_.lower() in _PURPOSE_VERBS for t in sentence)
        or any(t.pos_ == "NOUN" and t.lemma_.lower() in _PURPOSE_NOUNS and t.nbor(1).lower_ == "to"
               for t in sentence[:-1])  # "in an attempt to prevent a stall"
        or (bool(_ABILITY & words) and _means_to(frame, sentence))  # "has the authorizations to pass"
        # a trouble given with the asked action: "turned back with a mechanical problem"
        or any(t.lower_ == "with" and relates(asked, _occasion_of(t).lemma_)
               and any(c.dep_ == "pobj" and c.lemma_.lower() in _TROUBLE for c in t.children) for t in sentence)
        or (frame.text.lower().lstrip().startswith("how") and _method(sentence))  # "used satellite imagery to …"
        or _source_account(frame, sentence)
    )


def _source_account(frame: QuestionFrame, sentence: Span) -> bool:
    """"According to The Aviation Herald, why did the plane crash?" asks for that source's account:
    what it reports about the asked event ("The Aviation Herald reported the failed landing at Fath …
    was a mistake") is the answer, whatever words it gives the cause in."""
    source = re.search(r"\baccording to ([^,?]+)", frame.text, re.I)
    names = {w.lower() for w in re.findall(r"\b[A-Z][\w'-]+", source.group(1))} - {"the"} if source else set()
    if not names:
        return False
    for verb in sentence:
        reported = [t for c in verb.children if c.dep_ == "ccomp" for t in c.subtree]
        if verb.lemma_.lower() in SPEECH_VERBS and reported:
            speaker = {t.lower_ for c in verb.children if c.dep_ == "nsubj" for t in c.subtree}
            # What it reports is about the asked event ("the failed landing at Fath" for "crash when
            # landing"), not another of its statements ("the attacks are a way to strengthen support").
            if names & speaker and (not frame.verbs or any(relates(frame.verbs, t.lemma_) for t in reported)):
                return True
    return False

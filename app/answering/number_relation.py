"""A count or amount states the asked relation: it counts the asked noun under the asked verb, and is
not someone's age or a sum of money asked as something else; a score belongs to the asked match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from spacy.tokens import Span, Token

from app.answering.answer_span import Verdict
from app.answering.dependency_tree import _governing, _matches_verb, _nouns_up_to_verb
from app.answering.question_frame import QuestionFrame
from app.answering.question_parse import number_value, of_object
from app.answering.relation_lexicon import LIGHT_VERBS, NUMERIC_LABELS, PEOPLE, TIME_LABELS, related, relates
from app.text import NUMBER_WORDS


_DURATION_UNITS = frozenset("second minute hour day week month year decade century".split())


def _noun_compatible(focus: str, noun: Token, similar: Callable[[str, str], float] | None) -> bool:
    lemma = noun.lemma_.lower()
    if lemma == focus or focus in related(lemma) or lemma in PEOPLE:
        return True
    if noun.lemma_.lower() in _DURATION_UNITS and focus not in _DURATION_UNITS:
        return False  # "the sixteen weeks of protests" counts weeks, not shots
    if noun.lower_ in NUMBER_WORDS or noun.like_num or noun.ent_type_ in NUMERIC_LABELS | TIME_LABELS:
        return True  # a unit or measure ("2.4 million pounds"), not a thing counted
    return similar is not None and similar(focus, lemma) >= 0.5


def counted_noun(number: Token) -> Token | None:
    """The noun a count counts: "four members" -> members; "Fourteen of the projectiles" ->
    projectiles; "45 were aboard" -> None."""
    token = number
    while token.dep_ in ("compound", "quantmod", "nummod", "conj", "cc") and token.head.i != token.i \
            and token.head.like_num:
        token = token.head
    if token.dep_ == "nummod" and token.head.pos_ in ("NOUN", "PROPN"):
        return token.head
    obj = of_object(token)
    if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
        return obj
    return None


def _number_relation(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token],
                     similar: Callable[[str, str], float] | None) -> Verdict:
    number = next((t for t in tokens if number_value(t) is not None), tokens[0])
    if frame.focus == "old" and number.dep_ == "appos" and number.head.ent_type_ == "PERSON":
        # News gives an age in apposition to the name: "Volodoymyr Zhukovskyy, 23, pleaded …".
        asked = [text.split()[-1].lower() for text, label in frame.constraints if label == "PERSON"]
        if number.head.lower_ in asked:
            return Verdict(True, strength=2)
        return Verdict(False, f"“{number.text}” is the age of {number.head.text}", "wrong-argument")
    if frame.focus not in ("old", "age") and _an_age(number):
        return Verdict(False, f"“{number.text}” is someone's age, not a count", "wrong-argument")
    if frame.focus and "money" not in frame.focus_classes and frame.focus not in _SIZE_WORDS and _money(tokens):
        # "How many points had the Dow lost?" is not answered by "lose $1 trillion".
        return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is an amount of money, not of {frame.focus}s",
                       "wrong-argument")
    noun = counted_noun(number)
    if frame.partitive and noun is not None and number.dep_ == "nummod" and number.head.i == noun.i \
            and any(c.dep_ in ("det", "poss") and c.lower_ not in ("a", "an") for c in noun.children):
        # "securing 12 of the state's 41 pledged delegates": 41 is the whole, 12 the part asked for.
        return Verdict(False, f"“{number.text}” counts all the {noun.text}; the question asks how many of them",
                       "wrong-argument")
    anchor = noun if noun is not None else number
    chain, cut_off = _governing(anchor)
    relation_words = [t.lemma_ for t in chain]
    # "closing down 6.4 percent", "ended up 3%": the particle says which way it went.
    relation_words += [c.lemma_ for t in chain for c in t.children
                       if c.dep_ in ("prt", "advmod") and c.lower_ in ("down", "up")]
    if noun is not None:
        relation_words += [c.lemma_ for c in noun.subtree if c.dep_ in ("amod", "acl", "relcl", "compound")]
        relation_words.append(noun.lemma_)  # "deaths", "passengers": the noun itself may be the relation
    relation_words += [c.lemma_ for c in number.children]
    relation_words += [t.lemma_ for t in _nouns_up_to_verb(anchor)]  # "injuries to two personnel"
    for verb in chain:  # "causing minor injuries to two personnel": the injuries say it
        if verb.lemma_.lower() in _CAUSATIVE:
            relation_words += [c.lemma_ for c in verb.children if c.dep_ == "dobj"]
            relation_words += [g.lemma_ for c in verb.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    strength = 1
    if frame.focus and noun is not None and frame.focus not in ("old", "long", "far", "big", "large", "high"):
        if not _noun_compatible(frame.focus, noun, similar) and not _matches_verb(frame, [noun.lemma_]):
            return Verdict(False, f"“{number.text}” counts {noun.text}, not {frame.focus}s", "wrong-argument")
        strength = 2 if noun.lemma_.lower() == frame.focus else strength
    exact = noun is not None and noun.lemma_.lower() == frame.focus
    if frame.verbs or frame.adverbial:
        # The main relation; a clause verb only says which thing or occasion ("the structure that
        # caught fire", "aboard when it caught fire") and is asked only when nothing else is.
        main = frame.verbs - frame.clause_verbs | frame.adverbial
        if any(relates(main or frame.verbs, word) for word in relation_words):
            return Verdict(True, strength=2, counts_focus=exact)
        governing = [t for t in chain if t.pos_ == "VERB" and t.lemma_.lower() not in LIGHT_VERBS]
        if governing and not (not main and relates(frame.clause_verbs, governing[0].lemma_)):
            return Verdict(False, f"“{number.text}” is what was {governing[0].text}, not what the question asks "
                                  f"({', '.join(sorted(main or frame.verbs))})", "wrong-relation")
        if cut_off is not None and main:  # "the plane, which had four people on board, crashed, killing two"
            return Verdict(False, f"“{number.text}” is in a clause of its own, not what the question asks "
                                  f"({', '.join(sorted(main))})", "wrong-relation")
        if main and not any(relates(main, t.lemma_) for t in sentence):
            return Verdict(False, f"the sentence does not say {', '.join(sorted(main))}", "wrong-relation")
    return Verdict(True, strength=strength, counts_focus=exact)


# A question of size an amount of money answers ("How much …?", "How big was the fine?"); a money
# noun as the focus ("What was the company's loss?") is one by WordNet (app/answering/noun_classes.py).
_SIZE_WORDS = frozenset("much old long far big large high many".split())


def _money(tokens: Sequence[Token]) -> bool:
    return any(t.ent_type_ == "MONEY" for t in tokens) or any(t.text in ("$", "€", "£", "¥") for t in tokens)


def _an_age(number: Token) -> bool:
    """"Fourteen-year-old Zoe", "aged 28", "who is 28 years old": an age counts no one."""
    after = "".join(t.lower_ for t in number.doc[number.i + 1: number.i + 5])
    return after.startswith(("-year-old", "year-old", "yearsold", "yearold", "-years-old")) \
        or (number.i > 0 and number.nbor(-1).lower_ == "aged")


def _score_relation(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token]) -> Verdict:
    """A score or tally belongs to the asked relation: the verb or noun it hangs on says it
    ("defeated Caboolture 43–5", "voted 66 to 27", "a 22 points to 10 win"), and not another one
    ("… and University knocked off Noosa 32–22")."""
    asked = (frame.verbs - frame.clause_verbs or frame.verbs) | {frame.focus or ""}
    current = tokens[-1]
    while current.head.i != current.i:
        current = current.head
        if relates(asked, current.lemma_):
            return Verdict(True, strength=2)
        if current.pos_ == "VERB":
            break
    return Verdict(False, f"“{' '.join(t.text for t in tokens)}” is the score of another part of the sentence",
                   "wrong-relation")


# Verbs whose object names what happened: "causing injuries to", "resulted in the deaths of".
_CAUSATIVE = frozenset("cause result inflict suffer sustain".split())

"""The words questions and answers are read with: the entity labels of each answer kind, light and
speech verbs, the groups of lemmas that state one relation (``related``, ``relates``, ``derived``),
the nouns that count people and numbers, and the words of causes. What other nouns name (people,
organisations, places, facilities, times) comes from WordNet: app/answering/noun_classes.py.
"""

from __future__ import annotations

from collections.abc import Iterable


NUMERIC_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
TIME_LABELS = frozenset({"DATE", "TIME"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
PERSON_LABELS = frozenset({"PERSON", "ORG", "NORP"})  # "Who claimed the attack?" may be a group
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
CONSTRAINT_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "LAW",
                               "WORK_OF_ART"})
# Entities that place an event: a sentence naming another one of these than the question is about
# another incident ("Kabul" when the question asks about Jalalabad).
PLACING_LABELS = frozenset({"GPE", "LOC", "FAC", "EVENT"})


# Verbs that carry no relation of their own: the relation is in their complement ("were confirmed
# dead", "is reported to have killed").
LIGHT_VERBS = frozenset("""be have do say tell report confirm include leave total number make take get become
remain seem appear state add note believe estimate put receive obtain earn hold contain involve
accord record register""".split())
SPEECH_VERBS = frozenset("say tell state report claim announce add note confirm describe call warn".split())
# Lemmas of the same relation, as news writes it. Small on purpose: one line per relation.
_RELATION_GROUPS = [
    "kill die dead death fatality fatal killing murder slay lose life",
    "injure wound hurt injury injured wounded",
    "hit strike land impact",
    "launch fire shoot",
    "arrest detain apprehend custody",
    "win beat defeat victory winner",
    "rescue save",
    "evacuate evacuation flee displace",
    "aboard carry board onboard passenger",
    "vote elect ballot",
    "sentence jail imprison prison",
    "charge accuse indict",
    "destroy damage",
    "build construct",
    "buy acquire purchase",
    "sell sale",
    "lead head chair",
    "succeed successor succession replace replacement",
    "found establish create",
    "begin start commence",
    "release free",
    "receive get win",
    "attend visit",
    "say state tell announce claim speak talk",
    "age old year",
    "fall drop decline plunge tumble slump sink slide down",  # "ending down 12.7 percent": fell
    "rise climb increase jump soar surge up",
    "gain net",  # "netted an additional 66 seats"
    "discover find detect notice spot uncover",
    # Verbs a reader puts for the article's own (measured on a set asked in readers' words).
    "ban prohibit bar forbid outlaw",
    "cut reduce lower slash",
    "restrict limit curb",
    "pay price cost",
    "resign quit resignation",
    "offer submit file tender",
    "approve ratify pass adopt endorse",
    "postpone delay defer",
    "cancel scrap scrub",
    "end finish conclude",
    "close shut",
    "appoint nominate",
    "attack assault",
    "investigate probe",
    "hospitalize hospitalise admit",  # "admitted to hospital": hospitalized
    "serve spend",  # "spent eight years in prison": served eight
]
_RELATED: dict[str, frozenset[str]] = {}
for _group in _RELATION_GROUPS:
    _members = frozenset(_group.split())
    for _lemma in _members:
        _RELATED[_lemma] = _RELATED.get(_lemma, frozenset()) | _members

# Nouns that count people in general: "17 people died" answers "How many passengers died?".
PEOPLE = frozenset("""people person individual victim casualty man woman
child adult""".split())
_NUMBER_NOUNS = frozenset("number percentage share amount total score scoreline vote age price cost figure rate count toll tally"
                          .split())
# Words that give a cause. "after", "amid", "over", "following" and "since"/"as"/"so" as
# prepositions mostly give a time, not a reason (measured: the usual wrong why-answer); the
# conjunctions count where they introduce a clause (app/answering/explanations.py: explains).
CAUSAL = frozenset("""because cause due reason result lead blame attribute therefore thus prompt trigger fear
concern owing purpose risk motive motivation credit link""".split())
CAUSING = frozenset("cause trigger prompt spark".split())
# Verbs whose object is a cause: "blamed the heat for the fire", "linked to warmer seas".
_CAUSE_OF = frozenset("blame credit link attribute".split())


def related(lemma: str) -> frozenset[str]:
    """The lemma and the lemmas news uses for the same relation."""
    lemma = lemma.lower()
    return _RELATED.get(lemma, frozenset()) | {lemma}


# Suffixes that turn a verb into its agent, act or result: "direct" -> "director", "elect" ->
# "election", "resign" -> "resignation". News says "X, the film's director" for "X directed it".
_DERIVATIONS = ("or", "er", "ion", "ation", "ment", "ee", "al", "ance", "ence", "ant", "ent")


def derived(a: str, b: str) -> bool:
    """One lemma is the other with a derivational suffix (a final "e" may drop: produce -> producer)."""
    short, long = sorted((a.lower(), b.lower()), key=len)
    if len(short) < 4 or short == long:
        return False
    for stem in (short, short[:-1] if short.endswith("e") else None):
        if stem and long.startswith(stem) and long[len(stem):] in _DERIVATIONS:
            return True
    return False


def relates(asked: Iterable[str], lemma: str) -> bool:
    """Whether ``lemma`` states one of the asked relations: the same lemma, a news synonym, or a
    derived noun ("director" for "direct")."""
    lemma = lemma.lower()
    return any(lemma in related(verb) or derived(verb, lemma) for verb in asked)

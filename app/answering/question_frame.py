"""What a question asks for, read off its spaCy parse: ``analyse_question(doc) -> QuestionFrame``
(the answer's kind and entity labels, the thing counted or the role asked about, the relation's
verbs, the names and years that constrain the answer), and the lexicon of related verbs and nouns
that app/answering/verification.py checks a pick against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum

from spacy.tokens import Doc, Span, Token

from app.text import numbers_in


class AnswerKind(str, Enum):
    NUMBER = "number"
    PERSON = "person"
    TIME = "time"
    PLACE = "place"
    NAME = "name"  # an organisation, event, product … named by a proper noun
    REASON = "reason"  # why / how: an explanatory sentence
    OPEN = "open"  # "What was the missile hidden in?": any phrase, no type to check


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
PERSON_ROLES = frozenset("""person man woman official expert researcher general commander spokesman spokeswoman
spokesperson minister president leader civilian resident analyst player politician driver pilot captain
author director ceo chairman chief judge lawyer suspect victim winner candidate governor mayor senator
king queen prime secretary officer coach manager founder head actor singer journalist reporter scientist
doctor teacher student witness prosecutor attorney ambassador representative owner artist designer creator
inventor architect photographer writer novelist poet composer musician painter sculptor athlete runner cyclist
swimmer boxer footballer activist campaigner protester gunman attacker shooter killer assailant perpetrator
survivor hostage prisoner inmate detainee soldier firefighter rescuer engineer worker employee economist astronaut
historian professor surgeon nurse physician lawmaker legislator diplomat envoy negotiator nominee challenger
opponent rival successor predecessor chancellor premier monarch prince princess pope bishop priest cleric
filmmaker producer presenter host comedian""".split())
ORG_NOUNS = frozenset("""company organisation organization group team party agency airline firm club band
newspaper network union bank court university school ministry department government chain retailer
supermarket carrier broadcaster manufacturer maker operator publisher developer automaker insurer lender
charity commission council committee regulator carmaker brand startup business""".split())
PLACE_NOUNS = frozenset("""city country town village province state region capital county district island port territory
airport stadium venue place location area neighbourhood neighborhood street building hospital market square park
base camp station hotel bridge river lake mountain sea ocean coast peninsula continent prison palace museum
church cathedral mosque temple""".split())
_FACILITIES = frozenset("""airport stadium venue building hospital market square park base camp station hotel
bridge prison palace museum church cathedral mosque temple""".split())
_TIME_NOUNS = frozenset("year date day month time decade century week hour season".split())
_NUMBER_NOUNS = frozenset("number percentage share amount total score scoreline vote age price cost figure rate count toll tally"
                          .split())
# Words that give a cause. "after", "amid", "over", "following" and "since"/"as"/"so" as
# prepositions mostly give a time, not a reason (measured: the usual wrong why-answer); the
# conjunctions count where they introduce a clause (app/answering/verification.py: explains).
CAUSAL = frozenset("""because cause due reason result lead blame attribute therefore thus prompt trigger fear
concern owing purpose risk motive motivation credit link""".split())
# Verbs whose object is a cause: "blamed the heat for the fire", "linked to warmer seas".
_CAUSE_OF = frozenset("blame credit link attribute".split())
_QUESTION_STOP = frozenset("""what which who whom whose when where why how many much the a an of in on at to for
by with from is are was were be been do does did has have had and or that this these those it its
according""".split())


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
            kind, labels = (AnswerKind.PERSON, PERSON_LABELS) if focus in PERSON_ROLES or focus is None \
                else (AnswerKind.NAME, NAME_LABELS)
        elif noun is not None:
            lemma = noun.lemma_.lower()
            focus = lemma
            if lemma in _TIME_NOUNS:
                kind, labels = AnswerKind.TIME, TIME_LABELS | (NUMERIC_LABELS if lemma == "time" else frozenset())
                of_noun = of_object(noun)
                if lemma == "time" and of_noun is not None and of_noun.lemma_.lower() == "day":
                    labels = frozenset({"TIME"})  # "time of day": a clock time, not a day or a count
                elif lemma == "time" and any(c.dep_ in ("amod", "compound") for c in noun.children):
                    labels = labels - {"DATE"}  # "winning time": a duration, never a day ("yesterday")
            elif lemma in _NUMBER_NOUNS:
                kind, labels = AnswerKind.NUMBER, NUMERIC_LABELS | (TIME_LABELS if lemma == "age" else frozenset())
            elif lemma in PLACE_NOUNS:
                # "Which airport": a facility is named, not the country it is in.
                kind, labels = AnswerKind.PLACE, \
                    frozenset({"FAC", "ORG", "LOC"}) if lemma in _FACILITIES else PLACE_LABELS | frozenset({"ORG"})
            elif lemma in PERSON_ROLES or lemma in PEOPLE:
                kind, labels = AnswerKind.PERSON, PERSON_LABELS
            elif lemma in ORG_NOUNS:
                kind, labels = AnswerKind.NAME, frozenset({"ORG", "NORP", "GPE", "PERSON", "FAC"})
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
                         topic=_copular_topic(doc, focus), arguments=_named_arguments(doc, verbs),
                         designators=designators(doc),
                         partitive=kind == AnswerKind.NUMBER and wh_index is not None
                         and lower[wh_index + 1: wh_index + 3] in (["many", "of"], ["much", "of"]),
                         paired=kind == AnswerKind.NUMBER and wh in ("what", "which") and focus in PAIRED_NOUNS,
                         statement=root is not None and root.lemma_.lower() in SPEECH_VERBS)


def narrowed_by(frame: QuestionFrame, lead_in: Doc) -> QuestionFrame:
    """The frame with the names and years a lead-in gives ("In March 2020, a ferry capsized near
    Dhaka. How many were rescued?"): they say which story, so the answer's article must name them,
    as it must the question's own (the sentence need not restate them)."""
    names = tuple((e.text, _label(e)) for e in lead_in.ents if e.label_ in CONSTRAINT_LABELS)
    years = frozenset(int(t.text) for t in lead_in if re.fullmatch(r"(1[89]|20)\d\d", t.text))
    return replace(frame, constraints=tuple(dict.fromkeys(frame.constraints + names)), years=frame.years | years)


SUBJECT_SIDE = frozenset({"nsubj", "agent", "csubj"})
OBJECT_SIDE = frozenset({"dobj", "nsubjpass", "iobj", "dative"})


def side_of(token: Token) -> str | None:
    """Whether a phrase head is its verb's subject ("by" agents included) or object."""
    if token.dep_ == "pobj" and token.head.lower_ == "by" and token.head.dep_ == "agent":
        return "subject"
    if token.dep_ == "pobj" and token.head.lower_ in ("over", "against") and token.head.head.pos_ == "NOUN":
        return "object"  # "a win over Maroochydore"
    if token.dep_ in SUBJECT_SIDE:
        return "subject"
    if token.dep_ in OBJECT_SIDE:
        return "object"
    return None


def governing_verb(token: Token) -> Token:
    """The verb a subject or object phrase belongs to (through "by" for an agent)."""
    return token.head.head if token.dep_ == "pobj" and token.head.dep_ == "agent" else token.head


def _named_arguments(doc: Doc, verbs: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    found = []
    for ent in doc.ents:
        side = side_of(ent.root) if ent.label_ in CONSTRAINT_LABELS else None
        verb = governing_verb(ent.root)
        if side and verb.pos_ in ("VERB", "ADJ") and verb.lemma_.lower() in verbs:  # ADJ: a mis-tagged verb
            found.append((verb.lemma_.lower(), side, ent.text))
    return tuple(found)


def designators(doc: Doc | Span) -> frozenset[tuple[str, float]]:
    """(word, number) for each numbered designation: "round 3" -> ("round", 3.0). By word order, not
    the parse: the small model hangs "round 3" and "Round 4 match" on anything."""
    return frozenset((word.lower_, value) for word, number in zip(doc, doc[1:])
                     if word.pos_ in ("NOUN", "PROPN", "ADJ", "ADV") and word.is_alpha
                     and number.like_num and (value := number_value(number)) is not None
                     and number.ent_type_ not in ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"))


_LOCATIVE = frozenset("in at near outside inside".split())


def _label(ent: Span) -> str:
    """The entity's label, except that a "person" named as where something is ("the military base
    in Maidan Wardak") is the small model's mistake for a place."""
    if ent.label_ == "PERSON" and ent.root.dep_ == "pobj" and ent.root.head.lower_ in _LOCATIVE:
        return "GPE"
    return ent.label_


def _predicate_fallback(doc: Doc) -> frozenset[str]:
    """The asked relation when the parse shows no content verb: the small model reads "Where did the
    plane crash?" with "crash" as a noun, and "make landfall" / "take place" put it in the object."""
    words = [t for t in doc if not t.is_punct]
    last = words[-1] if words else None
    if last is not None and any(t.lower_ in ("did", "does", "do") for t in words) \
            and last.pos_ in ("NOUN", "ADJ", "VERB") and last.i > 0 and doc[last.i - 1].pos_ in ("NOUN", "PROPN", "NUM"):
        return frozenset({last.lemma_.lower()})  # "did the plane crash": the word after the subject
    for token in doc:
        if token.dep_ == "ROOT" and token.lemma_.lower() in LIGHT_VERBS | {"make"}:
            objects = [c for c in token.children if c.dep_ in ("dobj", "attr") and c.pos_ in ("NOUN", "ADJ")]
            if objects:
                return frozenset({objects[0].lemma_.lower()})  # "make landfall" -> landfall
    return frozenset()


_CATEGORIES = frozenset("woman man girl boy female male junior senior youth amateur paralympic wheelchair".split())


CAUSING = frozenset("cause trigger prompt spark".split())
# Verbs whose object names the event: "give a sentence", "impose a ban", "launch an attack".
_SUPPORT_VERBS = frozenset("give hand impose issue launch stage conduct carry deliver".split())
_DIRECTIONS = frozenset("from to into toward towards".split())


def _copular_topic(doc: Doc, focus: str | None) -> str | None:
    """The noun a copula question locates: "In which province is the base …?" -> base."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or (root.lemma_ != "be" and not scheduling(root)):
        return None
    nouns = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "attr") and c.pos_ in ("NOUN", "PROPN")
             and c.lemma_.lower() != focus]
    return nouns[0].lemma_.lower() if nouns else None


PAIRED_NOUNS = frozenset("score scoreline vote tally".split())
# "43–5", "66 to 27", "22 points to 10": a score or a vote's tally.
PAIR = re.compile(r"\b\d[\d,]*(?:\s*points?)?\s*(?:to|–|-|—)\s*\d[\d,]*\b")
_SCHEDULING = frozenset("schedule hold plan set slate stage".split())


def scheduling(verb: Token) -> bool:
    """"When was his next court appearance scheduled?": a passive verb that only places an event in
    time or space; the event's own phrase answers ("until his next court appearance on April 5")."""
    return verb.lemma_.lower() in _SCHEDULING and any(c.dep_ == "nsubjpass" and c.pos_ == "NOUN" for c in verb.children)


def _focus_of(doc: Doc, focus: str | None) -> frozenset[str]:
    """The content words of the asked role's "of" phrase: "the director of the Iranian airline Mahan
    Air" -> {iranian, airline, mahan, air}."""
    role = next((t for t in doc if focus and t.lemma_.lower() == focus), None)
    owner = of_object(role) if role is not None else None
    if owner is None:
        return frozenset()
    return frozenset(t.lemma_.lower() for t in owner.subtree if is_content(t) and t.ent_type_ not in ("DATE", "TIME"))


def _direction(tokens: list[Token], wh_index: int | None) -> str | None:
    """The directional preposition of the place asked for: "From which city …?", "Where did it fly to?"."""
    if wh_index is None:
        return None
    before = tokens[wh_index - 1].lower_ if wh_index > 0 else ""
    if before in _DIRECTIONS:
        return before
    if tokens[wh_index].lower_ == "where" and tokens[-1].lower_ in _DIRECTIONS:
        return tokens[-1].lower_
    return None


def _in_clause(token: Token) -> bool:
    """In a clause that says which thing or which occasion: relative and participle clauses ("the
    truck that launched …", "its publicly exposed data") and "when" clauses."""
    return any(a.dep_ in ("relcl", "acl") or (a.dep_ == "advcl" and not infinitive(a))
               or (a.dep_ == "amod" and a.pos_ == "VERB") for a in (token, *token.ancestors))


def infinitive(verb: Token) -> bool:
    """"vow to retaliate": an infinitive completes the asked verb (the parser may call it advcl)."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


# Participles used as prepositions: "compared with before the election", "given the risk".
_PREPOSITIONAL = frozenset("compare give regard concern exclude".split())


def _prepositional(token: Token) -> bool:
    # Not with a subject of its own: "was Baloch's brother given a life sentence" is a verb.
    return token.lemma_.lower() in _PREPOSITIONAL and token.tag_ in ("VBN", "VBG") and token.dep_ != "ROOT" \
        and token.i + 1 < len(token.doc) and token.nbor(1).pos_ in ("ADP", "DET", "NOUN") \
        and not any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children)


def _do_follows(tokens: list[Token], wh_index: int) -> bool:
    """The wh-phrase ("who", "which news network") is followed by do-support: whatever the parse
    says, it is not the subject ("Which network did the injured resident speak to?")."""
    after = wh_index + 1
    while after < len(tokens) and tokens[after].pos_ in ("NOUN", "PROPN", "ADJ", "DET"):
        after += 1  # the rest of the wh-phrase
    return after < len(tokens) and tokens[after].lower_ in ("did", "does", "do")


def _do_support_predicate(doc: Doc) -> frozenset[str]:
    """The main verb of a do-question that the small model tags as a noun: "How many seats did the
    Conservative Party win in …?", "By how many points did the Dow fall on …?" — the first noun or
    verb right after the subject that "did" introduces (a name or noun)."""
    do = next((t for t in doc if t.lower_ in ("did", "does", "do") and t.i + 2 < len(doc)), None)
    if do is None:
        return frozenset()
    for token in doc[do.i + 2:]:
        if token.is_punct or token.pos_ in ("ADP", "SCONJ", "CCONJ"):
            break
        before = doc[token.i - 1]
        while before.i > do.i + 1 and (before.pos_ == "ADV" or before.ent_type_ == "ORDINAL"):
            before = doc[before.i - 1]  # "did UpGuard first email …", "did he ever visit …"
        # A lower-case word read as a compound of the name after it is the verb: "email Cultura Colectiva".
        misread = token.dep_ == "compound" and token.head.pos_ == "PROPN" and token.is_lower
        # "did Bernie Sanders secure …": the small model may tag the verb an adjective
        adjective = token.pos_ == "ADJ" and token.dep_ not in ("amod", "acomp")
        if (token.pos_ in ("NOUN", "VERB") or adjective) and before.pos_ in ("NOUN", "PROPN", "PRON") \
                and before.tag_ not in ("WDT", "WP") \
                and (misread or token.dep_ not in ("nsubj", "nsubjpass", "compound", "amod", "poss", "appos")):
            lemma = token.lemma_.lower()
            return frozenset() if lemma in LIGHT_VERBS else frozenset({lemma})
    return frozenset()


def _open_slot(wh: Token) -> str | None:
    """Which argument of the verb "what" stands for: a stranded preposition ("hidden in?"), the
    subject ("What caused …?"), the object ("What did he call …?") or, for "What was he doing
    when …?", the activity."""
    for token in wh.doc:
        if token.dep_ == "prep" and not any(c.dep_ == "pobj" for c in token.children) and token.i > wh.i:
            return token.lower_
    if wh.dep_ in ("nsubj", "nsubjpass"):
        return "subject"
    if wh.dep_ == "dobj" and wh.head.lemma_.lower() == "do" and wh.head.tag_ == "VBG":
        return "activity"  # "What was he doing when the explosion occurred?"
    if wh.dep_ in ("dobj", "attr", "oprd"):
        return "object"
    return None


def _counted_noun(many: Token) -> str | None:
    """ "How many US soldiers" -> soldier; "How much money" -> money; "How much will X cost" -> None."""
    head = many.head
    if head.pos_ in ("NOUN", "PROPN") and head.i != many.i and head.i > many.i:
        return head.lemma_.lower()
    window = 4 if many.lower_ == "many" else 2  # the parse sometimes hangs "many" on the verb
    if many.i + 1 < len(many.doc) and many.nbor(1).lower_ == "of":  # "How many of Iowa's pledged delegates"
        return next((t.lemma_.lower() for t in many.doc[many.i + 2: many.i + 8] if t.pos_ == "NOUN"), None)
    for token in many.doc[many.i + 1: many.i + window]:
        if token.pos_ in ("NOUN", "PROPN"):
            return token.lemma_.lower()
        if token.pos_ not in ("ADJ", "NUM"):
            break
    return None


# "What reason did the US give for …?", "What was the purpose of suspending Parliament?": a why-question.
_REASON_NOUNS = frozenset("reason purpose motive motivation cause rationale justification explanation".split())


def _asks_reason(wh: Token) -> bool:
    """"What reason …", "What was the purpose of …", "What led him to resign?": asked as a what-question,
    answered by the explaining sentence."""
    if wh.lower_ not in ("what", "which"):
        return False
    noun = _wh_noun(wh)
    if noun is not None and noun.lemma_.lower() in _REASON_NOUNS:
        return True
    verb = wh.head
    lemma = verb.lemma_.lower()
    # "What caused the loss?", "What triggered the fire?": the cause, asked as its subject.
    if wh.dep_ == "nsubj" and lemma in CAUSING:
        return True
    # "What led X to resign?", "What made him apologise?": the cause of a later act, not a thing.
    if wh.dep_ == "nsubj" and lemma in ("lead", "make", "force", "drive") \
            and any(c.dep_ in ("xcomp", "ccomp") for c in verb.children):
        return True
    # "What did she blame for the loss?", "What has been linked to the sharks vanishing?" (not "What
    # did police link to the suspect?")
    return (wh.dep_ == "dobj" and lemma in _CAUSE_OF - {"link"}) or (wh.dep_ == "nsubjpass" and lemma in _CAUSE_OF)


def _wh_noun(wh: Token) -> Token | None:
    """The noun of "which city" / "what year", or of "What is the name/time …" (its subject)."""
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        return wh.head
    for token in wh.doc[wh.i + 1: wh.i + 4]:  # "which Iraqi province": adjectives before the noun
        if token.pos_ == "NOUN" and token.dep_ != "ROOT":
            return token
        if token.pos_ not in ("ADJ", "PROPN", "NOUN"):
            break
    # "What was X's winning time?": the copula's other argument.
    root = wh.head if wh.head.lemma_ == "be" else None
    if root is not None:
        for child in root.children:
            if child.i != wh.i and child.dep_ in ("nsubj", "attr") and child.pos_ == "NOUN":
                return child
    return None


def of_object(noun: Token) -> Token | None:
    for child in noun.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def _copular_role(doc: Doc) -> str | None:
    """ "Who is the Pentagon spokesman?" -> "spokesman": the role the answer must hold."""
    for token in doc:
        if token.lemma_ == "be" and token.dep_ == "ROOT":  # not the "are" of what someone said
            for child in token.children:
                if child.dep_ in ("attr", "nsubj") and child.pos_ == "NOUN" and _names_a_person(child.lemma_.lower()) \
                        and _described_act(child) is None:
                    return child.lemma_.lower()
    return None


def _described_act(noun: Token) -> Token | None:
    """"Who is the tennis player Basilashvili accused of assaulting?": the noun is the subject of an
    act its participle names, and the act has no object ("accused of assaulting"): "who" is that
    object, not the noun ("Who was the man charged with killing the officer?" asks for the man)."""
    for acl in (c for c in noun.children if c.dep_ == "acl" and c.tag_ == "VBN"):
        for act in acl.subtree:
            if act.pos_ == "VERB" and act.i != acl.i and act.dep_ in ("pcomp", "xcomp") \
                    and not any(c.dep_ in ("dobj", "attr", "prep") for c in act.children):
                return act
    return None


def _names_a_person(lemma: str) -> bool:
    """A role a person holds: a known one, or an agent noun ("organiser", "director", "economist")."""
    return lemma in PERSON_ROLES or lemma in PEOPLE or lemma.endswith(("er", "or", "ist", "ian", "ant", "ent"))


def is_content(token: Token) -> bool:
    return token.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and token.lower_ not in _QUESTION_STOP \
        and not token.is_stop and len(token.text) > 1


def number_value(token: Token) -> float | None:
    """The value of a number token ("14", "1,200", "fourteen", "thirty-six"); None otherwise
    (the words and digits are read by app/text.py)."""
    if not token.like_num:
        return None
    values = numbers_in(token.lower_)
    return next(iter(values)) if len(values) == 1 else None

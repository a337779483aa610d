"""The parse helpers the question frame is read with (and verification reuses): the wh-word's noun,
the counted noun, the asked role, slot and direction, the do-question's verb, a phrase's side of its
verb, numbered designations, content words and a number token's value.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from app.answering.noun_classes import names_a_person
from app.answering.relation_lexicon import (_CAUSE_OF, CAUSING, CONSTRAINT_LABELS, LIGHT_VERBS,
                                            PEOPLE)
from app.text import numbers_in


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


_DIRECTIONS = frozenset("from to into toward towards".split())


def _copular_topic(doc: Doc, focus: str | None) -> str | None:
    """The noun a copula question locates: "In which province is the base …?" -> base."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or (root.lemma_ != "be" and not scheduling(root)):
        return None
    nouns = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "attr") and c.pos_ in ("NOUN", "PROPN")
             and c.lemma_.lower() != focus]
    return nouns[0].lemma_.lower() if nouns else None


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
                if child.dep_ in ("attr", "nsubj") and child.pos_ == "NOUN" and _names_a_person(child) \
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


def _names_a_person(noun: Token) -> bool:
    """A role a person holds: a person noun by WordNet, or an agent noun ("organiser", "economist")."""
    lemma = noun.lemma_.lower()
    return names_a_person(noun) or lemma in PEOPLE or lemma.endswith(("er", "or", "ist", "ian", "ant", "ent"))


def is_content(token: Token) -> bool:
    # spaCy's stop words hold the question's form words (what, which, how, many, did…).
    return token.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and not token.is_stop \
        and token.lower_ != "according" and len(token.text) > 1


def number_value(token: Token) -> float | None:
    """The value of a number token ("14", "1,200", "fourteen", "thirty-six"); None otherwise
    (the words and digits are read by app/text.py)."""
    if not token.like_num:
        return None
    values = numbers_in(token.lower_)
    return next(iter(values)) if len(values) == 1 else None

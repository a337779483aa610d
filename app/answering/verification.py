"""Does a sentence STATE the answer to a question? spaCy-based verification of a pick.

Lexical grounding (app/answering/grounding.py) shows that an answer's words are in a passage; it cannot tell
"injured two soldiers" from "killed two soldiers", or the general who described the truck from its
driver. Here the candidate sentence is parsed (en_core_web_sm: entities, lemmas, dependency tree)
and an answer is accepted only when
- it is of the type asked for (a count, a person, a date, a place, a name: app/answering/question_frame.py);
- it is not something the question already said;
- it is attached to the question's relation in the sentence: a count modifies the thing counted
  under the asked verb; a person or date sits within a few dependency arcs of the asked verb or
  role noun ("Pentagon spokesman John Kirby"), not in another clause;
- the question's constraints hold: its names and years are in the sentence or its article, and
  the sentence does not name another year, or another place of the same kind, instead.

Every function is pure and takes parsed ``Span`` objects, so the spaCy pipeline is loaded by the
caller (app/nlp.py) and the rules are unit-tested on real sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from spacy.tokens import Span, Token

from app.answering.pronouns import personal_pronoun
from app.answering.question_frame import (PAIR, CAUSAL, CAUSING, CONSTRAINT_LABELS, LIGHT_VERBS, NUMERIC_LABELS,
                                          ORG_NOUNS, PEOPLE, PERSON_ROLES, PLACE_LABELS, PLACE_NOUNS, PLACING_LABELS,
                                          SPEECH_VERBS, TIME_LABELS, AnswerKind, QuestionFrame, designators,
                                          governing_verb, infinitive, is_content, number_value, of_object, related,
                                          relates, side_of)
from app.text import NUMBER_WORDS, numbers_in


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not, in words a reader understands
    failure: str = ""  # failure class: not-in-sentence, wrong-type, restates-question, wrong-relation,
    #                    wrong-argument, constraint-mismatch
    strength: int = 0  # 2 = relation and argument matched explicitly, 1 = nothing contradicts
    distance: int = 99  # dependency arcs from the answer to the asked verb or role (for ties)
    counts_focus: bool = False  # a count of the very noun asked about ("two personnel" for personnel)

    def __bool__(self) -> bool:
        return self.ok


# -- numbers -----------------------------------------------------------------------------------
def span_value(tokens: Sequence[Token]) -> float | None:
    """ "two dozen" -> 24, "36" -> 36, "1.5 million" -> 1.5e6."""
    values = [v for t in tokens if (v := number_value(t)) is not None]
    if not values:
        return None
    lowered = [t.lower_ for t in tokens]
    value = values[0]
    if "dozen" in lowered and len(values) > 1:
        value = values[0] * 12
    for scale, factor in (("hundred", 100), ("thousand", 1_000), ("million", 1_000_000), ("billion", 1e9)):
        if scale in lowered and value < factor:
            value *= factor
    return value


# -- the sentence ------------------------------------------------------------------------------
def locate(answer: str, sentence: Span) -> list[Token]:
    """The sentence's tokens that make up ``answer``: verbatim (any case and spacing), or a number
    written another way ("14" for "Fourteen")."""
    wanted = _norm(answer)
    if not wanted:
        return []
    text = sentence.text
    lowered = text.lower()
    for variant in (answer.strip(), wanted):
        index = lowered.find(variant.lower())
        if index >= 0:
            char_span = sentence.char_span(index, index + len(variant), alignment_mode="expand")
            if char_span is not None:
                return list(char_span)
    # Spacing and punctuation differences: compare normalised token sequences.
    words = [_norm(t.text) for t in sentence]
    target = wanted.split()
    for i in range(len(words)):
        j, k, matched = i, 0, []
        while j < len(words) and k < len(target):
            if not words[j]:
                j += 1
                continue
            if words[j] != target[k]:
                break
            matched.append(sentence[j])
            j, k = j + 1, k + 1
        if k == len(target) and matched:
            return matched
    value = _answer_number(answer)
    if value is not None:
        for token in sentence:
            if number_value(token) == value:
                return [token]
        for ent in sentence.ents:  # "two dozen"
            if ent.label_ in NUMERIC_LABELS and span_value(list(ent)) == value:
                return list(ent)
    return []


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s%$.-]", " ", text.lower().replace("’", "'")).split()).strip(" .")


def _answer_number(answer: str) -> float | None:
    cleaned = answer.strip().lower().replace(",", "")
    match = re.fullmatch(r"(?:about |around |at least |more than |over |nearly |some )?(\d+(?:\.\d+)?)\s*\w*", cleaned)
    if match:
        return float(match.group(1))
    values = numbers_in(cleaned) if re.fullmatch(r"[a-z\s-]+", cleaned) else set()
    return next(iter(values)) if len(values) == 1 else None


def verify(frame: QuestionFrame, sentence: Span, answer: str, context: str = "",
           similar: Callable[[str, str], float] | None = None) -> Verdict:
    """Does ``sentence`` state ``answer`` as the answer to the question ``frame`` describes?

    ``context`` is what else the article attests (title, date, the passage): a constraint named
    there holds for the sentence. ``similar(a, b)`` scores two nouns (0..1) when their lemmas
    differ ("rocket" ~ "projectile"); without it only lemmas and the people-nouns match.
    """
    tokens = locate(answer, sentence)
    if not tokens:
        return Verdict(False, f"“{answer}” is not in the cited sentence", "not-in-sentence")
    return verify_tokens(frame, sentence, tokens, context, similar)


def verify_tokens(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token], context: str = "",
                  similar: Callable[[str, str], float] | None = None) -> Verdict:
    answer = " ".join(t.text for t in tokens)
    if asks(sentence):
        return Verdict(False, "the sentence asks a question; it states nothing", "non-answer")
    typed = _typed_tokens(frame, sentence, tokens)
    if typed is None:
        return Verdict(False, f"“{answer}” is not a {frame.kind.value}, which the question asks for", "wrong-type")
    if _restates(frame, typed):
        return Verdict(False, f"“{answer}” only repeats the question", "restates-question")
    constraint = check_constraints(frame, sentence, context, typed)
    if not constraint:
        return constraint
    if frame.paired:
        # A score is of one match: both sides the question names are in its sentence, not only
        # somewhere in the article ("a 22 points to 10 win over Maroochydore" is not Caloundra's).
        missing = [name for _, _, name in frame.arguments if not _mentioned(name, sentence.text.lower())]
        if missing:
            return Verdict(False, f"the sentence does not name {missing[0]}", "constraint-mismatch")
        return _score_relation(frame, sentence, typed)
    if frame.kind == AnswerKind.NUMBER:
        return _number_relation(frame, sentence, typed, similar)
    if frame.kind in (AnswerKind.PERSON, AnswerKind.TIME, AnswerKind.PLACE, AnswerKind.NAME):
        return _argument_relation(frame, sentence, typed, similar)
    words = [t for t in sentence if not t.is_punct]
    asked = frame.verbs - frame.clause_verbs
    if len(words) > 6 and len([t for t in typed if not t.is_punct]) >= 0.6 * len(words) and asked \
            and not any(relates(asked, t.lemma_) for t in sentence):
        # The small model's copy of a whole sentence without the asked relation ("lamented his
        # side's close loss" for "What did he blame the loss on?") answers nothing.
        return Verdict(False, "the answer copies a sentence that does not say what is asked", "restates-question")
    return _open_relation(frame, sentence, typed)


def asks(sentence: Span) -> bool:
    """An interviewer's question ("How did the last three months go for you?") states nothing."""
    return sentence.text.rstrip().rstrip("\"'”’)").endswith("?")


def _typed_tokens(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token]) -> list[Token] | None:
    """The answer's tokens that have the asked type (its core), or None when none has it."""
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        return list(tokens)
    if frame.paired:  # a score is two numbers: "10" alone is half of "22 points to 10"
        return list(tokens) if PAIR.search(" ".join(t.text for t in tokens)) else None
    indices = {t.i for t in tokens}
    core: list[Token] = []
    for ent in sentence.ents:
        if of_asked_type(frame, ent) and indices & {t.i for t in ent}:
            core.extend(ent)
    if frame.kind == AnswerKind.NUMBER:
        if frame.focus == "long" and any(t.lower_ in _CALENDAR for t in tokens):
            return None  # "How long could it take?" is a duration, not "February 21"
        core.extend(t for t in tokens if number_value(t) is not None and t not in core)
        core = [t for t in core if number_value(t) is not None or t.ent_type_ in frame.labels]
        # "23-year-old": spaCy makes it one DATE; the number is what was asked.
        if not any(number_value(t) is not None or re.search(r"\d", t.text) for t in core):
            return None
    elif frame.kind == AnswerKind.TIME:
        core.extend(t for t in tokens if re.fullmatch(r"(1[89]|20)\d\d", t.text) and t not in core)
        if core and not any(re.search(r"\d", t.text) or t.lower_ in _TIME_WORDS for t in core):
            return None  # "the day", "the age of fifteen": spaCy's DATE, but no time a reader can use
        if frame.focus == "year" and not any(re.fullmatch(r"(1[89]|20)\d\ds?", t.text) or t.lower_ == "year"
                                              for t in core):
            return None  # "In what year …?" is not answered by "Saturday night"
    elif frame.kind in (AnswerKind.PERSON, AnswerKind.NAME, AnswerKind.PLACE) and not core:
        # spaCy's small model misses some names; a proper noun (not the question's) still names something.
        core = [t for t in tokens if t.pos_ == "PROPN" and t.ent_type_ not in ("DATE", "TIME", "CARDINAL")]
        # "Which building was damaged?" — "several buildings, including a mosque": an instance of the
        # asked noun answers it, named or not.
        core = core or [t for t in tokens if example_of(t, frame.focus)]
        # "…,” he said": the pronoun verifies like a name; the answer flow gives the person it stands
        # for (app/answering/pronouns.py) or nothing.
        if frame.kind == AnswerKind.PERSON and not core and personal_pronoun(tokens):
            core = list(tokens)
        if frame.kind == AnswerKind.PERSON and core and any(t.ent_type_ in PLACE_LABELS for t in core):
            return None
    return sorted(set(core), key=lambda t: t.i) or None


_CALENDAR = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday""".split())
_TIME_WORDS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
yesterday today tonight tomorrow ago last next earlier later morning afternoon evening night noon midnight
spring summer autumn winter week weeks month months decade century hour hours minute minutes second seconds
""".split())


_EXAMPLE_PREPOSITIONS = frozenset({"including", "like", "as"})  # "as": "buildings such as mosques"


def example_of(token: Token, focus: str | None) -> bool:
    """A noun given as an instance of the asked noun: "mosque" in "damaged several buildings,
    including a mosque"."""
    if focus is None or token.pos_ not in ("NOUN", "PROPN") or token.dep_ != "pobj" \
            or token.head.lower_ not in _EXAMPLE_PREPOSITIONS:
        return False
    return token.head.head.lemma_.lower() == focus


def of_asked_type(frame: QuestionFrame, ent: Span) -> bool:
    """An entity of an asked label, or one named by the asked noun whatever spaCy labels it ("Bhera
    Market" for "which market")."""
    if ent.label_ in frame.labels:
        return True
    if frame.kind != AnswerKind.PLACE:
        return False
    if frame.focus is not None and frame.focus in (ent.root.lemma_.lower(), ent.root.head.lemma_.lower()):
        return True
    # "the French territory of Martinique", "the coast of Aceh": the phrase says it is a place
    # whatever label the tagger gave the name (NORP, PERSON).
    of = ent.root.head
    return ent.root.dep_ == "pobj" and of.lower_ == "of" and of.head.lemma_.lower() in PLACE_NOUNS


def _restates(frame: QuestionFrame, tokens: Sequence[Token]) -> bool:
    """The answer's typed core says only what the question said (its numbers, names, words)."""
    question = frame.text.lower()
    if frame.kind == AnswerKind.NUMBER:
        values = {number_value(t) for t in tokens} - {None}
        return bool(values) and values <= set(frame.numbers)
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON):
        own = [t for t in tokens if is_content(t) and t.lemma_.lower() not in frame.content]
        return not own
    own = [t for t in tokens if not t.is_punct and not t.is_stop and t.lower_ not in question]
    return not own and not personal_pronoun(tokens)


def check_constraints(frame: QuestionFrame, sentence: Span, context: str = "", answer: Sequence[Token] = ()
                      ) -> Verdict:
    """The question's years and names hold for the sentence: said in it or in its article, and not
    replaced by another year or another place of the same kind in the sentence itself. The answer
    (and a place it is given with: "Bishkek, Kyrgyzstan") is not such another place."""
    where = (sentence.text + "\n" + context).lower()
    if not (named := names_hold(frame, sentence, context)):
        return named
    for category in frame.categories:  # "women's": not a report of the men's race
        if not re.search(rf"\b{_CATEGORY_FORMS.get(category, category)}\b", where):
            return Verdict(False, f"the question is about the {category}'s category, which the cited article does "
                                  "not mention", "constraint-mismatch")
    if frame.years:
        sentence_years = {int(t.text) for t in sentence if re.fullmatch(r"(1[89]|20)\d\d", t.text)
                          and t.ent_type_ == "DATE" and not _describes_other(t, answer)}
        if sentence_years and not sentence_years & frame.years:
            return Verdict(False, f"the question asks about {_join(frame.years)}; the sentence is about "
                                  f"{_join(sentence_years)}", "constraint-mismatch")
        context_years = {int(y) for y in re.findall(r"\b((?:1[89]|20)\d\d)\b", where)}
        if not context_years & frame.years:
            return Verdict(False, f"the question asks about {_join(frame.years)}; the cited article is not",
                           "constraint-mismatch")
    answer_ids = {t.i for t in answer}
    if other := _other_designation(frame, sentence):
        return Verdict(False, f"the question is about {other[0]}, the sentence about {other[1]}", "constraint-mismatch")
    if other := _other_argument(frame, sentence, answer_ids):
        return Verdict(False, other, "constraint-mismatch")
    asked_places = [(t, lab) for t, lab in frame.constraints if lab in PLACING_LABELS]
    if asked_places:
        in_sentence = [e for e in sentence.ents if e.label_ in PLACING_LABELS
                       and not answer_ids & ({t.i for t in e} | {e.root.head.i}) and not _where_said(e, answer)
                       and not _describes_someone(e)]
        question = frame.text.lower()
        if in_sentence and not any(_mentioned(t, sentence.text.lower()) for t, _ in asked_places):
            others = [e.text for e in in_sentence if e.text.lower() not in question
                      and e.label_ in {lab for _, lab in asked_places}]
            if others and len(others) == len(in_sentence):
                return Verdict(False, f"the sentence is about {others[0]}, the question about {asked_places[0][0]}",
                               "constraint-mismatch")
    return Verdict(True)


def names_hold(frame: QuestionFrame, sentence: Span, context: str = "") -> Verdict:
    """Every name the question gives is said in the sentence or its article (a why-answer from a
    story that never names Maroochydore does not say why Maroochydore lost)."""
    where = (sentence.text + "\n" + context).lower()
    for text, label in frame.constraints:
        # A person is named by surname after the first mention ("Nancy Pelosi" … "Pelosi").
        name = text.split()[-1] if label == "PERSON" else text
        if not _mentioned(name, where, demonym=label == "NORP"):
            return Verdict(False, f"the question is about “{text}”, which the cited passage does not mention",
                           "constraint-mismatch")
    return Verdict(True)


def _describes_other(token: Token, answer: Sequence[Token]) -> bool:
    """A year in a clause describing a noun, away from the answer: "voted 66 to 27, seven days ahead
    of the deadline issued by the court in 2017" dates the deadline, not the vote."""
    if not answer:
        return False
    clause = next((t for t in token.ancestors if t.pos_ in ("VERB", "AUX")), None)
    return clause is not None and clause.dep_ in ("acl", "relcl") and not any(a in clause.subtree for a in answer)


def _other_designation(frame: QuestionFrame, sentence: Span) -> tuple[str, str] | None:
    """"round 3" asked, "Round 4" said (and not round 3): another round, stage or flight."""
    said = designators(sentence)
    for noun, value in frame.designators:
        numbers = {v for n, v in said if n == noun}
        if numbers and value not in numbers:
            return f"{noun} {value:g}", f"{noun} {min(numbers):g}"
    return None


def _other_argument(frame: QuestionFrame, sentence: Span, answer_ids: set[int]) -> str | None:
    """"When Caloundra beat Maroochydore" asked, "Caloundra defeated Wynnum" (or "University … with
    a 22 points to 10 win over Maroochydore") said: the asked relation with another name on the side
    the question names."""
    for verb, side, name in frame.arguments:
        for said in (t for t in sentence if t.pos_ in ("VERB", "NOUN") and relates({verb}, t.lemma_)):
            for head, role in _sides(said, sentence):
                if head.i in answer_ids or not (head.pos_ == "PROPN" or head.ent_type_ in CONSTRAINT_LABELS):
                    continue
                named = next((e.text for e in sentence.ents if e.start <= head.i < e.end), head.text)
                # Only the same side: a passive parsed as active (or the reverse) swaps sides. A
                # relation noun has no passive: "a win over Maroochydore" says Maroochydore lost.
                if role == side and not same_name(named, name):
                    return f"the sentence says {named} for {name} ({said.text})"
                if said.pos_ == "NOUN" and role != side and same_name(named, name):
                    return f"in the sentence {named} is the {role} of “{said.text}”, not its {side}"
    return None


def _sides(said: Token, sentence: Span) -> list[tuple[Token, str]]:
    """(phrase head, "subject"/"object") of a verb's arguments, or of a relation noun's: "a win
    over Maroochydore" (object), "University … with a win" (subject)."""
    if said.pos_ == "VERB":
        return [(c, role) for c in sentence if governing_verb(c).i == said.i and (role := side_of(c))]
    # Not a possessive: "Smith's successor" succeeded Smith, "Noosa's win" was Noosa's.
    sides = [(g, "object") for c in said.children if c.dep_ == "prep" and c.lower_ in ("over", "against")
              for g in c.children if g.dep_ == "pobj"]
    if not any(side == "subject" for _, side in sides) and said.dep_ == "pobj" and said.head.lower_ == "with" \
            and said.head.head.pos_ in ("VERB", "AUX"):
        sides += [(c, "subject") for c in said.head.head.children if c.dep_ == "nsubj"]
    return sides


def same_name(a: str, b: str) -> bool:
    """Two names share a word, spelling variants included ("Mishan" and "Hamza Mishaan")."""
    return any(x == y or SequenceMatcher(None, x, y).ratio() >= 0.8 for x in _name_words(a) for y in _name_words(b))


def _name_words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", name.lower().replace("'s", "")) if len(w) > 2 and w != "the"}


_SAYING = SPEECH_VERBS | {"speak", "talk", "write"}


def _saying_verb(token: Token) -> Token | None:
    """The verb ``token`` hangs on, when that verb is one of saying: its phrase tells where or when a
    statement was made, not where or when what it states happened."""
    verb = next((t for t in token.ancestors if t.pos_ == "VERB"), None)
    return verb if verb is not None and verb.lemma_.lower() in _SAYING else None


def _where_said(place: Span, answer: Sequence[Token]) -> bool:
    """"Speaking on al-Masirah TV in Yemen, the spokesman said it used ten drones": where a statement
    was made, not where what it states happened (the answer hangs on another verb)."""
    said = _saying_verb(place.root)
    return said is not None and bool(answer) and next((t for t in answer[0].ancestors if t.pos_ == "VERB"), None) != said


# Nouns a place describes without placing the event ("the Spanish race" still places it).
_DESCRIBED = PEOPLE | PERSON_ROLES | frozenset("""national citizen native resident embassy consulate official
authority media newspaper""".split())


def _describes_someone(place: Span) -> bool:
    """"her marriage to a U.S. national", "ousting pro-Beijing candidates", "according to the U.S.
    embassy in Beijing": a place that describes a person or a source is not where the asked event
    happened."""
    root = place.root
    if root.dep_ in ("compound", "amod", "nmod") and root.head.lemma_.lower() in _DESCRIBED:
        return True
    return any(t.lower_ == "according" for t in root.ancestors)


_CATEGORY_FORMS = {"woman": "wom[ae]n", "man": "m[ae]n", "girl": "girls?", "boy": "boys?"}


def _mentioned(name: str, text: str, demonym: bool = False) -> bool:
    letters = name.replace(".", "").strip()
    if 2 <= len(letters) <= 4 and letters.isalpha() and letters.isupper():
        # "US" is mentioned by "United States", "NDS" by "National Directorate of Security": the
        # initials of its words, short function words skipped.
        if re.search(r"\b" + r"\w{2,}\s+(?:(?:of|for|and|the|on|de)\s+)*".join(letters.lower()) + r"\w{2,}", text) \
                or re.search(rf"\b{re.escape(name.lower())}\b", text) \
                or re.search(r"\b" + r"\.".join(letters.lower()) + r"\.", text):  # "US" = "U.S."
            return True
    name = re.sub(r"['’]s?$", "", name.lower().removeprefix("the ").strip())  # "North Korea's"
    if name in text:
        return True
    # "Jolo Cathedral" is mentioned by "the cathedral in Jolo": every word of the name; a demonym
    # by its country ("South Korean" by "South Korea").
    parts = [p for p in re.findall(r"[\w'’-]+", name) if len(p) > 2]
    return bool(parts) and all(any(re.search(rf"\b{re.escape(stem)}", text) for stem in _stems(p, demonym))
                               for p in parts)


# Demonym endings and what the country name keeps: Korean -> Korea, Iranian -> Iran, Iraqi -> Iraq,
# Japanese -> Japan, British -> Brit(ain).
_DEMONYM_ENDINGS = (("ian", ""), ("an", "a"), ("n", ""), ("i", ""), ("ese", ""), ("ish", ""))


def _stems(word: str, demonym: bool) -> list[str]:
    stems = [word.rstrip("s")]
    for ending, keep in _DEMONYM_ENDINGS if demonym else ():
        if word.endswith(ending) and len(word) - len(ending) + len(keep) >= 4:
            stems.append(word[: len(word) - len(ending)] + keep)
    if demonym and word.endswith("ish"):  # Polish -> Poland, Finnish -> Finland, Irish -> Ireland
        stems += [word[:-3] + "and", word[:-3] + "land", word[:-3] + "eland"]
    return stems


def _join(years: Iterable[int]) -> str:
    return ", ".join(str(y) for y in sorted(years))


# -- relations ---------------------------------------------------------------------------------
def _governing(token: Token) -> tuple[list[Token], Token | None]:
    """The verbs (and predicate adjectives) that govern ``token``: its nearest verb ancestor and,
    through light verbs, the next ones ("were confirmed dead" -> confirm, dead). A light verb with
    its own subject closes the chain: "there were four people on board; one was pronounced dead"
    does not say four were pronounced dead, however the parser hangs the clauses. The verb cut off
    is returned second."""
    chain: list[Token] = []
    current = token
    closed = False
    while current.head.i != current.i:
        current = current.head
        if current.pos_ in ("VERB", "AUX", "ADJ") or current.dep_ == "ROOT":
            light = current.lemma_.lower() in LIGHT_VERBS
            if closed and current.pos_ == "VERB" and not light:
                return chain, current
            chain.append(current)
            chain.extend(c for c in current.children if c.dep_ in ("acomp", "oprd", "xcomp", "attr")
                         and c.i != token.i)
            if not light and current.pos_ == "VERB":
                break
            closed = closed or any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in current.children)
    return chain, None


def _matches_verb(frame: QuestionFrame, lemmas: Iterable[str]) -> bool:
    return bool(frame.verbs) and any(relates(frame.verbs, lemma) for lemma in lemmas)


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
    if frame.focus and frame.focus not in _MONEY_NOUNS | _SIZE_WORDS and _money(tokens):
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


# What an amount of money answers ("How big was the fine?", "What was the company's loss?").
_MONEY_NOUNS = frozenset("""money dollar euro pound yen yuan rupee franc cost price amount sum fine fee value worth
revenue sale profit loss budget salary wage pay spending fund funding damage bill payment compensation tax debt
investment income earnings bail bond reward ransom prize deal contract aid grant penalty settlement bonus
package offer valuation capital cash asset donation award""".split())
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


def _nouns_up_to_verb(token: Token) -> list[Token]:
    """The nouns between a phrase and the verb it hangs on: "injuries" in "causing minor injuries to
    two personnel" says what happened to them."""
    nouns = []
    current = token
    while current.head.i != current.i and current.head.pos_ not in ("VERB", "AUX"):
        current = current.head
        if current.pos_ == "NOUN":
            nouns.append(current)
    return nouns


def dependency_path(a: Token, b: Token) -> list[Token] | None:
    """The tokens strictly between ``a`` and ``b`` on their dependency path; None if unconnected."""
    up_a = [a, *a.ancestors]
    position = {t.i: n for n, t in enumerate(up_a)}
    up_b = [b, *b.ancestors]
    for n, t in enumerate(up_b):
        if t.i in position:
            meeting = [t] if t.i not in (a.i, b.i) else []
            return up_a[1:position[t.i]] + meeting + list(reversed(up_b[1:n]))
    return None


def dependency_distance(a: Token, b: Token) -> int:
    """Arcs between two tokens of one sentence in the dependency tree."""
    path = dependency_path(a, b)
    return 99 if path is None else len(path) + 1 if a.i != b.i else 0




def _phrase_head(token: Token) -> Token:
    """The head of the phrase a name is in, through compounds, appositions and conjunctions."""
    while token.dep_ in ("compound", "flat", "appos", "conj", "poss") and token.head.i != token.i:
        token = token.head
    return token


def _role(token: Token) -> str | None:
    """Subject or object side of the verb the phrase hangs on, through names' compounds and appositions."""
    return side_of(_phrase_head(token))


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
    if frame.focus and frame.kind in (AnswerKind.PERSON, AnswerKind.NAME) and frame.focus not in ORG_NOUNS:
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
    return noun if noun.lemma_.lower() in PERSON_ROLES | PEOPLE and noun.pos_ == "NOUN" else None


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


# "What did Kirby call the attacks?": what someone called something.
NAMING_VERBS = frozenset("call describe label term characterize characterise dub brand".split())


def characterization(frame: QuestionFrame, sentence: Span) -> list[Token] | None:
    """What the person the question names called it, in their own words: "… except this is a
    serious threat,” John Kirby told reporters" -> "a serious threat" — the complement of "this
    is" / "it was" inside a quotation whose speaker the question names."""
    named = [text for text, label in frame.constraints if label in ("PERSON", "ORG")]
    speakers = [t for t in sentence if t.lemma_.lower() in SPEECH_VERBS and t.pos_ == "VERB"
                and any(side_of(c) == "subject" and same_name(c.text, " ".join(named)) for c in t.children)]
    for speaker in speakers:
        for copula in (t for t in speaker.subtree if t.lemma_ == "be" and t.i != speaker.i):
            subject = next((c for c in copula.children if c.dep_ == "nsubj"), None)
            complement = next((c for c in copula.children if c.dep_ in ("attr", "acomp")), None)
            if subject is not None and complement is not None and subject.lower_ in ("this", "it", "that", "they"):
                return list(complement.subtree)
    return None


def _open_relation(frame: QuestionFrame, sentence: Span, tokens: Sequence[Token]) -> Verdict:
    """An open answer ("a flour bag") must come from a sentence that is about the question: its
    verb, or most of its content words."""
    if frame.verbs and frame.verbs <= NAMING_VERBS and (said := characterization(frame, sentence)) \
            and {t.i for t in said} <= {t.i for t in tokens} | {t.i for t in said if t.is_punct}:
        return Verdict(True, strength=2)
    lemmas = {t.lemma_.lower() for t in sentence}
    # The main relation: "What caused the problem on the plane that crashed?" is not stated by a
    # sentence about the crash.
    asked = frame.verbs - frame.clause_verbs or frame.verbs
    if asked and any(relates(asked, lemma) for lemma in lemmas):
        return Verdict(True, strength=2)
    if frame.verbs & CAUSING:  # "What caused the fire?": a sentence about the fire that names no cause
        return Verdict(False, f"the sentence does not say what {'/'.join(sorted(frame.verbs & CAUSING))}d it",
                       "wrong-relation")
    shared = frame.content & lemmas
    if frame.content and len(shared) / len(frame.content) >= 0.5:
        return Verdict(True, strength=1)
    return Verdict(False, "the sentence is not about what the question asks", "wrong-relation")


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

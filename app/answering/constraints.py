"""The question's constraints hold for a sentence: its names, category and years are said in the
sentence or its article, and no other year, round, argument or place of the same kind stands instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.tokens import Span, Token

from app.answering.answer_span import Verdict
from app.answering.dependency_tree import _saying_verb
from app.answering.name_matching import _mentioned, same_name
from app.answering.question_frame import QuestionFrame
from app.answering.question_parse import designators, governing_verb, side_of
from app.answering.noun_classes import names_a_person
from app.answering.relation_lexicon import CONSTRAINT_LABELS, PEOPLE, PLACING_LABELS, relates


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
    for years in (y for y in (frame.years, frame.story_years) if y):
        context_years = {int(y) for y in re.findall(r"\b((?:1[89]|20)\d\d)\b", where)}
        if not context_years & years:
            return Verdict(False, f"the question asks about {_join(years)}; the cited article is not",
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


def _where_said(place: Span, answer: Sequence[Token]) -> bool:
    """"Speaking on al-Masirah TV in Yemen, the spokesman said it used ten drones": where a statement
    was made, not where what it states happened (the answer hangs on another verb)."""
    said = _saying_verb(place.root)
    return said is not None and bool(answer) and next((t for t in answer[0].ancestors if t.pos_ == "VERB"), None) != said


# Nouns a place describes without placing the event ("the Spanish race" still places it): people
# (a person noun by WordNet: "national", "resident", "official"), and sources.
_SOURCES = frozenset("embassy consulate authority media newspaper".split())


def _describes_someone(place: Span) -> bool:
    """"her marriage to a U.S. national", "ousting pro-Beijing candidates", "according to the U.S.
    embassy in Beijing": a place that describes a person or a source is not where the asked event
    happened."""
    root = place.root
    described = root.head
    if root.dep_ in ("compound", "amod", "nmod") and (described.lemma_.lower() in PEOPLE | _SOURCES
                                                       or names_a_person(described)):
        return True
    return any(t.lower_ == "according" for t in root.ancestors)


_CATEGORY_FORMS = {"woman": "wom[ae]n", "man": "m[ae]n", "girl": "girls?", "boy": "boys?"}


def _join(years: Iterable[int]) -> str:
    return ", ".join(str(y) for y in sorted(years))

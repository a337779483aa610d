"""Comparison questions over named alternatives, answered from one article per side.

"Which killed more people, the Hajj stampede or the crane collapse?" is not stated by any one
sentence: each side is. The question is read with spaCy (a comparative — "more/fewer/less <noun>",
an adjective or adverb in the comparative such as "older", "earlier", or "first" — in the main
clause, then a trailing "A or B" after a comma or colon), and each alternative gets its own
sub-question that the verified single-answer flow can answer ("How many people did <A> kill?",
"How old is <A>?", "When did <A> happen?"). Each sub-question goes through the same retrieval,
sentence ranking and verification as any question (app/answering/sentences.py), so each side's
value is stated by a sentence of an article about that side, its names and years checked there.
The values are then compared here (numbers as numbers, dates as dates), and the answer cites each
side's sentence.

Never a guess: if any side is not stated, or its value is not one number (one date), the whole
answer is a refusal that says which side was not found. Both sides resting on one sentence is
refused too (a sentence naming two incidents is the fused-facts trap).

A comparative this module cannot turn into a sub-question ("stronger winds": no single-fact
question measures it) is refused rather than left to the single-answer flow, which would answer
one side's fact as if it settled the comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc, Token

from app.answering.question_frame import PEOPLE, AnswerKind, QuestionFrame, analyse_question
from app.answering.refusals import refusal
from app.answering.sentences import Outcome, cite_sentences, word_similarity
from app.answering.subquestions import Asking, AskingPipeline, combined_answer, merged, numbered
from app.text import numbers_in
from app.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from app.retrieval import Filters

# "How <adjective> is X?" questions the question frame reads as a number (its "how old/long/..."),
# and the comparatives whose smaller value wins ("younger" is the smaller age).
_DEGREES = {"old": "old", "long": "long", "far": "far", "big": "big", "large": "large", "high": "high",
            "tall": "tall", "deep": "deep", "fast": "fast"}
_INVERSE_DEGREES = {"young": "old", "short": "long", "near": "far", "close": "far", "small": "big",
                    "low": "high", "slow": "fast"}
_COUNT_MORE = frozenset({"more", "greater", "larger", "higher", "bigger"})
_COUNT_FEWER = frozenset({"fewer", "less", "smaller", "lower"})
_EARLIER = frozenset({"first", "earlier", "sooner", "before"})
_LATER = frozenset({"later", "last", "after"})


@dataclass(frozen=True)
class Comparison:
    """A comparison question read off its parse."""

    alternatives: tuple[str, ...]  # as the question names them
    sub_questions: tuple[str, ...]  # one per alternative; empty when the measure is not supported
    kind: AnswerKind  # NUMBER or TIME: how the sides' values compare
    largest: bool  # the asked side holds the largest value (most, oldest, latest)
    measure: str  # the comparative as written ("more people", "older", "first")

    @property
    def supported(self) -> bool:
        return bool(self.sub_questions)


@dataclass(frozen=True)
class Side:
    alternative: str
    outcome: Outcome
    retrieved: list[Passage]
    value: float | datetime | None


def read_comparison(doc: Doc) -> Comparison | None:
    """The comparison a question asks, or None when it is not one ("Which X …<comparative>…, A or B?")."""
    # "first"/"before" only as an adverb of the verb ("Which happened first"; last in the clause,
    # where the parse may hang it on the next name), not "the first …".
    comparative = next((t for t in doc if t.tag_ in ("JJR", "RBR") or (t.lower_ in _EARLIER | _LATER and (
        t.dep_ == "advmod" or (t.i + 1 < len(doc) and doc[t.i + 1].text in (",", ":"))))), None)
    if comparative is None:
        return None
    # The alternatives follow the first comma (or colon) after the comparative, and an "or" joins them.
    comma = next((t.i for t in doc[comparative.i + 1:] if t.text in (",", ":")), None)
    if comma is None:
        return None
    clause = doc[:comma]
    tail = [t for t in doc[comma + 1:] if not (t.is_punct and t.text in "?.!")]
    wh = next((t for t in clause if t.tag_ in ("WDT", "WP", "WRB")), None)
    if wh is None or not any(t.lower_ == "or" and t.tag_ == "CC" for t in tail):
        return None
    alternatives = _split_alternatives(tail)
    if len(alternatives) < 2:
        return None
    verb = clause.root
    word = comparative.lower_
    lemma = comparative.lemma_.lower()
    if word in _COUNT_MORE | _COUNT_FEWER and (counted := _counted(comparative)) is not None:
        noun, phrase = counted
        many = "many" if noun.tag_ in ("NNS", "NNPS") else "much"
        subs = tuple(_count_question(clause, wh, comparative, noun, phrase, many, verb, alt) for alt in alternatives)
        return Comparison(alternatives, subs, AnswerKind.NUMBER, word in _COUNT_MORE, f"{word} {phrase}")
    if word in _EARLIER | _LATER:
        subs = tuple(_when_question(clause, wh, comparative, verb, alt) for alt in alternatives)
        return Comparison(alternatives, subs, AnswerKind.TIME, word in _LATER, word)
    degree = _DEGREES.get(lemma) or _INVERSE_DEGREES.get(lemma)
    # "Who is older" measures the alternatives themselves; "the longer runway" something of theirs.
    if degree and not (comparative.dep_ == "amod" and comparative.head.dep_ in ("dobj", "pobj")):
        subs = tuple(_degree_question(degree, verb, alt) for alt in alternatives)
        return Comparison(alternatives, subs, AnswerKind.NUMBER, lemma in _DEGREES, word)
    # A comparison, but of something no single-fact question measures ("stronger winds").
    noun = comparative.head if comparative.dep_ == "amod" else \
        comparative.head.head if comparative.dep_ == "advmod" and comparative.head.dep_ == "amod" else comparative
    measure = doc[comparative.i: noun.i + 1].text if noun.i > comparative.i else word
    return Comparison(alternatives, (), AnswerKind.OPEN, True, measure)


def _split_alternatives(tail: Sequence[Token]) -> tuple[str, ...]:
    """ "A, B or C" -> (A, B, C); an alternative repeating a preposition ("in A or in B") keeps it."""
    parts: list[list[Token]] = [[]]
    for token in tail:
        if token.text == "," or (token.lower_ == "or" and token.tag_ == "CC"):
            parts.append([])
        else:
            parts[-1].append(token)
    return tuple(text for part in parts if (text := "".join(t.text_with_ws for t in part).strip()))


def _counted(comparative: Token) -> tuple[Token, str] | None:
    """The noun that "more"/"fewer" counts and its phrase without the comparative: "more US soldiers"
    -> (soldiers, "US soldiers")."""
    noun = comparative.head if comparative.dep_ == "amod" and comparative.head.pos_ in ("NOUN", "PROPN") else None
    if noun is None and comparative.dep_ != "advmod":  # "more tragic": a degree, not a count
        following = comparative.doc[comparative.i + 1: comparative.i + 2]
        noun = next((t for t in following if t.pos_ in ("NOUN", "PROPN")), None)
    if noun is None:
        return None
    modifiers = [t for t in noun.lefts if t.i != comparative.i and t.dep_ in ("compound", "amod", "nmod")]
    phrase = " ".join([t.text for t in modifiers if t.i > comparative.i] + [noun.text])
    return noun, phrase


def _wh_phrase(wh: Token) -> list[Token]:
    """ "Which" / "Which flight" / "In which attack": the tokens the alternative stands in for."""
    head = wh.head if wh.dep_ == "det" else wh
    phrase = [wh, head] if head is not wh else [wh]
    before = wh.doc[wh.i - 1] if wh.i > 0 else None
    if before is not None and before.pos_ == "ADP":  # the parse hangs "In" on the verb or on the noun
        phrase.insert(0, before)
    return phrase


def _count_question(clause, wh: Token, comparative: Token, noun: Token, phrase: str, many: str, verb: Token,
                    alternative: str) -> str:
    """ "Which killed more people" -> "How many people did <A> kill?"; "In which attack were more
    people killed" -> "How many people were killed in <A>?"."""
    asked = _wh_phrase(wh)
    counted = {comparative.i, noun.i} | {t.i for t in noun.lefts if t.dep_ in ("compound", "amod", "nmod", "det")}
    skip = {t.i for t in asked} | counted
    head = asked[-1]
    if head.dep_ in ("nsubj", "nsubjpass") and head.head.i == verb.i and verb.lemma_ != "be":
        rest = " ".join(t.text for t in clause if t.i not in skip and t.i != verb.i and t.dep_ != "aux")
        return _question(f"How {many} {phrase} did {alternative} {verb.lemma_} {rest}")
    rest = " ".join(t.text for t in clause if t.i not in skip)
    where = f"{asked[0].text.lower()} {alternative}" if asked[0].pos_ == "ADP" else alternative
    return _question(f"How {many} {phrase} {rest} {where}")


def _when_question(clause, wh: Token, comparative: Token, verb: Token, alternative: str) -> str:
    """ "Which happened first" -> "When did <A> happen?"; "Which was earlier" -> "When was <A>?"."""
    auxiliaries = [t for t in clause if t.dep_ in ("aux", "auxpass") and t.head.i == verb.i]
    skip = {t.i for t in _wh_phrase(wh)} | {comparative.i, verb.i} | {t.i for t in auxiliaries}
    rest = " ".join(t.text for t in clause if t.i not in skip)
    if verb.lemma_ == "be":
        return _question(f"When {verb.text.lower()} {alternative} {rest}")
    passive = next((t for t in auxiliaries if t.dep_ == "auxpass"), None)
    if passive is not None:  # "Who was born first" -> "When was <A> born?"
        return _question(f"When {passive.text.lower()} {alternative} {verb.text} {rest}")
    return _question(f"When did {alternative} {verb.lemma_} {rest}")


def _degree_question(degree: str, verb: Token, alternative: str) -> str:
    """ "Who is older" -> "How old is <A>?"; "Which ran faster" -> "How fast did <A> run?"."""
    if verb.lemma_ == "be":
        return _question(f"How {degree} {verb.text.lower()} {alternative}")
    return _question(f"How {degree} did {alternative} {verb.lemma_}")


def _question(text: str) -> str:
    return " ".join(text.split()) + "?"


# -- answering ----------------------------------------------------------------------------------
def answer_comparison(pipeline: AskingPipeline, question: str, filters: Filters | None, top_k: int | None,
                      temperature: float | None, done: Callable[..., dict]) -> Answer | None:
    """The comparison's answer, each side from its own verified sentence; None when the question is
    no comparison (the single-answer flow answers it). ``done(**fields)`` adds the fields every
    answer of the pipeline carries."""
    nlp = pipeline.nlp
    comparison = read_comparison(nlp(question))
    if comparison is None:
        return None
    if not comparison.supported:
        fields = done()
        return refusal("not_stated", passages=fields["retrieved"], detail=(
            f"a comparison by “{comparison.measure}” of {_listed(comparison.alternatives)}: "
            "no single stated fact measures it"), **fields)
    asking = Asking(pipeline, filters, top_k, temperature, word_similarity(pipeline.embeddings))
    sides = [_answer_side(asking, alternative, sub, comparison.kind)
             for alternative, sub in zip(comparison.alternatives, comparison.sub_questions)]
    retrieved = merged(*(side.retrieved for side in sides))
    closest = numbered(p for side in sides for p in side.retrieved[:2])
    missing = [side for side in sides if side.value is None]
    if missing:
        detail = "; ".join(f"not found for {side.alternative} (asked “{side.outcome.frame.text}”: "
                           f"{side.outcome.reason or 'the stated value is not one ' + comparison.kind.value})"
                           for side in missing)
        return refusal("not_stated", passages=closest, detail=detail, **{**done(), "retrieved": retrieved})
    stating = [(side.outcome.sentences[0].passage.chunk_id, side.outcome.sentences[0].start) for side in sides]
    if len(set(stating)) < len(stating):
        return refusal("not_stated", passages=closest, detail="one sentence is cited for two alternatives",
                       **{**done(), "retrieved": retrieved})
    text, citations = compose_comparison(sides, comparison.largest)
    raw = " | ".join(side.outcome.raw for side in sides if side.outcome.raw) or None
    return combined_answer(text, citations, retrieved, done, raw)


def _answer_side(asking: Asking, alternative: str, sub_question: str, kind: AnswerKind) -> Side:
    """One alternative through the verified single-answer flow, its value read off the stated span."""
    outcome, retrieved = asking.verified(sub_question, side_frame(asking.pipeline.nlp, sub_question, alternative))
    value = None
    if not outcome.refused and outcome.frame.kind == kind:
        value = side_value(outcome.answer, kind, outcome.sentences[0].passage.date)
    return Side(alternative, outcome, retrieved, value)


def side_frame(nlp: Language, sub_question: str, alternative: str) -> QuestionFrame:
    """The sub-question's frame, its relation the comparison's own: a verb that only describes the
    alternative ("Lion Air Flight 610 that crashed into the Java Sea") names it, it is not what is
    asked. Its names and years stay constraints."""
    frame = analyse_question(nlp(sub_question))
    asked = analyse_question(nlp(sub_question.replace(alternative, "it"))).verbs
    # "More people" counts persons of any kind ("345 pilgrims were killed"): with a relation to
    # anchor the count, the generic noun is not required of the counted one.
    focus = None if frame.focus in PEOPLE and asked else frame.focus
    return replace(frame, verbs=asked, focus=focus)


def side_value(answer: str, kind: AnswerKind, article_date: str | None = None) -> float | datetime | None:
    """The one number (or date) an answer states; None when it states none or several ("5 or 6")."""
    if kind == AnswerKind.NUMBER:
        values = numbers_in(answer)
        return next(iter(values)) if len(values) == 1 else None
    if kind == AnswerKind.TIME:
        import dateparser

        base = datetime.fromisoformat(article_date[:10]) if article_date else None
        settings = {"PREFER_DAY_OF_MONTH": "first", **({"RELATIVE_BASE": base} if base else {})}
        parsed = dateparser.parse(answer, languages=["en"], settings=settings)
        return parsed.replace(tzinfo=None) if parsed else None  # "7:38 pm IST" vs a bare date: comparable
    return None


def compose_comparison(sides: Sequence[Side], largest: bool) -> tuple[str, list[Citation]]:
    """ "<Winner>: <its value> [1], against <value> for <other> [2]. <sentence> [1] <sentence> [2]",
    each side cited to its own sentence, the asked side first; equal values say so."""
    ordered = sorted(sides, key=lambda side: side.value, reverse=largest)
    stated, citations = cite_sentences([(ref, side.outcome.origin) for side in ordered
                                        for ref in side.outcome.sentences])
    # Each side's claim carries the number of its stating sentence (a side may cite two: "he said").
    number_of = {(c.article_id, c.span.start): c.number for c in citations}
    numbers = [number_of[(ref.passage.article_id, ref.passage.start + ref.start)]
               for ref in (side.outcome.sentences[0] for side in ordered)]
    claims = [f"{side.outcome.answer} for {side.alternative} [{n}]" for n, side in zip(numbers, ordered)]
    if ordered[0].value == ordered[1].value:
        head = "The same: " + ", and ".join(claims) + "."
    else:
        winner = ordered[0].alternative
        head = f"{winner[:1].upper()}{winner[1:]}: {ordered[0].outcome.answer} [{numbers[0]}], " \
               f"against {', '.join(claims[1:])}."
    return f"{head} {' '.join(stated)}", citations


def _listed(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]

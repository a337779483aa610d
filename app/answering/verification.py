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

Here: ``verify`` and ``verify_tokens``, which run the checks in order. The checks, each in its own
module (their public names are re-exported here, where callers import them):
- the answer in its sentence and the ``Verdict``: app/answering/answer_span.py;
- the asked type, and not repeating the question: app/answering/answer_type.py;
- the question's names, years and places: app/answering/constraints.py (names: name_matching.py);
- the relation: number_relation.py (counts, amounts, scores), argument_relation.py (a person,
  time, place or name), open_relation.py (any phrase), on the helpers of dependency_tree.py;
- why/how answers: app/answering/explanations.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from spacy.tokens import Span, Token

# Also imported here for callers: the names that moved into the modules split off from this one.
from app.answering.answer_span import Verdict, asks, locate, span_value
from app.answering.answer_type import _restates, _typed_tokens, example_of, of_asked_type
from app.answering.argument_relation import _argument_relation
from app.answering.constraints import check_constraints, names_hold
from app.answering.dependency_tree import dependency_distance, dependency_path
from app.answering.explanations import explains, gives_cause
from app.answering.name_matching import _mentioned, same_name
from app.answering.number_relation import _number_relation, _score_relation, counted_noun
from app.answering.open_relation import NAMING_VERBS, _open_relation, characterization
from app.answering.question_frame import AnswerKind, QuestionFrame
from app.answering.relation_lexicon import relates



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

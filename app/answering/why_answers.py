"""Why/how questions: the explaining sentence(s) the generator picks, checked to be about the
question and to give a cause (app/answering/explanations.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Span

from app.answering.picking import (PickFn, explain_schema, parse_pick, reply_text)
from app.answering.question_frame import QuestionFrame
from app.answering.verification import Verdict, explains, gives_cause, names_hold

log = logging.getLogger(__name__)
from app.answering.ranked_sentences import (Outcome, PassageContext, Prompts, SentenceRef, following_in_passage)

log = logging.getLogger(__name__)


def _explain(frame: QuestionFrame, ranked: Sequence[SentenceRef], spans: Sequence[Span], ask: PickFn | None,
             prompts: Prompts, user_fields: dict, nlp: Language | None = None,
             context: PassageContext | None = None) -> Outcome:
    raw = ""
    picked: tuple[int, ...] = ()
    if ask is not None:
        try:
            raw = reply_text(ask(prompts.explain_system, prompts.explain_user.format(**user_fields),
                                 explain_schema(len(ranked))))
        except Exception as err:
            log.warning("explanation pick failed: %s", err)
        picked = parse_pick(raw, len(ranked)).sentences
    # Measured: a sentence that is only about the event (no cause, purpose or means in it) was the
    # usual wrong why-answer, so the model's pick must explain too; and its article must name what
    # the question names (another story's "factors to blame for the loss" is not this loss's).
    context = context or PassageContext()

    def explaining(i: int) -> Verdict:
        if not names_hold(frame, spans[i], context(ranked[i])):
            return Verdict(False, "the sentence's article does not name what the question names", "constraint-mismatch")
        return explains(frame, spans[i], ranked[i].passage.title or "")

    chosen = [i - 1 for i in picked if explaining(i - 1).strength >= 2]
    origin = "model"
    verdicts: list[tuple[int, Verdict]] = []
    if not chosen:
        verdicts = [(i, explaining(i)) for i in range(len(spans))]
        chosen = [i for i, v in verdicts if v and v.strength >= 2][:1]
        origin = "matched"
    if not chosen and nlp is not None:
        # News often gives the cause in the sentence after the statement, referring back to it: "The
        # NTSB … was absent. It is presently unable to operate due to a shutdown …".
        followed = [(i, after) for i, about in verdicts if about
                    and (after := following_in_passage(ranked[i])) is not None
                    and _refers_back(after.text)]
        for (i, after), doc in zip(followed, nlp.pipe([after.text for _, after in followed])):
            if gives_cause(frame, doc[:]):
                return Outcome(frame, "", [ranked[i], after], "matched", raw=raw)
    if not chosen:
        return Outcome(frame, reason="no sentence explains it", raw=raw)
    stated = [ranked[i] for i in chosen]
    # A quotation the sentence opens and does not close goes on in the next one: the speaker's
    # words are cited whole ("said "Buildings can only be … up to four floors[...]" / "This hotel
    # had been built up to six floors.").
    if _opens_quote(stated[-1].text) and (rest := following_in_passage(stated[-1])) is not None:
        stated.append(rest)
    return Outcome(frame, "", stated, origin, raw=raw)


def _opens_quote(text: str) -> bool:
    """More opening quotation marks than closing ones (a straight one is closing at the end)."""
    if text.count("“") != text.count("”"):
        return text.count("“") > text.count("”")
    return text.count('"') % 2 == 1 and not text.rstrip(" .!?").endswith('"')


_BACK_REFERENCES = frozenset("it this that they he she".split())


def _refers_back(text: str) -> bool:
    """The sentence opens with a word that refers to the one before ("It is unable to operate …")."""
    first = re.match(r"\W*([A-Za-z]+)", text)
    return first is not None and first.group(1).lower() in _BACK_REFERENCES

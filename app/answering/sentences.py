"""From retrieved passages to an answer stated by one (or, for why/how, two) of their sentences.

1. The passages' sentences are ranked by similarity to the question; the best few, and a few that
   share the question's rarest words (``sentence_window``), are shown to the generator, numbered,
   with their article's title and date.
2. The checks (app/answering/candidates.py, app/answering/verification.py) look for answers of the
   asked type, attached to the asked relation, whose constraints hold, in every sentence shown. One such answer in the best
   sentence, or one in all of them, is the answer without a model call. Of several, the generator
   chooses one or none (app/answering/picking.py: constrained output, an enum of the candidates).
   A "he"/"she" on the asked side is the person the sentence before names (app/answering/pronouns.py),
   and that sentence is cited too.
3. When the checks find none, the generator picks the sentence that states the answer and copies
   the answer span, and the pick is verified. A pick that fails is not shown; the pipeline then
   looks inside the model's copy and sentence for an answer that verifies, and, for an open
   question, in the best-ranked sentence whose slot filler hangs on the asked verb (the "matched"
   origin).
4. Nothing verifies: a refusal that says why, with the closest passages."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bm25s.stopwords import STOPWORDS_EN
from spacy.language import Language
from spacy.tokens import Span

from app.answering.candidates import Candidate, candidates, open_answer, preferred
from app.answering.decision import Scorer
from app.answering.evidence import SOFT_FAILURES, Candidate as WeighedCandidate
from app.answering.picking import (PickFn, choice_schema, factoid_schema, format_sentences, number_confidence,
                                   parse_choice, parse_pick, reply_text)
from app.answering.pronouns import PERSONAL, antecedent, personal_pronoun
from app.answering.question_frame import AnswerKind, QuestionFrame, analyse_question
from app.lexicon import Lexicon
from app.answering.rewriting import asked_part
from app.answering.verification import Verdict, locate, same_name, verify
# The flow's public names that live in the modules it was split into, imported here for callers.
from app.answering.cited_text import cite, cite_sentences, compose, reorder_passages  # noqa: F401
from app.answering.ranked_sentences import (ArticleContext, Outcome, PassageContext, Prompts,  # noqa: F401
                                            SentenceRef, following_in_passage, preceding_in_passage,
                                            rank_sentences, word_similarity)
from app.answering.weighing import confirmed, weigh
from app.answering.why_answers import _explain  # noqa: F401

log = logging.getLogger(__name__)


def answer_from_sentences(question: str, ranked: Sequence[SentenceRef], nlp: Language, ask: PickFn | None,
                          prompts: Prompts, similar: Callable[[str, str], float] | None = None,
                          frame: QuestionFrame | None = None,
                          context: PassageContext | None = None, shown: int | None = None,
                          lexicon: Lexicon | None = None, scorer: Scorer | None = None) -> Outcome:
    """``frame``: the question already analysed (a caller may narrow it); ``context``: what else a
    sentence's article attests, for its constraints, and the sentences before it, for whom its "he"
    stands (default: its passage only); ``shown``: how many of the ranked sentences to answer from
    (``sentence_window``); ``scorer``: the calibrated decision over each candidate's evidence
    (app/answering/decision.py; without it the checks decide alone)."""
    frame = frame or analyse_question(nlp(asked_part(question)))
    context = context or PassageContext()
    ranked = sentence_window(frame, ranked, shown or len(ranked))
    if not ranked:
        return Outcome(frame, reason="no sentence to answer from")
    docs = list(nlp.pipe([r.text for r in ranked]))
    spans: list[Span] = [d[:] for d in docs]
    listing = format_sentences([(r.passage.title, r.passage.date, r.text) for r in ranked])
    user_fields = {"sentences": listing, "question": question}

    if frame.kind == AnswerKind.REASON:
        return _explain(frame, ranked, spans, ask, prompts, user_fields, nlp, context)
    soft: list[WeighedCandidate] = []  # a generator pick that failed a check softly
    outcome = _select(frame, ranked, spans, nlp, ask, prompts, similar, context, user_fields, soft)
    confirm = (lambda o: confirmed(o, ranked, ask, prompts, user_fields)) if ask is not None else None
    return weigh(frame, outcome, soft, ranked, spans, context, similar, lexicon, scorer, confirm)


def _select(frame: QuestionFrame, ranked: Sequence[SentenceRef], spans: list[Span], nlp: Language,
            ask: PickFn | None, prompts: Prompts, similar, context: PassageContext, user_fields: dict,
            soft: list[WeighedCandidate]) -> Outcome:
    """The checks' answer, or the generator's verified pick; a pick refused only by soft checks is
    added to ``soft`` for the calibrated decision."""

    # The checks alone settle it when the best-ranked sentence holds exactly one answer of the asked
    # type attached to the asked relation and argument: no model call (about 1-3 s on a CPU). Each
    # sentence's verified answers are found once (none for an open question).
    # “…,” he said: "he" is the person named before it, and that sentence is cited too.
    named_in: dict[tuple[int, str], SentenceRef] = {}
    parsed_before: dict[int, tuple[list[SentenceRef], list[Span]]] = {}

    def before(i: int) -> tuple[list[SentenceRef], list[Span]]:
        """The sentences before sentence i (nearest first) and their parses, read and parsed once."""
        if i not in parsed_before:
            refs = context.preceding(ranked[i])
            parsed_before[i] = refs, [d[:] for d in nlp.pipe([r.text for r in refs])]
        return parsed_before[i]

    about_other = _about_someone_else(frame, spans, before)

    def found_in(i: int) -> list[Candidate]:
        if about_other(i):
            return []
        found_i = candidates(frame, spans[i], context(ranked[i]), similar)
        if any(c.label == "PRON" for c in found_i):
            found_i = _named(found_i, i, spans, before(i), named_in)
        return found_i

    def stating(text: str, i: int) -> list[SentenceRef]:
        return [ranked[i]] + ([named_in[(i, text)]] if (i, text) in named_in else [])

    found = [found_in(0)]
    if strong := _unambiguous(frame, found[0]):
        return Outcome(frame, strong, stating(strong, 0), "matched")
    found += [found_in(i) for i in range(1, len(ranked))]
    # Otherwise the verified answers of all the sentences: one is the answer; of several, the
    # generator chooses (a small model chooses far better than it copies a span).
    pool = _verified_pool(frame, found)
    if len(pool) == 1:
        return Outcome(frame, pool[0][0], stating(*pool[0]), "matched")
    if len(pool) > 1:
        if ask is not None:
            return _choose(frame, pool, ask, prompts, user_fields, stating)
        # Without a generator: the best-ranked sentence that holds one answer.
        return next((Outcome(frame, one, stating(one, i), "matched") for i, f in enumerate(found)
                     if (one := _unambiguous(frame, f))),
                    Outcome(frame, reason="several sentences state different answers"))

    raw, pick = "", None
    if ask is not None:
        reply = None
        try:
            reply = ask(prompts.pick_system, prompts.pick_user.format(**user_fields), factoid_schema(len(ranked)))
        except Exception as err:  # a failed model call leaves the checks to find the answer
            log.warning("answer pick failed: %s", err)
        pick = parse_pick(reply or "", len(ranked))
        raw = pick.raw
    failures: list[str] = []
    if pick is not None and pick.sentences and pick.answer:
        index, moved = pick.sentences[0] - 1, False
        verdict = verify(frame, spans[index], pick.answer, context(ranked[index]), similar)
        if not verdict and verdict.failure != "wrong-type":
            # Small models copy from another sentence than the one they number, or number a
            # neighbour that repeats the span without the relation: the span is looked for in every
            # shown sentence, and the best-ranked one that holds it and states it is the pick. When
            # none states it and the numbered sentence does not even hold the span, the refusal says
            # what the best-ranked sentence that holds it fails; that is no candidate to weigh (the
            # model's confidence was in another sentence).
            holding = [i for i, sp in enumerate(spans) if i != index and locate(pick.answer, sp)]
            for i in holding:
                if held := verify(frame, spans[i], pick.answer, context(ranked[i]), similar):
                    index, verdict = i, held
                    break
            else:
                if holding and not locate(pick.answer, spans[index]):
                    moved = True
                    index = holding[0]
                    verdict = verify(frame, spans[index], pick.answer, context(ranked[index]), similar)
        if verdict and personal_pronoun(locate(pick.answer, spans[index])):
            verdict = Verdict(False, f"“{pick.answer}” does not say who", "wrong-type")
        if verdict and about_other(index):
            verdict = Verdict(False, "the sentence's “he” or “she” is another person than the question names",
                              "constraint-mismatch")
        if verdict:
            answer = _shortest(frame, spans[index], pick.answer, found[index])
            return Outcome(frame, answer, [ranked[index]], "model", raw=raw, model_confidence=pick.confidence)
        failures.append(verdict.reason)
        if verdict.failure in SOFT_FAILURES and locate(pick.answer, spans[index]) and not moved:
            found_here = {c.text.lower() for c in found[index]} if index < len(found) else set()
            soft.append(WeighedCandidate(pick.answer, index, "model", verdict.failure, verdict.reason,
                                         rules_agree=pick.answer.lower() in found_here,
                                         model_confidence=pick.confidence))
        # A model that copied a whole sentence (or most of one) instead of the answer still chose
        # it: the one answer of the asked type inside its copy, if that verifies there.
        within = _within_copy(frame, pick.answer, index, spans, found)
        if within:
            return Outcome(frame, within[0], [ranked[within[1]]], "model", raw=raw, model_confidence=pick.confidence)
        # An open question's right sentence with a badly copied span: the phrase in its slot.
        if phrase := _open_in(frame, spans[index], context(ranked[index])):
            return Outcome(frame, phrase, [ranked[index]], "matched", raw=raw)
    elif pick is not None:
        failures.append("the model found no sentence that states the answer")
        return Outcome(frame, reason="; ".join(failures), raw=raw)
    # An open question whose pick failed (or without a generator): the best-ranked sentence whose
    # phrase in the slot hangs on the asked verb itself ("When the explosion occurred, I was looking
    # out of the window").
    for ref, span in zip(ranked, spans):
        if (phrase := open_answer(frame, span)) and verify(frame, span, phrase, context(ref)).strength >= 2:
            return Outcome(frame, phrase, [ref], "matched", raw=raw)
    return Outcome(frame, reason="; ".join(failures) or "no sentence states the answer", raw=raw)


def sentence_window(frame: QuestionFrame, ranked: Sequence[SentenceRef], size: int) -> list[SentenceRef]:
    """The ``size`` sentences to answer from: the most similar two thirds, and then those sharing
    the question's rarest words. MiniLM ranks a sentence that shares one rare word with the question
    ("born in the French territory of Martinique", "until his next court appearance on April 5")
    below many about the event. The question's names do not count as rare words: they say which
    story, which retrieval has found, not which of its sentences answers. Measured with this
    function (the stating sentence among the six shown): Wikinews set 92% by similarity alone, 95%
    with two places given this way (94% when the names counted); trap set 85% -> 94%; the
    development set in readers' words 72% -> 84% (79% when the names counted); seed set 96%."""
    if len(ranked) <= size:
        return list(ranked)
    kept = list(ranked[:max(1, size - size // 3)])
    rest = list(ranked[len(kept):])
    scores = shared_rare_words(frame.text, [r.text for r in rest], named=[text for text, _ in frame.constraints])
    kept += [rest[i] for i in sorted(range(len(rest)), key=lambda i: -scores[i])[:size - len(kept)]]
    return sorted(kept, key=lambda r: -r.similarity)


# The retriever's English stop words (bm25s), and the words of a question's form.
_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset("""what which who whom whose when where why how many much did does do
from were been has have had its his her after before since""".split())


def _word_stems(text: str) -> set[str]:
    # Six letters stand in for a stem ("stabbed"/"stabbing" differ, "appearance" matches itself): no
    # stemmer ships with the project, and parsing every retrieved sentence costs a second.
    return {w[:6] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS}


def shared_rare_words(question: str, texts: Sequence[str], named: Sequence[str] = ()) -> list[float]:
    """Each text's share of the question's words, weighted by how rare each word is among ``texts``
    (inverse document frequency). The words of the names the question gives (``named``) do not
    count: they say which story, which retrieval has found, not which of its sentences answers."""
    stems = [_word_stems(t) for t in texts]
    asked = _word_stems(question) - _word_stems(" ".join(named))
    idf = {w: math.log((len(texts) + 1) / (1 + sum(w in s for s in stems))) for w in asked}
    return [sum(idf[w] for w in asked & s) for s in stems]


def _verified_pool(frame: QuestionFrame, found: Sequence[Sequence[Candidate]], limit: int = 8) -> list[tuple[str, int]]:
    """(answer, sentence index) for every strongly verified answer in the sentences, each answer
    (or count) once, from its best-ranked sentence; of several in one sentence, those the question
    prefers. Counts of the very noun asked about go before counts of a similar one ("two personnel" before
    "one of the civilians" for "How many personnel …?")."""
    indexed = [(c, i) for i, sentence in enumerate(found)
               for c in preferred(frame, [c for c in sentence if c.verdict.strength >= 2])]
    if any(c.verdict.counts_focus for c, _ in indexed):
        indexed = [(c, i) for c, i in indexed if c.verdict.counts_focus]
    pool: dict[object, tuple[str, int]] = {}
    for c, i in indexed:  # "two dozen" and "24" are one answer
        pool.setdefault(c.value if c.value is not None else " ".join(c.text.lower().split()), (c.text, i))
    return list(pool.values())[:limit]


def _choose(frame: QuestionFrame, pool: Sequence[tuple[str, int]], ask: PickFn, prompts: Prompts, user_fields: dict,
            stating: Callable[[str, int], list[SentenceRef]]) -> Outcome:
    """The generator chooses one of several verified answers, or none (a refusal); ``stating`` gives
    an answer's sentence(s) to cite."""
    options = "\n".join(f"{n}. {text} (sentence {i + 1})" for n, (text, i) in enumerate(pool, start=1))
    reply = None
    try:
        reply = ask(prompts.choose_system, prompts.choose_user.format(**user_fields, options=options),
                    choice_schema(len(pool)))
    except Exception as err:
        log.warning("answer choice failed: %s", err)
    raw = reply_text(reply)
    choice = parse_choice(raw, len(pool))
    confidence = number_confidence(reply, "choice", range(len(pool) + 1))
    if not choice:
        return Outcome(frame, reason="several sentences state different answers and none was chosen", raw=raw,
                       model_confidence=confidence)
    text, index = pool[choice - 1]
    return Outcome(frame, text, stating(text, index), "model", raw=raw, model_confidence=confidence)


def _about_someone_else(frame: QuestionFrame, spans: Sequence[Span],
                        before: Callable[[int], tuple[list[SentenceRef], list[Span]]]) -> Callable[[int], bool]:
    """Whether sentence i's subject is a "he" or "she" that stands for another one than who the
    question says did the asked thing: "She was granted clemency after serving almost fourteen
    years" is not about Rod Blagojevich when the sentence before names Alice Johnson
    (pronouns.antecedent). Only the asked verb's subject counts: in "Who said the men wanted over
    Soleimani's killing …?" the speaker is asked, and Soleimani did not say it."""
    asked = frame.verbs - frame.clause_verbs or frame.verbs
    persons = [name for verb, role, name in frame.arguments if role == "subject" and verb in asked]
    answers: dict[int, bool] = {}

    def about_other(i: int) -> bool:
        # The main clause's "he"/"she" ("Blagojevich served eight years, he said" is about Blagojevich).
        subjects = [c for c in spans[i].root.children if c.dep_ in ("nsubj", "nsubjpass")]
        if not persons or not any(c.lower_ in PERSONAL for c in subjects):
            return False
        if i not in answers:
            earlier = before(i)[1]
            resolved = antecedent(spans[i], earlier)
            if resolved is not None:
                answers[i] = not any(same_name(resolved[1].text, p) for p in persons)
            else:  # spaCy may miss the name's type ("Tynice Nichole Hall", tagged ORG): the subject's name
                names_one = any(e.label_ == "PERSON" for e in spans[i].ents) or \
                    any(t.pos_ == "PROPN" and t.dep_ in ("nsubj", "nsubjpass") for t in spans[i])
                subject = _named_subject(earlier[0]) if earlier and not names_one else None
                answers[i] = subject is not None and not any(same_name(subject, p) for p in persons)
        return answers[i]

    return about_other


def _named_subject(sentence: Span) -> str | None:
    """The proper name that is the main clause's subject ("Tynice Nichole Hall was convicted …")."""
    root = sentence.root
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or subject.pos_ != "PROPN":
        return None
    return " ".join(t.text for t in subject.subtree if t.pos_ == "PROPN")


def _named(found: Sequence[Candidate], i: int, spans: Sequence[Span], before: tuple[list[SentenceRef], list[Span]],
           named_in: dict[tuple[int, str], SentenceRef]) -> list[Candidate]:
    """Sentence ``i``'s candidates with its he/she replaced by the person it stands for (recorded
    in ``named_in`` with the sentence naming them), or dropped when the article does not settle who.
    ``before``: the sentences before it, nearest first, and their parses."""
    refs, parsed = before
    resolved = antecedent(spans[i], parsed)
    kept = []
    for c in found:
        if c.label != "PRON":
            kept.append(c)
        elif resolved is not None:
            where, person = resolved
            named_in[(i, person.text)] = refs[where]
            kept.append(replace(c, text=person.text, label="PERSON"))
    return kept


def _within_copy(frame: QuestionFrame, copy: str, index: int, spans: Sequence[Span],
                 found: Sequence[Sequence[Candidate]]) -> tuple[str, int] | None:
    """(answer, sentence index) when the model's copied text holds exactly one verified candidate
    of the asked type, from the sentence it copied (or, failing that, the one it numbered)."""
    head = " ".join(copy.lower().split())[:40]
    copied = [i for i, sp in enumerate(spans) if head in " ".join(sp.text.lower().split())] or [index]
    for i in copied:
        if inside := _one_inside(frame, copy, found[i]):
            return inside, i
    return None


def _one_inside(frame: QuestionFrame, copy: str, found: Sequence[Candidate]) -> str | None:
    """The one verified candidate of the asked type (of a sentence's ``found``) that a long copied
    text (four words or more) holds."""
    if frame.kind in (AnswerKind.OPEN, AnswerKind.REASON) or len(copy.split()) < 4:
        return None
    lowered = " ".join(copy.lower().split())
    inside = {c.text for c in found if c.text.lower() in lowered}
    return inside.pop() if len(inside) == 1 else None


def _open_in(frame: QuestionFrame, sentence: Span, context: str) -> str | None:
    """An open question's slot filler in the sentence, if the sentence verifies with it."""
    phrase = open_answer(frame, sentence)
    return phrase if phrase and verify(frame, sentence, phrase, context) else None


def _shortest(frame: QuestionFrame, sentence: Span, answer: str, found: Sequence[Candidate] | None = None) -> str:
    """A model that copied half the sentence as "the answer": the slot filler inside it, or the one
    verified answer of the asked type inside it (of ``found``, the sentence's candidates), if any."""
    if frame.kind == AnswerKind.OPEN:
        phrase = open_answer(frame, sentence)
        return phrase if phrase and phrase.lower() in answer.lower() and len(phrase) < len(answer) else answer
    return _one_inside(frame, answer, candidates(frame, sentence) if found is None else found) or answer


def _unambiguous(frame: QuestionFrame, found: Sequence[Candidate]) -> str | None:
    """The one strongly attached candidate (of several, the one the question prefers:
    candidates.preferred); two different ones left (who of the two?) is no answer."""
    strong = preferred(frame, [c for c in found if c.verdict.strength >= 2])
    texts = list(dict.fromkeys(c.text for c in strong))
    return texts[0] if len(texts) == 1 else None

"""The answer flow: (rewrite follow-up) -> retrieve -> rank sentences -> the generator picks the
stating sentence and copies the answer -> verify (app/answering/sentences.py) -> Answer.

Time and disagreement (issue 13) are one call each: the question's dates filter retrieval and
"latest" prefers newer reports (dated_answers), other sources' different values become a
conflict note (conflicts), "what happened with X" becomes a dated timeline (timeline), and the
answer's relative dates are resolved and a "latest" answer states its source's date (dated_answers).

The model proposes; the pipeline disposes. The reader only sees an answer that a cited sentence
states (its type, relation and constraints checked with spaCy), and otherwise a refusal that still
lists the closest passages.

A ``Pipeline`` is handed its models (a LangChain chat model, LangChain embeddings, a ``Store``, a
spaCy ``Language``)
or builds what it is not given from the settings, on first use. It is long-lived: per-request
options (top-k, temperature, filters) are arguments of ``stream``/``answer``, never new pipelines.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from spacy.language import Language

from app.answering.bridging import answer_bridge
from app.answering.comparison import answer_comparison
from app.answering.decision import Scorer
from app.answering.conflicts import Conflict, find_conflict, with_conflict
from app.answering.dated_answers import dated, filters_for, newer_coverage, prefer_recent, with_date_notes
from app.answering.picking import PickFn, Reply, constrained_caller
from app.answering.question_input import QuestionError, load_prompt, load_prompts, validate_question  # noqa: F401
from app.answering.query_form import ReadQuery, read_query
from app.answering.question_frame import analyse_question, narrowed_by
from app.answering.refusals import refusal
from app.answering.rewriting import Turn, asked_part, rewrite
from app.answering.sentences import (ArticleContext, Outcome, SentenceRef, answer_from_sentences, compose,
                                     cite_sentences, rank_sentences, reorder_passages, word_similarity)
from app.answering.summaries import summarise
from app.answering.timeline import build_timeline, compose_timeline, is_timeline_question
from app.answering.yes_no import generator_verdict, settle
from app.config import Settings
from app.dates import format_day, parse_iso
from app.embedding import reading_embeddings
from app.lexicon import Lexicon
from app.llm import BackendError, build_chat_model, model_label, new_generation_lock, with_temperature
from app.nlp import load_spacy
from app.lexical_index import BM25Cache
from app.retrieval import FilterError, Filters, HybridRetriever
from app.store import Store
from app.types import Answer, FinalAnswer, Passage, StreamEvent, TextDelta
from app.vocabulary import normalise_query

log = logging.getLogger(__name__)


class Pipeline:
    """Everything needed to answer over one index with one configuration."""

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None,
                 embeddings: Embeddings | None = None, store: Store | None = None, *,
                 nlp: Language | None = None, generation_lock: AbstractContextManager | None = None,
                 lexicon: Lexicon | None = None):
        self.settings = settings
        self.store = store if store is not None else Store(settings, embeddings=embeddings)
        self.bm25 = BM25Cache(self.store)
        self._chat_model = chat_model
        self._embeddings = embeddings
        self._nlp = nlp
        # Loaded on first use; its parse of WordNet's files is cached under cache_dir.
        self.lexicon = lexicon if lexicon is not None else Lexicon(settings.wordnet_dir, settings.cache_dir)
        self.scorer = Scorer.load(settings.answer_scorer)
        # What answers name as their model; a model handed in is not described by the settings.
        self.model_label = model_label(settings.llm) if chat_model is None \
            else getattr(chat_model, "model_name", None) or type(chat_model).__name__
        self._build_lock = threading.Lock()
        # llama.cpp contexts are not thread-safe: one generation at a time per loaded model. A
        # pipeline sharing another's chat model must share its lock too (``Newsdesk.for_index``).
        self.generation_lock = generation_lock if generation_lock is not None \
            else new_generation_lock(settings.llm, chat_model)
        self.pick_prompts = load_prompts(settings)
        self.condense_prompt = load_prompt(settings, "condense.txt")

    # -- models, built on first use when not given ------------------------------------------
    @property
    def chat_model(self) -> BaseChatModel:
        with self._build_lock:
            if self._chat_model is None:
                self._chat_model = build_chat_model(self.settings)
            return self._chat_model

    @property
    def loaded_chat_model(self) -> BaseChatModel | None:
        """The chat model if it was given or has been built, else None (nothing is loaded)."""
        return self._chat_model

    @property
    def embeddings(self) -> Embeddings:
        """The model that ranks sentences for the answer (full precision: ``reading_embeddings``);
        embeddings handed in serve both."""
        with self._build_lock:
            if self._embeddings is None:
                self._embeddings = reading_embeddings(self.settings.embedding, self.store.index_backend,
                                                      lambda: self.store.embeddings)
            return self._embeddings

    @property
    def loaded_embeddings(self) -> Embeddings | None:
        return self._embeddings

    @property
    def loaded_nlp(self) -> Language | None:
        return self._nlp

    @property
    def nlp(self) -> Language:
        """spaCy's English pipeline (question analysis and verification), loaded on first use."""
        with self._build_lock:
            if self._nlp is None:
                self._nlp = load_spacy(lexicon=self.lexicon)
            return self._nlp

    # -- steps ------------------------------------------------------------------------------
    def retriever(self, filters: Filters | None = None, top_k: int | None = None) -> HybridRetriever:
        retrieval = self.settings.retrieval
        if top_k:
            retrieval = retrieval.model_copy(update={"top_k": top_k})
        return HybridRetriever(store=self.store, settings=retrieval, filters=filters or Filters(), bm25=self.bm25)

    def standalone_question(self, question: str, history: Sequence[Turn], temperature: float | None = None) -> str:
        """Rewrite a follow-up using the chat history; standalone questions pass through untouched."""
        def model_rewrite(transcript: str, follow_up: str) -> str:
            chain = ChatPromptTemplate.from_messages([("human", self.condense_prompt)]) \
                | with_temperature(self.chat_model, temperature) | StrOutputParser()
            with self.generation_lock:
                return chain.invoke({"history": transcript, "question": follow_up})

        return rewrite(question, history, model_rewrite, self.nlp)

    def picker(self, temperature: float | None = None) -> PickFn:
        """The generator under constrained output, called the way every generation is: through the
        chat model (a llama.cpp worker pool runs it on a free worker) under the generation lock. The
        chat model is only built when a pick is needed (answers the checks settle need none)."""
        def locked(system: str, user: str, schema: dict) -> "str | Reply":
            call = constrained_caller(with_temperature(self.chat_model, temperature), self.settings.llm.backend)
            with self.generation_lock:
                return call(system, user, schema)
        return locked

    def weak_evidence(self, passages: Sequence[Passage]) -> bool:
        """Nothing retrieved, or no passage semantically close to the question."""
        if not passages:
            return True
        if self.settings.retrieval.mode == "bm25":
            return False  # BM25 scores are not comparable across questions: no threshold to apply
        similarities = [p.dense_similarity for p in passages if p.dense_similarity is not None]
        return not similarities or max(similarities) < self.settings.retrieval.min_similarity

    # -- the whole flow ---------------------------------------------------------------------
    def stream(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None, temperature: float | None = None, as_of: dt.date | None = None
               ) -> Iterator[StreamEvent]:
        """``TextDelta`` events as the model writes, then one ``FinalAnswer`` with the checked answer.

        The question is checked now (``QuestionError``), before anything is retrieved or generated.
        ``as_of`` is the day the question is asked (default today): "this week", "now" and "so far"
        mean up to that day, and no report dated after it is used.
        """
        question = validate_question(question, self.settings)
        return self._guarded(question, tuple(history), filters, top_k, temperature, as_of)

    def answer(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None,
               top_k: int | None = None, temperature: float | None = None, as_of: dt.date | None = None
               ) -> Answer:
        return final_answer(self.stream(question, history, filters, top_k, temperature, as_of))

    def _guarded(self, question: str, history: Sequence[Turn], filters: Filters | None, top_k: int | None,
                 temperature: float | None, as_of: dt.date | None) -> Iterator[StreamEvent]:
        """The flow, failing closed: a query the flow cannot read ends in a refusal that says so (and
        an ERROR log with the traceback), never in an exception for the reader or a 500. A failing
        model backend still raises: that is the service's fault, reported as such."""
        try:
            yield from self._events(question, history, filters, top_k, temperature, as_of)
        except (BackendError, FilterError, OSError):
            raise
        except Exception:
            log.exception("answer flow failed on %r; refusing", question)
            yield FinalAnswer(answer=refusal("not_stated", question=question, passages=[], model=self.model_label,
                                             detail="the question could not be read"))

    def normalised(self, question: str) -> str:
        """The question in the corpus's case and spelling (app/vocabulary.py)."""
        return normalise_query(question, self.bm25.index().words, self.lexicon.knows)

    def _events(self, question: str, history: Sequence[Turn], filters: Filters | None, top_k: int | None,
                temperature: float | None, as_of: dt.date | None = None) -> Iterator[StreamEvent]:
        timings: dict[str, float] = {}
        started = time.perf_counter()

        standalone = self.standalone_question(self.normalised(question), history, temperature)
        # The earlier question a follow-up was read with is context for retrieval, not a question.
        asked = asked_part(standalone)
        earlier = standalone[len(asked):]
        read = read_query(asked, self.nlp)
        if read.form == "summary" and read.topic is None:
            read = self._topic_from_context(read, history)
        standalone, search = read.question + earlier, read.search + earlier
        timings["rewrite_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        filters, intent = filters_for(standalone, filters, as_of)  # "since 2020", "this week", asked on
        retrieved = self.retriever(filters, top_k).retrieve(search)
        timings["retrieval_s"] = time.perf_counter() - mark
        # What every answer, refusal or not, carries besides its text.
        common = dict(question=question, standalone_question=standalone if standalone != question else None,
                      model=self.model_label, retrieved=[p.model_copy() for p in retrieved])

        def done(**fields) -> dict:
            timings["total_s"] = time.perf_counter() - started
            return {**common, **fields, "timings": {k: round(v, 3) for k, v in timings.items()}}

        if self.weak_evidence(retrieved):
            kind = "empty_index" if not self.store.counts()["chunks"] else "weak_evidence"
            yield FinalAnswer(answer=refusal(kind, passages=retrieved, **done()))
            return

        if read.form in ("summary", "yes_no"):
            answer = self._summary(read, retrieved, intent, done) if read.form == "summary" \
                else self._yes_no(read, retrieved, intent, done)
            yield TextDelta(text=answer.text)
            yield FinalAnswer(answer=answer)
            return

        # Multi-article: "Which killed more, A or B?" (each side answered, then compared); "How old
        # is the driver involved in <event>?" (his name found first, then asked about).
        if (combined := answer_comparison(self, standalone, filters, top_k, temperature, done)
                or answer_bridge(self, standalone, filters, top_k, temperature, done)) is not None:
            yield TextDelta(text=combined.text)
            yield FinalAnswer(answer=combined)
            return

        mark = time.perf_counter()
        # "latest": the newer of the close reports first; a story's newer copy may hold the newer figure.
        reports = [*retrieved, *self.copies_of(retrieved, filters)] if intent.latest else retrieved
        ranked = prefer_recent(rank_sentences(standalone, reports, self.embeddings), intent)
        passages = _by_best_sentence(retrieved, ranked)
        timings["focus_s"] = time.perf_counter() - mark

        if is_timeline_question(standalone):  # a dated, cited list instead of one answer
            answer = self._timeline(ranked, passages, done)
            yield TextDelta(text=answer.text)
            yield FinalAnswer(answer=answer)
            return

        mark = time.perf_counter()
        similar = word_similarity(self.embeddings)
        # A lead-in's names and years say which story: the answer's article must name them too.
        frame = narrowed_by(analyse_question(self.nlp(read.question)), self.nlp(read.lead_in)) if read.lead_in else None
        asked = f"{read.lead_in} {standalone}" if read.lead_in else standalone  # what the generator is shown
        articles = ArticleContext(self.store)
        outcome = answer_from_sentences(asked, ranked, self.nlp, self.picker(temperature), self.pick_prompts,
                                        similar, frame=frame, context=articles,
                                        shown=self.settings.retrieval.answer_sentences, lexicon=self.lexicon,
                                        scorer=self.scorer)
        timings["generation_s"] = time.perf_counter() - mark
        timings["first_token_s"] = time.perf_counter() - started  # the first (and only) text is the checked one
        # Other sources (a story's other copies too) giving another value for the answer's fact.
        conflict = find_conflict(outcome, self._with_copies(standalone, outcome, ranked, filters), self.nlp,
                                 similar, context=articles)
        answer = dated(self._stated(outcome, passages, done, conflict, intent.latest), intent, ranked)
        # The generator's output is a JSON pick, not prose: the checked text is the only delta.
        yield TextDelta(text=answer.text)
        yield FinalAnswer(answer=answer)

    def _topic_from_context(self, read: ReadQuery, history: Sequence[Turn]) -> ReadQuery:
        """"Summarize the article" names no topic: the story of the conversation's last question,
        else the index's only article."""
        if history:
            earlier = history[-1].standalone or history[-1].question
            return replace(read, search=earlier, topic=earlier)
        articles = self.store.article_rows()
        if len(articles) == 1:
            title = articles[0]["title"] or articles[0]["id"]
            return replace(read, search=title, topic=title)
        return read  # retrieval on the request itself: the closest story, or a refusal

    def article_passages(self, passage: Passage) -> list[Passage]:
        """Every chunk of a passage's article, as passages with its metadata."""
        return [passage.model_copy(update={"chunk_id": c.id, "text": c.text, "start": c.start, "end": c.end})
                for c in self.store.article_chunks(passage.article_id)] or [passage]

    def _summary(self, read: ReadQuery, retrieved: list[Passage], intent, done) -> Answer:
        ranked = prefer_recent(rank_sentences(read.search, retrieved, self.embeddings), intent)
        summary = summarise(ranked, self.nlp, self.article_passages)
        passages = _by_best_sentence(retrieved, ranked)
        if summary is None:
            return refusal("not_stated", passages=passages, detail="nothing to summarise", **done())
        text, citations, entries = summary
        citations = with_date_notes(citations)
        return Answer(text=text, citations=citations, timeline=entries,
                      passages=reorder_passages(passages, citations), **done())

    def _yes_no(self, read: ReadQuery, retrieved: list[Passage], intent, done) -> Answer:
        ranked = prefer_recent(rank_sentences(read.search, retrieved, self.embeddings), intent)
        passages = _by_best_sentence(retrieved, ranked)
        settled = settle(read.question, ranked, self.nlp, word_similarity(self.embeddings), self.lexicon,
                         shown=self.settings.retrieval.answer_sentences)
        if settled is None:
            return refusal("not_stated", passages=passages, detail="no sentence settles yes or no", **done())
        read_by_model = generator_verdict(read.question, ranked, self.picker(), self.pick_prompts,
                                          shown=self.settings.retrieval.answer_sentences)
        if read_by_model is not None and read_by_model != settled.verdict:
            return refusal("not_stated", passages=passages, **done(),
                           detail=f"the sentences do not settle it: the parse reads “{settled.verdict}”, "
                                  f"the generator {f'“{read_by_model}”' if read_by_model else 'finds no sentence'}")
        marked, citations = cite_sentences([(settled.ref, "matched")])
        citations = with_date_notes(citations)
        # The verdict leads; when it depends on the date, the date follows it ("Yes, as of …").
        day = parse_iso(citations[0].date) if intent.latest or newer_coverage(citations[0], ranked) else None
        verdict = f"{settled.verdict}, as of {format_day(day)}" if day else settled.verdict
        return Answer(text=f"{verdict}. {marked[0]}", citations=citations, as_of=day.isoformat() if day else None,
                      passages=reorder_passages(passages, citations), **done())

    def copies_of(self, passages: Sequence[Passage], filters: Filters) -> list[Passage]:
        """The other outlets' copies of these passages' stories that the filters allow, chunk by chunk:
        retrieval returns each story once (app/dedup.py), but a copy may be the newer report or give
        another figure."""
        known = {p.article_id for p in passages}
        copies = []
        for story in (c for p in passages for c in p.also_in):
            if story.article_id in known or not filters.allows(story.source, story.date):
                continue
            known.add(story.article_id)
            copies += [Passage(chunk_id=c.id, article_id=c.article_id, title=story.title, text=c.text, start=c.start,
                               end=c.end, date=story.date, url=story.url, source=story.source)
                       for c in self.store.article_chunks(story.article_id)]
        return copies

    def _with_copies(self, question: str, outcome: Outcome, ranked: list[SentenceRef], filters: Filters
                     ) -> list[SentenceRef]:
        """The ranked sentences and those of the answer's story's other copies, for the conflict check."""
        copies = self.copies_of([outcome.sentences[0].passage], filters) if not outcome.refused else []
        if not copies:
            return ranked
        return sorted([*ranked, *rank_sentences(question, copies, self.embeddings)], key=lambda r: -r.similarity)

    @staticmethod
    def _stated(outcome: Outcome, passages: list[Passage], done, conflict: Conflict | None = None,
                latest: bool = False) -> Answer:
        """The verified pick as an answer (with the sources that differ from it), or the refusal it comes to."""
        if outcome.refused:
            return refusal("not_stated", passages=passages, detail=outcome.reason or None, confidence=outcome.confidence,
                           candidate=outcome.candidate or None, evidence=outcome.evidence,
                           **done(raw_answer=outcome.raw or None))
        text, citations, conflicts = with_conflict(*compose(outcome), conflict, latest)
        return Answer(text=text, citations=citations, passages=reorder_passages(passages, citations),
                      conflicts=conflicts, confidence=outcome.confidence, evidence=outcome.evidence,
                      candidate=outcome.candidate or None,
                      **done(raw_answer=outcome.raw or None))

    def _timeline(self, ranked: Sequence[SentenceRef], passages: list[Passage], done) -> Answer:
        """"What happened with X": the dated events of the best-ranked sentences, in date order, cited."""
        events = build_timeline(ranked[:self.settings.retrieval.answer_sentences * 2], self.nlp)
        if not events:
            return refusal("not_stated", passages=passages, detail="no dated sentence about it", **done())
        text, citations, entries = compose_timeline(events)
        # The lines carry the resolved dates already; the citations list them beside each source.
        citations = with_date_notes(citations)
        return Answer(text=text, citations=citations, timeline=entries,
                      passages=reorder_passages(passages, citations), **done())


def final_answer(events: Iterator[StreamEvent]) -> Answer:
    """Drain a stream to its ``FinalAnswer``."""
    answer = None
    for event in events:
        if isinstance(event, FinalAnswer):
            answer = event.answer
    if answer is None:
        raise RuntimeError("the answer stream ended without a final answer")
    return answer


def _by_best_sentence(passages: list[Passage], ranked: Sequence[SentenceRef]) -> list[Passage]:
    """Passages ordered by their best sentence's similarity (the closest passages of a refusal)."""
    best: dict[str, float] = {}
    for ref in ranked:
        best.setdefault(ref.passage.chunk_id, ref.similarity)
    ordered = sorted(passages, key=lambda p: -best.get(p.chunk_id, -1.0))
    return [p.model_copy(update={"number": i, "relevance": round(best.get(p.chunk_id, 0.0), 4)})
            for i, p in enumerate(ordered, start=1)]

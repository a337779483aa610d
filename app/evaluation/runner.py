"""Running an evaluation: a separate cached index for the corpus, every question asked through
the product's own ``Chat`` (follow-ups in the same chat), each turn scored, reports written.

The evaluation index lives in ``<cache_dir>/eval-index/<fingerprint>``, where the fingerprint
covers the corpus path, the size and modification time of each of its files, the embedding model
and the chunk settings: a changed corpus or configuration gets a fresh index, an unchanged one is
reused, and the user's own index (``index_dir``, or a Chroma server) is never touched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from app.config import Settings, get_settings
from app.evaluation import metrics
from app.evaluation.questions import Question, is_quail_file, load_questions, select_split

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]  # (turns done, total turns, message)
MARKER_FILE = "eval-index.json"
RECORD_ANSWER_FIELDS = {"standalone_question", "raw_answer", "refused", "refusal_kind", "refusal_reason", "model",
                        "timings", "unsupported", "conflicts", "timeline", "as_of", "confidence", "candidate",
                        "evidence"}
REPORT_VERSION = 1


@dataclass
class EvalResult:
    summary: dict
    turns: list[dict]
    config: dict
    notes: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"version": REPORT_VERSION, "config": self.config, "summary": self.summary,
                "notes": self.notes, "turns": self.turns}

    def write(self, out_dir: Path | str) -> dict[str, Path]:
        """Write report.json, report.md and report.html into ``out_dir``."""
        from app.evaluation.report import write_reports

        self.files = write_reports(self, Path(out_dir))
        return self.files


# -- the evaluation index ----------------------------------------------------------------------

def corpus_fingerprint(corpus: Path, settings: Settings) -> str:
    from app.embedding import embedding_model_name

    corpus = Path(corpus).resolve()
    files = [corpus] if corpus.is_file() else sorted(
        p for p in corpus.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus).parts))
    listing = []
    for path in files:
        stat = path.stat()
        listing.append([str(path.relative_to(corpus)) if path != corpus else path.name, stat.st_size, stat.st_mtime_ns])
    payload = {"corpus": str(corpus), "files": listing, "embedding": embedding_model_name(settings.embedding),
               "chunking": settings.chunking.model_dump()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def default_corpus(questions: Path | str | None, settings: Settings) -> Path:
    """The corpus to index: for a QuAIL file, the ``articles.jsonl`` beside it; else ``corpus_dir``."""
    if questions is not None and is_quail_file(Path(questions)):
        beside = Path(questions).with_name("articles.jsonl")
        if beside.is_file():
            return beside
    return Path(settings.corpus_dir)


def eval_settings(settings: Settings, corpus: Path, index_dir: Path | None = None) -> Settings:
    """A copy of ``settings`` that reads and writes only the evaluation index of ``corpus``."""
    corpus = Path(corpus).resolve()
    index_dir = Path(index_dir) if index_dir else \
        Path(settings.cache_dir) / "eval-index" / corpus_fingerprint(corpus, settings)
    return settings.with_overrides(index_dir=index_dir, corpus_dir=corpus).model_copy(update={"chroma_url": None})


def prepare_index(settings: Settings, corpus: Path, progress: ProgressCallback | None = None,
                  store=None) -> dict:
    """Build the evaluation index unless an identical one is already there; returns what it did."""
    from app.ingest import ingest
    from app.store import Store

    index_dir = Path(settings.index_dir)
    marker = index_dir / MARKER_FILE
    fingerprint = corpus_fingerprint(corpus, settings)
    store = store or Store(settings)
    if marker.is_file():
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            recorded = {}
        if recorded.get("fingerprint") == fingerprint and store.counts()["articles"] > 0:
            return {"index_dir": str(index_dir), "reused": True, **store.counts()}
    started = time.perf_counter()
    report = ingest([Path(corpus)], settings, store=store, progress=progress)
    if not store.counts()["articles"]:
        problems = "; ".join(f"{p.origin}: {p.reason}" for p in report.failed[:5])
        raise ValueError(f"no article could be read from {corpus}" + (f" ({problems})" if problems else ""))
    marker.write_text(json.dumps({
        "fingerprint": fingerprint, "corpus": str(Path(corpus).resolve()),
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2), "ingest": report.to_dict(),
    }, indent=2), encoding="utf-8")
    return {"index_dir": str(index_dir), "reused": False, **store.counts(),
            "failed": [f"{p.origin}: {p.reason}" for p in report.failed]}


# -- one turn ----------------------------------------------------------------------------------

def _passage_texts(answer) -> list[str]:
    texts = [c.chunk_text for c in answer.citations]
    return texts or [p.text for p in answer.passages]


def ask_turn(chat, question: Question, turn: int, parent_id: str | None, k: int, judge=None) -> dict:
    """Ask one question in ``chat`` and score the answer; failures become an ``error`` record."""
    record = {
        "id": question.id, "parent_id": parent_id, "turn": turn, "kind": question.kind, "split": question.split,
        "answerable": question.answerable, "question": question.question, "gold_answers": list(question.answers),
        "evidence": list(question.evidence), "article_ids": list(question.article_ids),
        "standalone_question": None, "answer": "", "refused": False, "refusal_reason": None,
        "correct": False, "f1": 0.0, "recall_at_k": None, "mrr": None, "article_recall_at_k": None,
        "retrieval_basis": None, "citation_precision": None, "citation_recall": None,
        "citations": [], "retrieved": [], "timings": {}, "error": None,
    }
    if question.asked_on:
        record["asked_on"] = question.asked_on
    if question.tags:
        record["tags"] = list(question.tags)
    if question.meta.get("quail_type"):
        record["quail_type"] = question.meta["quail_type"]
    started = time.perf_counter()
    try:
        # The day it is asked, where the set gives one (a chat's ask takes it as ``as_of``).
        answer = chat.ask(question.question, **({"as_of": question.asked_on} if question.asked_on else {}))
    except Exception as err:  # one failing question must not end the run
        log.warning("%s failed: %s", question.id, err)
        record["error"] = f"{type(err).__name__}: {err}"
        record["timings"] = {"total_s": round(time.perf_counter() - started, 3)}
        if judge is not None:
            record["faithful"] = None
        return record

    # The answer's fields as every program receives them (app.types.AnswerResponse).
    record.update(answer.response().model_dump(mode="json", include=RECORD_ANSWER_FIELDS))
    record["answer"] = answer.text
    record["correct"] = metrics.answer_correct(answer.text, question.answers, question.kind, answer.refused,
                                               question.question)
    record["f1"] = round(metrics.best_f1(answer.text, question.answers, question.kind, answer.refused), 4)
    # Whether the weighed candidate (answered or refused) gives a gold answer: what the calibrated
    # decision is fitted to predict (app/evaluation/calibration.py).
    if answer.candidate and question.answerable:
        record["candidate_correct"] = metrics.answer_correct(answer.candidate, question.answers, question.kind, False,
                                                             question.question)
    elif answer.candidate:
        record["candidate_correct"] = False

    # Retrieval as the pipeline did it for this answer (ranked, with scores): never retrieved again.
    passages = answer.retrieved[:k]
    record["retrieved"] = [{
        "rank": rank, "chunk_id": p.chunk_id, "article_id": p.article_id, "title": p.title,
        "score": p.score, "holds_evidence": any(metrics.span_in(e, p.text) for e in question.evidence),
    } for rank, p in enumerate(passages, start=1)]
    if question.answerable:
        article_recall, article_mrr = metrics.article_retrieval_scores(
            question.article_ids, [p.article_id for p in passages], k)
        record["article_recall_at_k"] = article_recall
        if question.evidence:
            record["recall_at_k"], record["mrr"] = metrics.retrieval_scores(
                question.evidence, [p.text for p in passages], k)
            record["retrieval_basis"] = "evidence"
        elif question.article_ids:
            record["recall_at_k"], record["mrr"] = article_recall, article_mrr
            record["retrieval_basis"] = "article"

    cited = [(c.span.text, c.chunk_text, c.article_id) for c in answer.citations]
    record["citations"] = [{
        "number": c.number, "article_id": c.article_id, "chunk_id": c.chunk_id, "span": c.span.text,
        "start": c.span.start, "end": c.span.end, "origin": c.origin, "date": c.date, "date_notes": c.date_notes,
        "correct": metrics.citation_correct(c.span.text, c.chunk_text, c.article_id, question.evidence,
                                            question.answers, question.article_ids),
    } for c in answer.citations]
    if question.answerable:
        precision, recall = metrics.citation_scores(cited, question.evidence, question.answers, question.article_ids)
        record["citation_precision"] = None if answer.refused else precision
        record["citation_recall"] = recall

    if judge is not None:
        record["faithful"] = None
        if not answer.refused:
            record["faithful"], record["judge_reply"] = judge.verdict(question.question, answer.text,
                                                                      _passage_texts(answer))
    return record


# -- the whole run -----------------------------------------------------------------------------

def _resolve_judge(judge, settings: Settings, notes: list[str]):
    from app.evaluation.judge import NO_JUDGE_NOTE, Judge, JudgeConfig

    if judge is False or judge is None:
        notes.append(NO_JUDGE_NOTE)
        return None
    if judge == "auto":
        judge = settings.judge
    if isinstance(judge, JudgeConfig) and not judge.backend:
        notes.append(NO_JUDGE_NOTE)
        return None
    if isinstance(judge, JudgeConfig):
        try:
            return Judge.from_config(judge, settings)
        except Exception as err:
            notes.append(f"faithfulness skipped: the judge could not be set up ({err})")
            return None
    return judge  # a Judge (or anything with .verdict and .label)


def run_eval(
    questions: Sequence[Question] | Path | str,
    settings: Settings | None = None,
    *,
    corpus: Path | str | None = None,
    out_dir: Path | str | None = None,
    index_dir: Path | str | None = None,
    types: Sequence[str] | None = None,
    limit: int | None = None,
    split: str | None = None,
    judge="auto",
    progress: ProgressCallback | None = None,
    source: str | None = None,
    newsdesk=None,
) -> EvalResult:
    """Evaluate the product on ``questions`` (a question file or loaded questions).

    ``corpus``: the articles to answer from (default: ``default_corpus``); they are indexed into
    a separate cached evaluation index (or ``index_dir``). ``judge``: "auto" (from the
    settings' ``judge`` section), a ``JudgeConfig``, a ``Judge``, or None/False for none. With ``out_dir``,
    report.json, report.md and report.html are written there. ``source`` names loaded questions'
    file in the reports. ``split``: "dev" or "test" evaluates that half of the set only; None or
    "all" both, with a summary per split in ``summary["per_split"]``. ``newsdesk``: an application
    whose models to use (they must match the settings); by default one is built for the run.
    """
    from app.api import Chat
    from app.application import Newsdesk
    from app.llm import model_label

    settings = settings or (newsdesk.settings if newsdesk is not None else get_settings())
    if isinstance(questions, (str, Path)):
        source = str(questions)
        questions = load_questions(questions, types=types, limit=limit, split=split)
    else:
        questions = select_split(questions, split)
        questions = questions[:limit] if limit else questions
    corpus = Path(corpus) if corpus is not None else default_corpus(source, settings)
    if not corpus.exists():
        raise FileNotFoundError(f"no such corpus file or folder: {corpus}")

    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    notes: list[str] = []
    settings = eval_settings(settings, corpus, Path(index_dir) if index_dir else None)
    if progress:
        progress(0, 0, f"indexing {corpus}")
    runner = newsdesk.for_index(settings) if newsdesk is not None else Newsdesk(settings)
    index_info = prepare_index(settings, corpus, (lambda d, t, m: progress(0, 0, m)) if progress else None,
                               store=runner.store)
    if index_info.get("failed"):
        notes.append(f"{len(index_info['failed'])} corpus item(s) could not be read: " + "; ".join(index_info["failed"][:3]))

    known = {row["id"] for row in runner.store.article_rows()}
    missing = sorted({a for q in questions for a in q.article_ids if a not in known})
    if missing:
        notes.append(f"{len(missing)} article id(s) named by the questions are not in the corpus {corpus} "
                     f"(e.g. {', '.join(missing[:3])}): is --corpus right?")
    judge = _resolve_judge(judge, settings, notes)
    k = settings.retrieval.top_k

    total = sum(2 if q.follow_up else 1 for q in questions)
    turns: list[dict] = []
    for question in questions:
        chat = Chat(newsdesk=runner)
        if progress:
            progress(len(turns), total, f"{question.id}: {question.question}")
        turns.append(ask_turn(chat, question, 1, None, k, judge))
        if question.follow_up is not None:
            if progress:
                progress(len(turns), total, f"{question.follow_up.id}: {question.follow_up.question}")
            turns.append(ask_turn(chat, question.follow_up, 2, question.id, k, judge))
        if progress:
            progress(len(turns), total, f"{question.id}: done")

    summary = metrics.summarize(turns)
    summary["n_questions"] = len(questions)
    summary["k"] = k
    if judge is None:
        summary["faithfulness"] = None
    elif getattr(judge, "disabled_reason", None):
        notes.append(judge.disabled_reason)
    if judge is not None:
        summary["judge_errors"] = sum(1 for t in turns if t.get("faithful") is None and not t["refused"]
                                      and not t["error"])
    errors = summary["n_errors"]
    if errors:
        notes.append(f"{errors} turn(s) failed with an error (counted as wrong): see 'error' in report.json")

    config = {
        "questions": source or "<in memory>", "corpus": str(corpus.resolve()),
        "index": index_info, "generator": model_label(settings.llm),
        "llm": settings.llm.model_dump(exclude={"api_key"}),
        "embedding_model": runner.store.embedding_model(),
        "reading_embeddings": settings.embedding.reading_backend,
        "retrieval": settings.retrieval.model_dump(), "chunking": settings.chunking.model_dump(),
        "judge": getattr(judge, "label", None) if judge is not None else None,
        "types": list(types) if types else None, "limit": limit, "split": split or "all",
        "started": started_at.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
    }
    result = EvalResult(summary=summary, turns=turns, config=config, notes=notes)
    if out_dir is not None:
        result.write(out_dir)
    return result

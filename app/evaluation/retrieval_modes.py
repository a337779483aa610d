"""Retrieval alone, compared across modes (dense, BM25, hybrid) on a question set, without the
generator: seconds instead of minutes, so fusion and chunking can be tuned quickly.

Follow-ups are retrieved with their parent question prepended, the way the pipeline falls back
when it cannot rewrite them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from app.config import Settings, get_settings
from app.evaluation import metrics
from app.evaluation.questions import Question, load_questions
from app.evaluation.runner import default_corpus, eval_settings, prepare_index

MODES = ("dense", "bm25", "hybrid")


def _queries(questions: Sequence[Question]) -> list[tuple[Question, str]]:
    pairs = []
    for question in questions:
        pairs.append((question, question.question))
        if question.follow_up is not None:
            pairs.append((question.follow_up, f"{question.follow_up.question} ({question.question})"))
    return [(q, text) for q, text in pairs if q.answerable and (q.evidence or q.article_ids)]


def compare_modes(questions: Sequence[Question] | Path | str, settings: Settings | None = None, *,
                  corpus: Path | str | None = None, modes: Sequence[str] = MODES) -> dict[str, dict]:
    """{mode: {recall_at_k, mrr, n, k, latency_ms_p50}} over the answerable turns of ``questions``."""
    from app.lexical_index import BM25Cache
    from app.retrieval import HybridRetriever
    from app.store import Store

    settings = settings or get_settings()
    source = str(questions) if isinstance(questions, (str, Path)) else None
    if source:
        questions = load_questions(source)
    corpus = Path(corpus) if corpus is not None else default_corpus(source, settings)
    settings = eval_settings(settings, corpus)
    store = Store(settings)
    prepare_index(settings, corpus, store=store)
    bm25 = BM25Cache(store)  # one BM25 index for every mode
    k = settings.retrieval.top_k
    results = {}
    for mode in modes:
        retriever = HybridRetriever(store=store, settings=settings.retrieval.model_copy(update={"mode": mode}),
                                    bm25=bm25)
        recalls, mrrs, times = [], [], []
        for question, query in _queries(questions):
            started = time.perf_counter()
            passages = retriever.retrieve(query)[:k]
            times.append(time.perf_counter() - started)
            if question.evidence:
                recall, mrr = metrics.retrieval_scores(question.evidence, [p.text for p in passages], k)
            else:
                recall, mrr = metrics.article_retrieval_scores(question.article_ids, [p.article_id for p in passages], k)
            recalls.append(recall)
            mrrs.append(mrr)
        results[mode] = {
            "recall_at_k": round(sum(recalls) / len(recalls), 4) if recalls else None,
            "mrr": round(sum(mrrs) / len(mrrs), 4) if mrrs else None,
            "n": len(recalls), "k": k,
            "latency_ms_p50": round(1000 * metrics.percentile(times, 50), 1) if times else None,
        }
    return results

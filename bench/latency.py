"""Section ``latency``: for one ``--sizes`` corpus, its cached index (see ``bench.ingest``) opened
in a fresh process: cold start, retrieval p50/p95 and its parts, whether BM25 is rebuilt, full
answers (first token, total), peak memory and index size on disk."""

from __future__ import annotations

import json
import time

from bench.common import (
    ANSWER_QUESTIONS,
    WARMUP_QUESTION,
    Clock,
    dir_size,
    index_dir,
    loadavg,
    ms,
    peak_rss_mb,
    percentile,
    query_texts,
    questions,
    reset_peak_rss,
    rss_mb,
    settings_for,
)


def section_latency(args, size: int) -> dict:
    from app.answering import Pipeline
    from app.embedding import build_embeddings
    from app.retrieval import Filters
    from app.store import Store
    from app.types import FinalAnswer

    backend = args.index_backend or args.backend
    folder = index_dir(backend, size)
    build = json.loads((folder / "build.json").read_text())
    settings = settings_for(folder, backend)
    result = {"size": size, "backend": backend, "build": {k: build.get(k) for k in
                                                          ("build_s", "build_per_s", "chunks_built", "complete")}}
    reset_peak_rss()
    result["rss_start_mb"] = rss_mb()

    query_backend = args.query_backend or backend
    result["query_backend"] = query_backend
    with Clock() as clock:
        embeddings = build_embeddings(settings_for(folder, query_backend).embedding)
        embeddings.embed_query("warm up")
    result["embedding_load_s"] = round(clock.wall, 2)
    # With another query backend: latency only, query vectors of that backend against this index
    # (the product refuses to mix int8 and float vectors; search time does not depend on which one
    # made the query). The store is handed those embeddings.
    store = Store(settings, embeddings=embeddings)
    # One pipeline, as in the product: its BM25 cache counts builds (once per index generation).
    pipeline = Pipeline(settings, store=store)
    builds = pipeline.bm25.build_seconds
    result["chunks"] = store.counts()["chunks"]
    retriever = pipeline.retriever()
    queries = query_texts()
    with Clock() as clock:
        retriever.retrieve(queries[0])
    result["cold_first_query_s"] = round(clock.wall, 3)  # Chroma open + BM25 build + one query
    result["bm25_build_s"] = round(builds[0], 3) if builds else None
    builds_before = len(builds)

    latencies = []
    with Clock() as clock:
        for number in range(args.queries):
            started = time.perf_counter()
            retriever.retrieve(queries[number % len(queries)])
            latencies.append(time.perf_counter() - started)
    result["retrieval"] = {
        "queries": len(latencies), "p50_ms": ms(percentile(latencies, 50)), "p95_ms": ms(percentile(latencies, 95)),
        "mean_ms": ms(sum(latencies) / len(latencies)), "max_ms": ms(max(latencies)),
        "cpu_ms_per_query": ms(clock.cpu / len(latencies)), "loadavg_1m": clock.as_dict()["loadavg_1m"],
        "bm25_builds_during_queries": len(builds) - builds_before,
    }

    # With a filter (as the UI's source/date filters): Chroma filters by metadata, BM25 masks rows.
    filtered = pipeline.retriever(Filters(date_from="2015-01-01"))
    filtered_latencies = []
    for number in range(min(args.queries, 30)):
        started = time.perf_counter()
        filtered.retrieve(queries[number % len(queries)])
        filtered_latencies.append(time.perf_counter() - started)
    result["retrieval"]["filtered_date_from_p50_ms"] = ms(percentile(filtered_latencies, 50))
    result["retrieval"]["filtered_date_from_p95_ms"] = ms(percentile(filtered_latencies, 95))

    # The parts, each timed alone over the same queries.
    parts = {"embed_query": [], "dense_search": [], "bm25": []}
    vectorstore = store.vectorstore
    candidates = settings.retrieval.candidates
    for number in range(min(args.queries, len(queries))):
        query = queries[number]
        started = time.perf_counter()
        vector = embeddings.embed_query(query)
        parts["embed_query"].append(time.perf_counter() - started)
        started = time.perf_counter()
        vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=candidates)
        parts["dense_search"].append(time.perf_counter() - started)
        started = time.perf_counter()
        pipeline.bm25.index().search(query, candidates, Filters())
        parts["bm25"].append(time.perf_counter() - started)
    result["retrieval"]["parts_p50_ms"] = {k: ms(percentile(v, 50)) for k, v in parts.items()}
    result["retrieval"]["parts_p95_ms"] = {k: ms(percentile(v, 95)) for k, v in parts.items()}
    result["retrieval"]["fusion_and_rest_p50_ms"] = round(
        result["retrieval"]["p50_ms"] - sum(result["retrieval"]["parts_p50_ms"].values()), 2)
    result["bm25_builds_total"] = len(builds)
    result["peak_rss_retrieval_mb"] = peak_rss_mb()

    if args.answers and query_backend == backend:
        by_id = {q.id: q for q in questions("wikinews")}
        with Clock() as clock:
            pipeline.answer(by_id[WARMUP_QUESTION].question)
        result["llm_warmup_answer_s"] = round(clock.wall, 2)
        answers = []
        for qid in ANSWER_QUESTIONS[: args.answers]:
            started = time.perf_counter()
            first = None
            final = None
            for event in pipeline.stream(by_id[qid].question):
                if isinstance(event, FinalAnswer):
                    final = event.answer
                elif first is None:
                    first = time.perf_counter() - started
            total = time.perf_counter() - started
            answers.append({"id": qid, "first_token_s": round(first, 3) if first is not None else None,
                            "total_s": round(total, 3), "refused": final.refused,
                            "answer_timings": final.timings, "text": final.text[:200]})
        firsts = [a["first_token_s"] for a in answers if a["first_token_s"] is not None]
        totals = [a["total_s"] for a in answers]
        result["answers"] = {
            "n": len(answers), "refused": sum(a["refused"] for a in answers),
            "first_token_p50_s": percentile(firsts, 50), "first_token_p95_s": percentile(firsts, 95),
            "total_p50_s": percentile(totals, 50), "total_p95_s": percentile(totals, 95),
            "items": answers, "loadavg_1m": loadavg()[0],
        }
        result["peak_rss_with_answers_mb"] = peak_rss_mb()
    result["index"] = dir_size(folder)
    return result

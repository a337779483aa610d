"""Sections ``pipeline`` and ``build``: ``app.ingest.ingest`` of a corpus against the raw encoder
on the same chunk texts (the ratio is the pipeline's overhead), and the cached latency indexes
built (or resumed) shard by shard within a time budget."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import (
    Clock,
    TimedEmbeddings,
    corpus_texts,
    dir_size,
    index_dir,
    loadavg,
    raw_encoder,
    settings_for,
    write_build_manifest,
)


def _timed_ingest(corpus: Path, settings):
    """app.ingest.ingest through a Store whose embeddings count their time; (report, Clock, timed)."""
    from app.embedding import build_embeddings
    from app.ingest import ingest
    from app.store import Store

    timed = TimedEmbeddings(build_embeddings(settings.embedding))
    timed.embed_query("warm up")  # the model's first call is not ingest's cost
    with Clock() as clock:
        report = ingest([corpus], settings, store=Store(settings, embeddings=timed))
    return report, clock, timed


def section_pipeline(args) -> dict:
    from bench.make_corpus import make_corpus

    backend = args.backend
    corpus = make_corpus(args.throughput_chunks, args.seed, quiet=True) / "shards"
    with Clock() as load_clock:
        texts, articles = corpus_texts(corpus)
    raw_texts = [t.replace("\n", " ") for t in texts]  # what HuggingFaceEmbeddings hands the model
    encode, raw_load = raw_encoder(backend)
    encode(raw_texts[:8])
    with Clock() as raw1:
        encode(raw_texts)

    # The index: fresh. It is kept as this size's cached latency index when there is none yet.
    target = index_dir(backend, args.throughput_chunks)
    keep = not (target / "build.json").exists()
    folder = target if keep else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    if keep and target.exists():
        shutil.rmtree(target)
    settings = settings_for(folder, backend)
    with Clock() as model_load:
        report, clock, timed = _timed_ingest(corpus, settings)
    with Clock() as raw2:
        encode(raw_texts)

    chunks = report.chunks_embedded
    assert chunks == len(texts), (chunks, len(texts))
    raw_wall = (raw1.wall + raw2.wall) / 2
    raw_cpu = (raw1.cpu + raw2.cpu) / 2
    parts = {"embed": round(timed.seconds, 2),
             "other (load, clean, chunk, hash, Chroma and record writes)": round(clock.wall - timed.seconds, 2)}
    result = {
        "backend": backend, "chunks": chunks, "articles": articles,
        "raw": {"per_s": round(len(texts) / raw_wall, 2), "per_cpu_s": round(len(texts) / raw_cpu, 2),
                "runs": [raw1.as_dict(len(texts)), raw2.as_dict(len(texts))], "model_load_s": round(raw_load, 2)},
        "pipeline": {**clock.as_dict(chunks), "model_load_s": round(model_load.wall - clock.wall, 2),
                     "parts_s": parts, "embed_calls": timed.calls, "ingest_report": report.summary()},
        "ratio_wall": round((chunks / clock.wall) / (len(texts) / raw_wall), 3),
        "ratio_cpu": round((chunks / clock.cpu) / (len(texts) / raw_cpu), 3),
        "ratio_embed_only": round(raw_wall / timed.seconds, 3) if timed.seconds else None,
        "load_and_chunk_s": round(load_clock.wall, 2),
        "index": dir_size(folder),
    }
    if keep:
        write_build_manifest(target, backend, args.throughput_chunks, args.seed, corpus,
                             [{"file": str(corpus), "seconds": round(clock.wall, 2), "chunks": chunks, "complete": True,
                               "cpu_s": round(clock.cpu, 2), "loadavg_1m": clock.as_dict()["loadavg_1m"]}],
                             complete=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return result


class _BudgetSpent(Exception):
    pass


def section_build(args, size: int) -> dict:
    """Build (or resume) the cached index of one size within the time budget.

    Ingests shard by shard; progress (time and chunks) is recorded after every ingest batch, and
    the budget is checked there too: stopping between batches leaves a consistent index that the
    next run resumes (ingest skips the articles already stored).
    """
    from app.embedding import build_embeddings
    from app.ingest import ingest
    from app.store import Store
    from bench.make_corpus import make_corpus

    backend = args.index_backend or args.backend
    corpus = make_corpus(size, args.seed, quiet=True)
    manifest_corpus = json.loads((corpus / "manifest.json").read_text())
    folder = index_dir(backend, size)
    folder.mkdir(parents=True, exist_ok=True)
    previous = {}
    if (folder / "build.json").exists():
        previous = json.loads((folder / "build.json").read_text())
        if previous.get("complete"):
            return previous
    entries = {s["file"]: s for s in previous.get("shards", [])}
    settings = settings_for(folder, backend)
    with Clock() as clock:
        embeddings = build_embeddings(settings.embedding)
        embeddings.embed_query("warm up")
    store = Store(settings, embeddings=embeddings)
    # Chunks stored by a run that was killed before it could record them: known count, unknown time.
    recorded = sum(s["chunks"] for s in entries.values())
    stray = store.counts()["chunks"] - recorded
    if stray > 0:
        key = f"(unrecorded, {datetime.now(timezone.utc).isoformat(timespec='seconds')})"
        entries[key] = {"file": key, "seconds": None, "chunks": stray, "complete": True}
    started = time.perf_counter()
    budget_spent = False
    for shard in manifest_corpus["shards"]:
        path = str(corpus / "shards" / shard["file"])
        entry = entries.get(path) or {"file": path, "seconds": 0.0, "chunks": 0, "complete": False}
        if entry.get("complete"):
            continue
        entries[path] = entry
        base_seconds, base_chunks = entry["seconds"] or 0.0, entry["chunks"]
        before = store.counts()["chunks"]
        shard_started = time.perf_counter()

        def progress(done: int, total: int, message: str) -> None:
            entry["seconds"] = round(base_seconds + time.perf_counter() - shard_started, 2)
            entry["chunks"] = base_chunks + store.counts()["chunks"] - before
            entry["loadavg_1m"] = loadavg()[0]
            write_build_manifest(folder, backend, size, args.seed, corpus, list(entries.values()), complete=False)
            if args.build_budget_s and time.perf_counter() - started > args.build_budget_s and done < total:
                raise _BudgetSpent

        try:
            ingest([Path(path)], settings, store=store, prune=False, progress=progress)
        except _BudgetSpent:
            budget_spent = True
            break
        entry["complete"] = True
    complete = all(entries.get(str(corpus / "shards" / s["file"]), {}).get("complete")
                   for s in manifest_corpus["shards"]) and not budget_spent
    counts = store.counts()
    manifest = write_build_manifest(folder, backend, size, args.seed, corpus, list(entries.values()),
                                    complete=complete and counts["chunks"] == size)
    manifest["chunks_in_index"] = counts["chunks"]
    manifest["model_load_s"] = round(clock.wall, 2)
    return manifest

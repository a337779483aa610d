"""One command for Newsdesk's performance figures.

    .venv/bin/python -m bench.run                       # default: 1k and 10k chunks, all sections
    .venv/bin/python -m bench.run --sizes 1000,10000,100000
    .venv/bin/python -m bench.run --sections latency --sizes 100000 --index-backend onnx-int8
    .venv/bin/python -m bench.run --report bench/results/latest.json   # re-print a run's tables

Sections (``--sections``, comma-separated; default ``encode,pipeline,latency,recall``):

- ``encode``: raw encode throughput of the three embedding backends (torch, onnx, onnx-int8) on
  the same chunk texts, interleaved rounds in one process, and their vectors' cosine to torch.
- ``pipeline``: ``app.ingest.ingest`` of a corpus into a fresh index vs the raw encoder
  (``SentenceTransformer.encode`` for torch) on the same chunk texts in the same process
  (raw, pipeline, raw); the ratio is the pipeline's overhead; the pipeline's time is broken down.
- ``latency``: for each ``--sizes`` corpus (``bench.make_corpus``), an index built once through
  ``app.ingest.ingest`` and cached under bench/.cache/index/ (build time recorded), then in a
  fresh process: cold start, ``HybridRetriever.retrieve`` p50/p95 and its parts, whether BM25
  is rebuilt, full answers (first token, total), peak memory and index size on disk.
- ``recall``: recall@5 of retrieval on tests/questions/seed.yaml (over corpus/) and
  tests/questions/wikinews.yaml (over the Wikinews articles) with each embedding backend (onnx
  queries the torch-built index, as the product allows; int8 gets an index of its own).
- ``build``: only build (or resume) the cached indexes of ``--sizes`` within ``--build-budget-s``.

Every measurement runs in its own subprocess, so peak memory is per phase and caches do not leak
between phases. The machine's load average is recorded with each figure: other processes on a
2-core machine change every wall-clock number here, so compare figures from one run, and read
the CPU-time columns (work done, less sensitive to contention) beside the wall-clock ones.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache"
QUESTION_SETS = {
    "seed": (REPO / "tests" / "questions" / "seed.yaml", REPO / "corpus"),
    "wikinews": (REPO / "tests" / "questions" / "wikinews.yaml",
                 REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"),
}
# Full answers are slow on CPU: a handful per size. Their gold articles are bench.make_corpus's
# ANCHOR_ARTICLES, present verbatim at every size. The first one only warms the generator up.
WARMUP_QUESTION = "w-013"
ANSWER_QUESTIONS = ("w-002", "w-011", "w-021", "w-023", "w-038")
BACKENDS = ("torch", "onnx", "onnx-int8")
DEFAULT_SECTIONS = ("encode", "pipeline", "latency", "recall")

log = logging.getLogger("bench")


# -- small helpers ------------------------------------------------------------------------------
def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name in ("httpx", "chromadb", "sentence_transformers", "transformers", "langchain", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return float(np.percentile(values, q))


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mb() -> float:
    """Peak resident memory since the last reset_peak_rss() (VmHWM), else since the process began."""
    try:
        text = Path("/proc/self/status").read_text()
        return round(int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024, 1)
    except (OSError, AttributeError):
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    try:
        text = Path("/proc/self/status").read_text()
        return round(int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024, 1)
    except (OSError, AttributeError):
        return float("nan")


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def dir_size(path: Path) -> dict:
    """Bytes on disk under a folder, per top-level entry (apparent sizes, and allocated blocks)."""
    parts: dict[str, int] = {}
    allocated = 0
    for file in Path(path).rglob("*"):
        if file.is_file():
            stat = file.stat()
            top = file.relative_to(path).parts[0]
            top = "newsdesk.sqlite3" if top.startswith("newsdesk.sqlite3") else \
                "records.sqlite3" if top.startswith("records.sqlite3") else top
            parts[top] = parts.get(top, 0) + stat.st_size
            allocated += stat.st_blocks * 512
    return {"total_mb": round(sum(parts.values()) / 1e6, 2), "allocated_mb": round(allocated / 1e6, 2),
            "parts_mb": {k: round(v / 1e6, 2) for k, v in sorted(parts.items())}}


class Clock:
    """Wall and process CPU time (all threads) of a block."""

    def __enter__(self):
        self.wall0, self.cpu0, self.load0 = time.perf_counter(), time.process_time(), loadavg()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        self.load = loadavg()

    def as_dict(self, items: int | None = None) -> dict:
        out = {"wall_s": round(self.wall, 3), "cpu_s": round(self.cpu, 3), "loadavg_1m": [self.load0[0], self.load[0]]}
        if items:
            out["per_s"] = round(items / self.wall, 2)
            out["per_cpu_s"] = round(items / self.cpu, 2) if self.cpu else None
        return out


class Timers:
    """Accumulates time spent in patched methods (class-level wrappers, this process only)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo = []

    def wrap(self, owner, name: str, bucket: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[bucket] = self.seconds.get(bucket, 0.0) + time.perf_counter() - started
                self.calls[bucket] = self.calls.get(bucket, 0) + 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def machine_info() -> dict:
    info = {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "python": platform.python_version(),
            "platform": platform.platform()}
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        info["cpu_model"] = model.group(1).strip() if model else None
        flags = re.search(r"flags\s*:\s*(.+)", cpuinfo)
        if flags:
            info["cpu_flags"] = [f for f in ("avx2", "avx512f", "avx512_vnni", "amx_int8") if f in flags.group(1).split()]
    with contextlib.suppress(OSError, AttributeError):
        mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        info["ram_gb"] = round(int(mem.group(1)) / 1024 / 1024, 1)
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("torch", "sentence-transformers", "transformers", "onnxruntime", "onnx", "chromadb",
                    "langchain-chroma", "bm25s", "llama_cpp_python", "psutil"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    info["packages"] = versions
    info["loadavg"] = loadavg()
    return info


def load_questions(name: str) -> list[dict]:
    import yaml

    path = QUESTION_SETS[name][0]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def query_texts() -> list[str]:
    """Retrieval queries: the top-level questions of both evaluation sets (about 100)."""
    return [q["question"] for name in QUESTION_SETS for q in load_questions(name)]


def settings_for(index_dir: Path, backend: str):
    from app.config import Settings

    return Settings(index_dir=index_dir, data_dir=index_dir.parent / "data").with_overrides(
        **{"embedding.backend": backend})


def corpus_texts(corpus: Path) -> tuple[list[str], int]:
    """The chunk texts the pipeline embeds for a corpus folder (same loader and chunker)."""
    from app.chunking import chunk_article
    from app.config import ChunkSettings
    from app.loading import LoadProblem, load_path

    texts, articles = [], 0
    for item in load_path(corpus, max_bytes=10**10):
        if isinstance(item, LoadProblem):
            continue
        articles += 1
        texts.extend(chunk.text for chunk in chunk_article(item, ChunkSettings()))
    return texts, articles


def raw_encoder(backend: str):
    """(encode(texts) -> array, model load seconds) for a backend, without LangChain or the store."""
    from app.config import EmbeddingSettings
    from app.modelfiles import embedding_model_path

    settings = EmbeddingSettings(backend=backend)
    path = embedding_model_path(settings.model)
    started = time.perf_counter()
    if backend == "torch":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(path, device=settings.device)

        def encode(texts):
            return model.encode(texts, batch_size=settings.batch_size, normalize_embeddings=True,
                                show_progress_bar=False)
    else:
        from app.embedding import OnnxSentenceEncoder

        encoder = OnnxSentenceEncoder(path, quantized=backend == "onnx-int8", device=settings.device)

        def encode(texts):
            return encoder.encode(texts, settings.batch_size)
    return encode, time.perf_counter() - started


# -- sections (each runs in a worker subprocess) ------------------------------------------------
def section_encode(args) -> dict:
    import numpy as np

    from bench.make_corpus import make_corpus

    texts, _ = corpus_texts(make_corpus(max(args.encode_chunks, 1000), args.seed, quiet=True) / "shards")
    texts = [t.replace("\n", " ") for t in texts[: args.encode_chunks]]
    encoders, loads, vectors, runs = {}, {}, {}, {b: [] for b in BACKENDS}
    for backend in BACKENDS:
        encoders[backend], loads[backend] = raw_encoder(backend)
        encoders[backend](texts[:8])  # warm up
    for _ in range(args.encode_rounds):  # interleaved, so drifting load hits every backend alike
        for backend in BACKENDS:
            with Clock() as clock:
                vectors[backend] = np.asarray(encoders[backend](texts))
            runs[backend].append(clock.as_dict(len(texts)))
    result = {"chunks": len(texts), "rounds": args.encode_rounds, "backends": {}}
    for backend in BACKENDS:
        cos = (vectors[backend] * vectors["torch"]).sum(axis=1)
        walls = [r["wall_s"] for r in runs[backend]]
        cpus = [r["cpu_s"] for r in runs[backend]]
        result["backends"][backend] = {
            "load_s": round(loads[backend], 2),
            "best_per_s": round(len(texts) / min(walls), 2),
            "median_per_s": round(len(texts) / percentile(walls, 50), 2),
            "per_cpu_s": round(len(texts) / min(cpus), 2),
            "cosine_to_torch_min": round(float(cos.min()), 5),
            "cosine_to_torch_mean": round(float(cos.mean()), 5),
            "runs": runs[backend],
        }
    torch_best = result["backends"]["torch"]["best_per_s"]
    torch_cpu = result["backends"]["torch"]["per_cpu_s"]
    for backend in BACKENDS:
        entry = result["backends"][backend]
        entry["speedup_best"] = round(entry["best_per_s"] / torch_best, 2)
        entry["speedup_cpu"] = round(entry["per_cpu_s"] / torch_cpu, 2)
    return result


def _instrumented_ingest(corpus: Path, settings, timers: Timers):
    """app.ingest.ingest with its parts timed; returns (report, Clock)."""
    import chromadb.api.models.Collection as collection_module
    from langchain_classic.indexes import SQLRecordManager

    from app.embedding import get_embeddings
    from app.ingest import ingest
    from app.store import Store

    embeddings = get_embeddings(settings.embedding)
    timers.wrap(type(embeddings), "embed_documents", "embed")
    timers.wrap(collection_module.Collection, "upsert", "chroma_upsert")
    for name in ("update", "exists", "list_keys", "delete_keys"):
        timers.wrap(SQLRecordManager, name, "record_manager")
    timers.wrap(Store, "record_articles", "newsdesk_tables")
    try:
        with Clock() as clock:
            report = ingest([corpus], settings, store=Store(settings))
    finally:
        timers.restore()
    return report, clock


def section_pipeline(args) -> dict:
    from app.embedding import get_embeddings
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
        get_embeddings(settings.embedding).embed_query("warm up")  # the model loads once per process
    timers = Timers()
    report, clock = _instrumented_ingest(corpus, settings, timers)
    with Clock() as raw2:
        encode(raw_texts)

    chunks = report.chunks_embedded
    assert chunks == len(texts), (chunks, len(texts))
    raw_wall = (raw1.wall + raw2.wall) / 2
    raw_cpu = (raw1.cpu + raw2.cpu) / 2
    parts = {k: round(v, 2) for k, v in timers.seconds.items()}
    parts["other (load, clean, chunk, hash, index() bookkeeping)"] = round(clock.wall - sum(timers.seconds.values()), 2)
    result = {
        "backend": backend, "chunks": chunks, "articles": articles,
        "raw": {"per_s": round(len(texts) / raw_wall, 2), "per_cpu_s": round(len(texts) / raw_cpu, 2),
                "runs": [raw1.as_dict(len(texts)), raw2.as_dict(len(texts))], "model_load_s": round(raw_load, 2)},
        "pipeline": {**clock.as_dict(chunks), "model_load_s": round(model_load.wall, 2), "parts_s": parts,
                     "embed_calls": timers.calls.get("embed"), "ingest_report": report.summary()},
        "ratio_wall": round((chunks / clock.wall) / (len(texts) / raw_wall), 3),
        "ratio_cpu": round((chunks / clock.cpu) / (len(texts) / raw_cpu), 3),
        "ratio_embed_only": round(raw_wall / timers.seconds.get("embed", float("nan")), 3),
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


def index_dir(backend: str, size: int) -> Path:
    return CACHE / "index" / f"{backend}-{size}"


def write_build_manifest(folder: Path, backend: str, size: int, seed: int, corpus: Path, shards: list[dict],
                         complete: bool) -> dict:
    timed = [s for s in shards if s.get("seconds") is not None]
    seconds = sum(s["seconds"] for s in timed)
    timed_chunks = sum(s["chunks"] for s in timed)
    manifest = {"backend": backend, "size": size, "seed": seed, "corpus": str(corpus), "shards": shards,
                "complete": complete, "build_s": round(seconds, 1),
                "chunks_built": sum(s["chunks"] for s in shards),
                "build_per_s": round(timed_chunks / seconds, 2) if seconds else None,
                "untimed_chunks": sum(s["chunks"] for s in shards if s.get("seconds") is None),
                "updated": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    partial = folder / "build.json.part"
    partial.write_text(json.dumps(manifest, indent=1))
    os.replace(partial, folder / "build.json")
    return manifest


class _BudgetSpent(Exception):
    pass


def section_build(args, size: int) -> dict:
    """Build (or resume) the cached index of one size within the time budget.

    Ingests shard by shard; progress (time and chunks) is recorded after every ingest batch, and
    the budget is checked there too: stopping between batches leaves a consistent index that the
    next run resumes (ingest skips the articles already stored).
    """
    from app.embedding import get_embeddings
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
    store = Store(settings)
    # Chunks stored by a run that was killed before it could record them: known count, unknown time.
    recorded = sum(s["chunks"] for s in entries.values())
    stray = store.counts()["chunks"] - recorded
    if stray > 0:
        key = f"(unrecorded, {datetime.now(timezone.utc).isoformat(timespec='seconds')})"
        entries[key] = {"file": key, "seconds": None, "chunks": stray, "complete": True}
    started = time.perf_counter()
    with Clock() as clock:
        get_embeddings(settings.embedding).embed_query("warm up")
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


def section_latency(args, size: int) -> dict:
    import app.retrieval as retrieval
    from app.answering import get_pipeline
    from app.embedding import get_embeddings
    from app.retrieval import Filters, HybridRetriever, bm25_index
    from app.store import Store
    from app.types import Answer

    backend = args.index_backend or args.backend
    folder = index_dir(backend, size)
    build = json.loads((folder / "build.json").read_text())
    settings = settings_for(folder, backend)
    result = {"size": size, "backend": backend, "build": {k: build.get(k) for k in
                                                          ("build_s", "build_per_s", "chunks_built", "complete")}}
    reset_peak_rss()
    result["rss_start_mb"] = rss_mb()

    # BM25 builds are counted, to show they happen once per index generation, not per query.
    builds = {"count": 0, "seconds": []}
    original_init = retrieval._BM25Index.__init__

    def counting_init(self, rows):
        started = time.perf_counter()
        original_init(self, rows)
        builds["count"] += 1
        builds["seconds"].append(round(time.perf_counter() - started, 3))

    retrieval._BM25Index.__init__ = counting_init

    query_backend = args.query_backend or backend
    result["query_backend"] = query_backend
    with Clock() as clock:
        embeddings = get_embeddings(settings_for(folder, query_backend).embedding)
        embeddings.embed_query("warm up")
    result["embedding_load_s"] = round(clock.wall, 2)
    store = Store(settings)
    if query_backend != backend:
        # Latency only: query vectors of another backend against this index (the product refuses
        # to mix int8 and float vectors; search time does not depend on which one made the query).
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        client = chromadb.PersistentClient(path=str(folder / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        store._vectorstore = Chroma(client=client, collection_name=settings.collection, embedding_function=embeddings,
                                    collection_metadata={"hnsw:space": "cosine"})
    result["chunks"] = store.counts()["chunks"]
    retriever = HybridRetriever(store=store, settings=settings.retrieval)
    queries = query_texts()
    with Clock() as clock:
        retriever.retrieve(queries[0])
    result["cold_first_query_s"] = round(clock.wall, 3)  # Chroma open + BM25 build + one query
    result["bm25_build_s"] = builds["seconds"][0] if builds["seconds"] else None
    builds_before = builds["count"]

    latencies = []
    with Clock() as clock:
        for number in range(args.queries):
            started = time.perf_counter()
            retriever.retrieve(queries[number % len(queries)])
            latencies.append(time.perf_counter() - started)
    result["retrieval"] = {
        "queries": len(latencies), "p50_ms": _ms(percentile(latencies, 50)), "p95_ms": _ms(percentile(latencies, 95)),
        "mean_ms": _ms(sum(latencies) / len(latencies)), "max_ms": _ms(max(latencies)),
        "cpu_ms_per_query": _ms(clock.cpu / len(latencies)), "loadavg_1m": clock.as_dict()["loadavg_1m"],
        "bm25_builds_during_queries": builds["count"] - builds_before,
    }

    # With a filter (as the UI's source/date filters): Chroma filters by metadata, BM25 masks rows.
    filtered = HybridRetriever(store=store, settings=settings.retrieval, filters=Filters(date_from="2015-01-01"))
    filtered_latencies = []
    for number in range(min(args.queries, 30)):
        started = time.perf_counter()
        filtered.retrieve(queries[number % len(queries)])
        filtered_latencies.append(time.perf_counter() - started)
    result["retrieval"]["filtered_date_from_p50_ms"] = _ms(percentile(filtered_latencies, 50))
    result["retrieval"]["filtered_date_from_p95_ms"] = _ms(percentile(filtered_latencies, 95))

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
        bm25_index(store).search(query, candidates, Filters())
        parts["bm25"].append(time.perf_counter() - started)
    result["retrieval"]["parts_p50_ms"] = {k: _ms(percentile(v, 50)) for k, v in parts.items()}
    result["retrieval"]["parts_p95_ms"] = {k: _ms(percentile(v, 95)) for k, v in parts.items()}
    result["retrieval"]["fusion_and_rest_p50_ms"] = round(
        result["retrieval"]["p50_ms"] - sum(result["retrieval"]["parts_p50_ms"].values()), 2)
    result["bm25_builds_total"] = builds["count"]
    result["peak_rss_retrieval_mb"] = peak_rss_mb()

    if args.answers and query_backend == backend:
        by_id = {q["id"]: q for q in load_questions("wikinews")}
        pipeline = get_pipeline(settings)
        with Clock() as clock:
            pipeline.answer(by_id[WARMUP_QUESTION]["question"])
        result["llm_warmup_answer_s"] = round(clock.wall, 2)
        answers = []
        for qid in ANSWER_QUESTIONS[: args.answers]:
            started = time.perf_counter()
            first = None
            final = None
            for item in pipeline.stream(by_id[qid]["question"]):
                if isinstance(item, Answer):
                    final = item
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


def section_recall(args) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from app.embedding import get_embeddings
    from app.ingest import ingest
    from app.store import Store

    out = {}
    for name, (question_file, corpus) in QUESTION_SETS.items():
        questions = [q for q in load_questions(name) if q.get("evidence")]
        out[name] = {"questions": len(questions), "corpus": str(corpus), "backends": {}}
        stores = {}
        for backend in BACKENDS:
            # onnx records the same model as torch (equal vectors), so it runs over the torch-built
            # index, as it would in the product after switching backends without a reindex.
            built_with = "torch" if backend == "onnx" else backend
            folder = CACHE / "index" / f"recall-{name}-{built_with}"
            settings = settings_for(folder, backend)
            built = folder / "build.json"
            if not built.exists():
                if folder.exists():
                    shutil.rmtree(folder)
                with Clock() as clock:
                    report = ingest([corpus], settings)
                folder.mkdir(parents=True, exist_ok=True)
                built.write_text(json.dumps({"seconds": round(clock.wall, 1), "chunks": report.chunks_embedded,
                                             "loadavg_1m": clock.as_dict()["loadavg_1m"]}))
            store = Store(settings)
            stores[backend] = store
            out[name]["backends"][backend] = {"build": json.loads(built.read_text()), "index_built_with": built_with,
                                              **_recall(store, settings, questions)}
        # Diagnostic only (the product refuses it): int8 query vectors against the float index.
        torch_store = Store(settings_for(CACHE / "index" / f"recall-{name}-torch", "torch"))
        int8 = get_embeddings(settings_for(CACHE / "x", "onnx-int8").embedding)
        client = chromadb.PersistentClient(path=str(torch_store.dir / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        torch_store._vectorstore = Chroma(client=client, collection_name=torch_store.settings.collection,
                                          embedding_function=int8, collection_metadata={"hnsw:space": "cosine"})
        out[name]["mixed_int8_query_on_float_index"] = _recall(torch_store, torch_store.settings, questions)
    return out


def _recall(store, settings, questions: list[dict], k: int = 5) -> dict:
    from app.retrieval import HybridRetriever

    result = {}
    for mode in ("hybrid", "dense"):
        retriever = HybridRetriever(store=store, settings=settings.retrieval.model_copy(update={"mode": mode, "top_k": k}))
        hits, misses = 0, []
        for question in questions:
            evidence = question["evidence"]
            evidence = [evidence] if isinstance(evidence, str) else list(evidence)
            passages = retriever.retrieve(question["question"])
            if any(e in p.text for e in evidence for p in passages):
                hits += 1
            else:
                misses.append(question["id"])
        result[mode] = {"recall_at_5": round(100 * hits / len(questions), 1), "hits": hits, "misses": misses}
    return result


# -- orchestration ------------------------------------------------------------------------------
def run_worker(section: str, args, size: int | None = None, timeout: float | None = None) -> dict:
    """Runs one section in a fresh Python process and returns its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [sys.executable, "-m", "bench.run", "--worker", section, "--worker-out", str(out),
               "--backend", args.backend, "--seed", str(args.seed), "--queries", str(args.queries),
               "--answers", str(args.answers), "--throughput-chunks", str(args.throughput_chunks),
               "--encode-chunks", str(args.encode_chunks), "--encode-rounds", str(args.encode_rounds),
               "--build-budget-s", str(args.build_budget_s)]
    if args.index_backend:
        command += ["--index-backend", args.index_backend]
    if args.query_backend:
        command += ["--query-backend", args.query_backend]
    if size is not None:
        command += ["--sizes", str(size)]
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, cwd=REPO, timeout=timeout)
        if completed.returncode != 0 or not out.stat().st_size:
            return {"error": f"worker {section} exited with {completed.returncode}"}
        result = json.loads(out.read_text())
    except subprocess.TimeoutExpired:
        return {"error": f"worker {section} timed out after {timeout} s"}
    finally:
        out.unlink(missing_ok=True)
    result["worker_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def orchestrate(args) -> dict:
    from rich.console import Console

    console = Console(stderr=True)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
               "config": {"sections": sections, "sizes": sizes, "backend": args.backend,
                          "index_backend": args.index_backend or args.backend,
                          "query_backend": args.query_backend, "seed": args.seed,
                          "queries": args.queries, "answers": args.answers,
                          "throughput_chunks": args.throughput_chunks, "encode_chunks": args.encode_chunks,
                          "encode_rounds": args.encode_rounds}}
    if "encode" in sections:
        console.print(f"[bold]encode[/]: {args.encode_chunks} chunks x {len(BACKENDS)} backends x {args.encode_rounds} rounds")
        results["encode"] = run_worker("encode", args)
    if "pipeline" in sections:
        console.print(f"[bold]pipeline[/]: ingest vs raw encode, {args.throughput_chunks} chunks ({args.backend})")
        results["pipeline"] = run_worker("pipeline", args)
    if "latency" in sections or "build" in sections:
        results["sizes"] = {}
        for size in sizes:
            entry = results["sizes"][str(size)] = {}
            console.print(f"[bold]build[/] {size} chunks ({args.index_backend or args.backend}, cached in bench/.cache/index)")
            entry["build"] = run_worker("build", args, size)
            if "latency" in sections:
                if not entry["build"].get("complete"):
                    entry["latency"] = {"skipped": "index incomplete: run again to resume the build"}
                    continue
                console.print(f"[bold]latency[/] {size} chunks")
                entry["latency"] = run_worker("latency", args, size)
    if "recall" in sections:
        console.print("[bold]recall[/]@5 per backend on seed.yaml and wikinews.yaml")
        results["recall"] = run_worker("recall", args)
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return results


def render(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # a file or a pipe: do not squeeze the tables into 80 columns
        console = Console(width=220)
    machine = results.get("machine", {})
    console.print(f"[bold]Machine[/]: {machine.get('cpu_model')} · {machine.get('nproc')} cores · "
                  f"{machine.get('ram_gb')} GB RAM · load average at start {machine.get('loadavg')}")

    encode = results.get("encode")
    if encode and "backends" in encode:
        table = Table(title=f"Raw encode throughput, {encode['chunks']} chunks, best of {encode['rounds']} interleaved rounds")
        for column in ("backend", "chunks/s (best)", "chunks/s (median)", "chunks per CPU-s", "vs torch (best)",
                       "vs torch (CPU)", "cosine to torch min / mean", "load s"):
            table.add_column(column, justify="right")
        for name, b in encode["backends"].items():
            table.add_row(name, f"{b['best_per_s']:.1f}", f"{b['median_per_s']:.1f}", f"{b['per_cpu_s']:.1f}",
                          f"{b['speedup_best']:.2f}x", f"{b['speedup_cpu']:.2f}x",
                          f"{b['cosine_to_torch_min']:.4f} / {b['cosine_to_torch_mean']:.4f}", f"{b['load_s']:.1f}")
        console.print(table)

    pipeline = results.get("pipeline")
    if pipeline and "ratio_wall" in pipeline:
        table = Table(title=f"Ingest pipeline vs raw encode, {pipeline['chunks']} chunks ({pipeline['backend']})")
        for column in ("", "chunks/s", "chunks per CPU-s"):
            table.add_column(column, justify="right")
        table.add_row("raw encode (mean of 2 runs)", f"{pipeline['raw']['per_s']:.1f}", f"{pipeline['raw']['per_cpu_s']:.1f}")
        table.add_row("app.ingest.ingest", f"{pipeline['pipeline']['per_s']:.1f}", f"{pipeline['pipeline']['per_cpu_s']:.1f}")
        table.add_row("[bold]ratio[/]", f"[bold]{pipeline['ratio_wall']:.2f}x[/]", f"{pipeline['ratio_cpu']:.2f}x")
        console.print(table)
        parts = pipeline["pipeline"]["parts_s"]
        console.print("  ingest time by part (s): " + ", ".join(f"{k} {v}" for k, v in parts.items())
                      + f"; model load {pipeline['pipeline']['model_load_s']} s (not counted)")

    sizes = results.get("sizes") or {}
    if sizes:
        table = Table(title="By corpus size")
        for column in ("chunks", "index / query backend", "build s (chunks/s)", "cold 1st query s", "BM25 build s",
                       "retrieve p50 / p95 ms", "embed / dense / bm25 p50 ms", "filtered p50 ms",
                       "BM25 rebuilds in queries",
                       "1st token p50 / p95 s", "answer total p50 / p95 s", "peak RSS MB (retrieval / +LLM)",
                       "index MB"):
            table.add_column(column, justify="right")
        for size, entry in sizes.items():
            lat = entry.get("latency") or {}
            build = entry.get("build") or {}
            if "retrieval" not in lat:
                table.add_row(size, build.get("backend", "?"), f"{build.get('build_s')} ({build.get('build_per_s')})",
                              lat.get("skipped") or lat.get("error") or "-", *[""] * 9)
                continue
            r = lat["retrieval"]
            p = r["parts_p50_ms"]
            ans = lat.get("answers") or {}

            def fmt(x, spec=".2f"):
                return "-" if x is None else format(x, spec)

            table.add_row(
                size, f"{lat['backend']} / {lat.get('query_backend', lat['backend'])}",
                f"{build.get('build_s')} ({build.get('build_per_s')})",
                fmt(lat["cold_first_query_s"]), fmt(lat["bm25_build_s"]),
                f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}",
                f"{p['embed_query']:.1f} / {p['dense_search']:.1f} / {p['bm25']:.1f}",
                fmt(r.get("filtered_date_from_p50_ms"), ".1f"), str(r["bm25_builds_during_queries"]),
                f"{fmt(ans.get('first_token_p50_s'))} / {fmt(ans.get('first_token_p95_s'))}" if ans else "-",
                f"{fmt(ans.get('total_p50_s'))} / {fmt(ans.get('total_p95_s'))}" if ans else "-",
                f"{lat['peak_rss_retrieval_mb']:.0f} / {fmt(lat.get('peak_rss_with_answers_mb'), '.0f')}",
                f"{lat['index']['total_mb']:.1f}",
            )
        console.print(table)

    recall = results.get("recall")
    if recall and "seed" in recall:
        table = Table(title="Recall@5 (a hit: a gold evidence string inside a retrieved passage)")
        for column in ("question set", "backend", "hybrid", "dense only", "index build s"):
            table.add_column(column, justify="right")
        for name, entry in recall.items():
            if not isinstance(entry, dict) or "backends" not in entry:
                continue
            for backend, b in entry["backends"].items():
                table.add_row(f"{name} ({entry['questions']})", backend, f"{b['hybrid']['recall_at_5']:.1f}",
                              f"{b['dense']['recall_at_5']:.1f}", f"{b['build']['seconds']}")
            mixed = entry.get("mixed_int8_query_on_float_index")
            if mixed:
                table.add_row(f"{name} ({entry['questions']})", "int8 query / float index (diagnostic)",
                              f"{mixed['hybrid']['recall_at_5']:.1f}", f"{mixed['dense']['recall_at_5']:.1f}", "")
        console.print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Newsdesk benchmarks (see docs/benchmarks.md).")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes in chunks, comma-separated")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results", help="folder for the JSON results")
    parser.add_argument("--sections", default=",".join(DEFAULT_SECTIONS),
                        help="encode,pipeline,latency,recall,build (comma-separated)")
    parser.add_argument("--backend", default="torch", choices=BACKENDS, help="embedding backend of the pipeline section")
    parser.add_argument("--index-backend", default=None, choices=BACKENDS,
                        help="embedding backend of the latency indexes (default: --backend)")
    parser.add_argument("--query-backend", default=None, choices=BACKENDS,
                        help="embed latency queries with another backend than the index's (latency only; "
                             "no answers)")
    parser.add_argument("--seed", type=int, default=13, help="corpus generator seed")
    parser.add_argument("--queries", type=int, default=100, help="retrieval queries per size")
    parser.add_argument("--answers", type=int, default=5, help="full answers per size (0: none)")
    parser.add_argument("--throughput-chunks", type=int, default=1000, help="corpus size of the pipeline section")
    parser.add_argument("--encode-chunks", type=int, default=256, help="chunks encoded per backend and round")
    parser.add_argument("--encode-rounds", type=int, default=3)
    parser.add_argument("--build-budget-s", type=float, default=0,
                        help="stop building an index after the shard that passes this many seconds (0: no limit); "
                             "the next run resumes it")
    parser.add_argument("--report", type=Path, help="print the tables of an earlier results JSON and exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _quiet()

    if args.report:
        render(json.loads(args.report.read_text()))
        return
    if args.worker:
        size = int(args.sizes.split(",")[0])
        handlers = {"encode": lambda: section_encode(args), "pipeline": lambda: section_pipeline(args),
                    "build": lambda: section_build(args, size), "latency": lambda: section_latency(args, size),
                    "recall": lambda: section_recall(args)}
        result = handlers[args.worker]()
        result["peak_rss_mb"] = peak_rss_mb()
        args.worker_out.write_text(json.dumps(result, indent=1, default=str))
        return

    results = orchestrate(args)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    shutil.copyfile(path, args.out / "latest.json")
    render(results)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()

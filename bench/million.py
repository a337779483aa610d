"""Section ``million``: a million-chunk archive on one 2-core machine (issue 25).

    .venv/bin/python -m bench.million build     [--chunks 1000000]   # resumable, shard by shard
    .venv/bin/python -m bench.million bm25      [--chunks 1000000]   # the saved BM25 index, as ingest builds it
    .venv/bin/python -m bench.million measure   [--chunks 1000000]   # a fresh process: retrieval, memory
    .venv/bin/python -m bench.million serve     [--chunks 1000000]   # `newsdesk serve` until it answers
    .venv/bin/python -m bench.million chroma-server [--chunks ...]   # measure, vectors in `chroma run`

Embedding a million chunks with the real model on 2 cores takes hours (about 130 chunks/s at
best), so this index's vectors are made from real ones. Every sentence of the Wikinews articles
that bench.make_corpus recombines is embedded once by the real model (fp32 onnx, the default), and
a chunk's vector is the normalised mean of its sentences' vectors plus a little noise: a perturbed
copy, so that two chunks sharing sentences do not share a vector, and a query lands near the chunks
that hold its sentences. Texts, chunking, the SQLite tables, the record manager, Chroma and BM25
are the product's own, built through ``app.ingest``. Retrieval quality is measured on real indexes
(``bench.recall``); this section measures size, memory and speed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bench.common import CACHE, Clock, dir_size, loadavg, ms, peak_rss_mb, percentile, query_texts, quiet, \
    rss_mb, settings_for

BACKEND = "onnx"  # the product's default embedding backend: queries are embedded by the real model
NOISE = 0.3  # norm of the noise added to a unit vector: cosine ~0.96 to the sentences' mean


def folder_for(chunks: int) -> Path:
    return CACHE / "index" / f"million-{chunks}"


def sentence_vectors(out: Path = CACHE / "million-sentences.npz") -> tuple[dict[str, int], np.ndarray]:
    """Every sentence make_corpus can use, embedded once by the real model (cached)."""
    from bench.common import raw_encoder
    from bench.make_corpus import load_articles, split_sentences

    sentences = sorted({s for a in load_articles() for s in split_sentences(a["text"])})
    if out.exists():
        cached = np.load(out, allow_pickle=False)
        if int(cached["count"]) == len(sentences):
            return {s: i for i, s in enumerate(sentences)}, cached["vectors"]
    encode, _ = raw_encoder(BACKEND)
    with Clock() as clock:
        vectors = np.asarray(encode(sentences), dtype=np.float32)
    print(f"embedded {len(sentences)} sentences in {clock.wall:.0f} s", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, vectors=vectors, count=len(sentences))
    return {s: i for i, s in enumerate(sentences)}, vectors


class SentenceMeanEmbeddings(Embeddings):
    """Document vectors from the real vectors of the sentences a chunk holds (see the module's
    docstring); queries go to the real model."""

    def __init__(self, index: dict[str, int], vectors: np.ndarray, query_embeddings: Embeddings):
        from bench.make_corpus import split_sentences

        self.index, self.vectors, self.query_embeddings = index, vectors, query_embeddings
        self.split = split_sentences
        self.unmatched = 0

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        rows = [self.index[s] for s in self.split(text) if s in self.index]
        if rows:
            mean = self.vectors[rows].mean(axis=0)
        else:  # a chunk of sentence fragments only: a real vector, chosen by its text
            self.unmatched += 1
            mean = self.vectors[seed % len(self.vectors)]
        mean = mean / np.linalg.norm(mean)
        noise = rng.standard_normal(mean.shape[0]).astype(np.float32)
        vector = mean + NOISE * noise / np.linalg.norm(noise)
        return (vector / np.linalg.norm(vector)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.query_embeddings.embed_query(text)


def build(chunks: int, seed: int = 13) -> dict:
    """Ingest the corpus shard by shard through app.ingest; resumable (a shard is recorded when done)."""
    from app.embedding import build_embeddings
    from app.ingest import ingest
    from app.store import Store
    from bench.make_corpus import make_corpus

    corpus = make_corpus(chunks, seed, quiet=True, shard_chunks=20_000)
    manifest = json.loads((corpus / "manifest.json").read_text())
    folder = folder_for(chunks)
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "build.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else {"shards": {}}
    settings = settings_for(folder, BACKEND)
    index, vectors = sentence_vectors()
    embeddings = SentenceMeanEmbeddings(index, vectors, build_embeddings(settings.embedding))
    store = Store(settings, embeddings=embeddings)
    for shard in manifest["shards"]:
        if shard["file"] in log["shards"]:
            continue
        with Clock() as clock:
            ingest([corpus / "shards" / shard["file"]], settings, store=store, prune=False)
        log["shards"][shard["file"]] = {**clock.as_dict(shard["chunks"]), "chunks_total": store.counts()["chunks"],
                                        "rss_mb": rss_mb()}
        log["unmatched_chunks"] = log.get("unmatched_chunks", 0) + embeddings.unmatched
        embeddings.unmatched = 0
        log_path.write_text(json.dumps(log, indent=1))
        print(f"{shard['file']}: {clock.wall:.0f} s, {store.counts()['chunks']} chunks", file=sys.stderr, flush=True)
    log["complete"] = True
    log["chunks"] = store.counts()["chunks"]
    log_path.write_text(json.dumps(log, indent=1))
    return log


def build_bm25(chunks: int) -> dict:
    """The BM25 index of the built archive, as ``newsdesk ingest`` saves it after an ingest: time
    and this process's peak memory (the builder's, not a server's)."""
    from app.lexical_index import BM25Cache
    from app.store import Store

    from app.dedup import StoryIndex

    settings = settings_for(folder_for(chunks), BACKEND)
    store = Store(settings)
    cache = BM25Cache(store)
    with Clock() as clock:
        index = cache.index()
    result = {"chunks": index.size, "built": bool(cache.build_seconds), **clock.as_dict(index.size),
              "peak_rss_mb": peak_rss_mb(), "bm25_folder": dir_size(cache.root)}
    # What every ingest pays before its first article at this size: the wire-copy LSH over all
    # stored signatures (app/dedup.py), loaded and rebuilt per call.
    rss_before = rss_mb()
    with Clock() as dedup:
        signatures = store.story_signatures()
        StoryIndex(settings.dedup, signatures)
    result["ingest_fixed_cost"] = {"articles": len(signatures), "dedup_index_s": round(dedup.wall, 2),
                                   "rss_added_mb": round(rss_mb() - rss_before)}
    return result


def measure(chunks: int, queries: int = 100, chroma_url: str | None = None) -> dict:
    """In this (fresh) process: opening the index, BM25's load, retrieval p50/p95 with and without
    filters, and peak memory, the generator excluded. With ``chroma_url`` the vectors are searched
    in that Chroma server."""
    from app.answering import Pipeline
    from app.retrieval import Filters
    from app.store import Store

    folder = folder_for(chunks)
    settings = settings_for(folder, BACKEND)
    if chroma_url:
        settings = settings.with_overrides(chroma_url=chroma_url)
    result: dict = {"chunks": chunks, "rss_start_mb": rss_mb(), "loadavg_start": loadavg()}
    with Clock() as clock:
        store = Store(settings)
        pipeline = Pipeline(settings, store=store)
        retriever = pipeline.retriever()
        texts = query_texts()
        retriever.retrieve(texts[0])
    result["cold_first_query_s"] = round(clock.wall, 2)
    result["bm25_open_s"] = [round(s, 2) for s in pipeline.bm25.open_seconds]
    result["bm25_build_s"] = [round(s, 2) for s in pipeline.bm25.build_seconds]
    result["rss_after_first_query_mb"] = rss_mb()

    def timed(filters: Filters, n: int) -> dict:
        chosen = pipeline.retriever(filters)
        latencies = []
        for number in range(n):
            started = time.perf_counter()
            chosen.retrieve(texts[number % len(texts)])
            latencies.append(time.perf_counter() - started)
        return {"queries": n, "p50_ms": ms(percentile(latencies, 50)), "p95_ms": ms(percentile(latencies, 95)),
                "max_ms": ms(max(latencies))}

    result["retrieval"] = {
        "unfiltered": timed(Filters(), queries),
        "date_from_2019": timed(Filters(date_from="2019-01-01"), queries),
        "date_range_2008": timed(Filters(date_from="2008-01-01", date_to="2008-12-31"), queries),
        "source_wikinews_only": timed(Filters(sources=("Wikinews (en)",)), queries),
        "published_by_2015": timed(Filters(published_by="2015-01-01"), queries),
    }
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_end_mb"] = rss_mb()
    result["index"] = dir_size(folder)
    result["loadavg_end"] = loadavg()
    return result


def _memory_of(pid: int) -> dict:
    """A process's resident and peak memory, and how much of it is the generator's weights (the
    .gguf file llama.cpp maps)."""
    status = Path(f"/proc/{pid}/status").read_text()
    field = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
    gguf_kb, mapping_is_gguf = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0] and not line.startswith(("Rss", "Size")):
            mapping_is_gguf = line.rstrip().endswith(".gguf")
        elif line.startswith("Rss:") and mapping_is_gguf:
            gguf_kb += int(line.split()[1])
    return {"rss_mb": round(int(field["VmRSS"]) / 1024), "peak_rss_mb": round(int(field["VmHWM"]) / 1024),
            "generator_weights_rss_mb": round(gguf_kb / 1024)}


def serve(chunks: int, queries: int = 20, generator: bool = True, timeout: float = 300) -> dict:
    """Seconds from launching ``newsdesk serve`` on the index to its health check answering, then
    the server's memory after ``queries`` questions through /api/ask. Without the generator
    (``generator=False``: an OpenAI-compatible backend at a closed port) every question is still
    normalised, parsed and retrieved for before the backend call fails: the server's own memory."""
    import socket
    import urllib.error
    import urllib.request

    folder = folder_for(chunks)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(folder), "NEWSDESK_DATA_DIR": str(folder.parent / "data"),
           "NEWSDESK_EMBEDDING__BACKEND": BACKEND, "NEWSDESK_SERVER__RATE_LIMIT_PER_MINUTE": "0"}
    if not generator:
        env.update({"NEWSDESK_LLM__BACKEND": "openai", "NEWSDESK_LLM__BASE_URL": "http://127.0.0.1:9/v1",
                    "NEWSDESK_LLM__MODEL": "none", "NEWSDESK_LLM__TIMEOUT_S": "1"})
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    result: dict = {"chunks": chunks, "generator": generator}
    try:
        while "ready_s" not in result:
            if process.poll() is not None:
                return {**result, "error": process.stderr.read()[-2000:]}
            if time.perf_counter() - started > timeout:
                return {**result, "error": f"not ready in {timeout} s"}
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as reply:
                    if reply.status == 200:
                        result["ready_s"] = round(time.perf_counter() - started, 2)
            except OSError:
                time.sleep(0.25)
        result["memory_at_ready"] = _memory_of(process.pid)
        statuses: dict[int, int] = {}
        latencies = []
        for question in query_texts()[:queries]:
            asked = time.perf_counter()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask",
                                             data=json.dumps({"question": question}).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=300) as reply:
                    status = reply.status
            except urllib.error.HTTPError as err:
                status = err.code
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(time.perf_counter() - asked)
        result["ask_statuses"] = statuses
        if latencies:  # the first loads what the server opens lazily (Chroma's vectors, spaCy, WordNet)
            result["first_ask_s"] = round(latencies[0], 2)
            result["later_asks_p50_s"] = round(percentile(latencies[1:] or latencies, 50), 3)
        result["memory_after_questions"] = _memory_of(process.pid)
        return result
    finally:
        process.terminate()
        process.wait(30)


def with_chroma_server(chunks: int, queries: int = 100) -> dict:
    """``measure`` with the archive's Chroma folder served by ``chroma run`` (the chromadb package's
    server) on loopback, and the server's memory beside this process's."""
    import socket
    import urllib.request

    folder = folder_for(chunks)
    cli = Path(sys.executable).parent / "chroma"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen([str(cli), "run", "--path", str(folder / "chroma"), "--port", str(port),
                               "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 300:
                    return {"error": "chroma run did not start"}
                time.sleep(0.5)
        result = {"server_ready_s": round(time.perf_counter() - started, 2),
                  **measure(chunks, queries, chroma_url=url)}
        result["chroma_server_memory"] = _memory_of(server.pid)
        return result
    finally:
        server.terminate()
        server.wait(60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("build", "bm25", "measure", "serve", "chroma-server"))
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    quiet()
    if args.step == "build":
        result = build(args.chunks)
    elif args.step == "bm25":
        result = build_bm25(args.chunks)
    elif args.step == "measure":
        result = measure(args.chunks, args.queries)
    elif args.step == "chroma-server":
        result = with_chroma_server(args.chunks, args.queries)
    else:
        result = {"with_generator": serve(args.chunks, queries=0),
                  "without_generator": serve(args.chunks, min(args.queries, 50), generator=False)}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"million-{args.step}-{args.chunks}.json"
    path.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "shards"}, indent=1))
    print(f"-> {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

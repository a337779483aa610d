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
- ``recall-scale`` (not in the default): recall@5 of the same sets over a real ``--sizes`` archive
  (real int8 embeddings of the synthetic corpus, with the real articles added) against their own
  small index.
- ``build``: only build (or resume) the cached indexes of ``--sizes`` within ``--build-budget-s``.
- ``million`` (not in the default): ``bench.million``'s steps for a ``--million-chunks`` archive,
  each in its own process: build (resumable; about 45 min for a million on 2 cores), the BM25
  build, retrieval and memory, ``newsdesk serve``'s cold start and memory, and the Chroma-server path.

Every measurement runs in its own subprocess, so peak memory is per phase and caches do not leak
between phases. The machine's load average is recorded with each figure: other processes on a
2-core machine change every wall-clock number here, so compare figures from one run, and read
the CPU-time columns (work done, less sensitive to contention) beside the wall-clock ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import BACKENDS, REPO, machine_info, peak_rss_mb, quiet
from bench.report import render

DEFAULT_SECTIONS = ("encode", "pipeline", "latency", "recall")


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
    if "recall-scale" in sections:
        results["recall_scale"] = {}
        for size in sizes:
            console.print(f"[bold]recall[/]@5 over a real {size}-chunk archive (int8, built once in bench/.cache/index)")
            results["recall_scale"][str(size)] = run_worker("recall-scale", args, size)
    if "million" in sections:
        results["million"] = {}
        for step in ("build", "bm25", "measure", "serve", "chroma-server"):
            console.print(f"[bold]million[/] {step} ({args.million_chunks} chunks)")
            with tempfile.TemporaryDirectory() as out:
                subprocess.run([sys.executable, "-m", "bench.million", step, "--chunks", str(args.million_chunks),
                                "--queries", str(args.queries), "--out", out], cwd=REPO, check=True,
                               stdout=subprocess.DEVNULL)
                results["million"][step] = json.loads(
                    (Path(out) / f"million-{step}-{args.million_chunks}.json").read_text())
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return results


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
    parser.add_argument("--million-chunks", type=int, default=1_000_000, help="archive size of the million section")
    parser.add_argument("--build-budget-s", type=float, default=0,
                        help="stop building an index after the shard that passes this many seconds (0: no limit); "
                             "the next run resumes it")
    parser.add_argument("--report", type=Path, help="print the tables of an earlier results JSON and exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quiet()

    if args.report:
        render(json.loads(args.report.read_text()))
        return
    if args.worker:
        from bench import encode, ingest, latency, recall

        size = int(args.sizes.split(",")[0])
        handlers = {"encode": lambda: encode.section_encode(args), "pipeline": lambda: ingest.section_pipeline(args),
                    "build": lambda: ingest.section_build(args, size),
                    "latency": lambda: latency.section_latency(args, size),
                    "recall": lambda: recall.section_recall(args),
                    "recall-scale": lambda: recall.section_recall_at_scale(args, size)}
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

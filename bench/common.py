"""What the benchmark sections share: timing, memory and disk measurement, the machine's
description, the question sets and the settings of a benchmark index. Everything of Newsdesk is
used through its public API."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import re
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

from langchain_core.embeddings import Embeddings

from app.evaluation.metrics import percentile  # noqa: F401  (re-exported for the sections)
from app.evaluation.questions import Question, load_questions

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


def quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name in ("httpx", "chromadb", "sentence_transformers", "transformers", "langchain", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)


def ms(seconds: float | None) -> float | None:
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


def questions(name: str) -> list[Question]:
    """The questions of one of ``QUESTION_SETS`` (the product's own loader)."""
    return load_questions(QUESTION_SETS[name][0])


def query_texts() -> list[str]:
    """Retrieval queries: the top-level questions of both evaluation sets (about 100)."""
    return [q.question for name in QUESTION_SETS for q in questions(name)]


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




class TimedEmbeddings(Embeddings):
    """Embeddings that count the time spent embedding documents; handed to ``Store`` so that the
    ingest benchmark can tell embedding from everything else without patching anything."""

    def __init__(self, inner: Embeddings):
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


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

"""Synthetic news corpora of an exact number of chunks, for the benchmarks.

    .venv/bin/python -m bench.make_corpus --chunks 10000 [--seed 13] [--out bench/.cache/corpus]

Every chunk is real text: the sentences of the Wikinews articles in
../shared/data/wikinews/articles.jsonl (beside the checkout), shuffled and recombined into synthetic articles of
6-30 sentences (paragraphs of 1-4 sentences) drawn from two or three source articles each, so
no two synthetic articles are alike but the vocabulary, sentence lengths and topics are those of
real news. The few real articles the answer benchmark asks about (``ANCHOR_ARTICLES``) come
first, verbatim, so its questions stay answerable at every size.

The corpus is cut to exactly ``--chunks`` chunks as the product's own chunker
(``app.chunking.chunk_article`` with the default ``ChunkSettings``) splits it, and written as
JSONL shards of about ``--shard-chunks`` chunks (``shards/part-0000.jsonl``...; ingest the
``shards`` folder) beside a ``manifest.json``,
so a large index can be built shard by shard and resumed. Same seed and sizes, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

from app.chunking import chunk_article
from app.config import ChunkSettings
from app.types import Article

REPO = Path(__file__).resolve().parent.parent
WIKINEWS = REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
DEFAULT_OUT = REPO / "bench" / ".cache" / "corpus"
# The gold articles of the answer-latency questions (see bench.run.ANSWER_QUESTIONS).
ANCHOR_ARTICLES = ("wikinews-0177", "wikinews-0055", "wikinews-0220", "wikinews-0189", "wikinews-0232",
                   "wikinews-0219")
GENERATOR_VERSION = 2
SOURCE_NAME = "Newsdesk bench (synthetic, from Wikinews sentences)"

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    sentences = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split())):
            if 20 <= len(sentence) <= 600:  # drop fragments and run-on table rows
                sentences.append(sentence)
    return sentences


def load_articles(path: Path = WIKINEWS) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return sorted((json.loads(line) for line in handle if line.strip()), key=lambda a: a["id"])


def _count_chunks(record: dict, settings: ChunkSettings) -> int:
    return len(chunk_article(Article(id=record["id"], title=record["title"], text=record["text"]), settings))


def _synthetic(number: int, rng: random.Random, articles: list[dict], sentences: dict[str, list[str]]) -> dict:
    sources = rng.sample(articles, rng.choice((2, 2, 3)))
    pool = [s for source in sources for s in sentences[source["id"]]]
    rng.shuffle(pool)
    picked = pool[: rng.randint(6, 30)]
    paragraphs, start = [], 0
    while start < len(picked):
        size = rng.randint(1, 4)
        paragraphs.append(" ".join(picked[start:start + size]))
        start += size
    lead = sources[0]
    return {
        "id": f"synth-{number:06d}",
        "title": f"{lead['title']} (synthetic {number})",
        "date": lead.get("date"),
        "url": None,
        "source": SOURCE_NAME,
        "text": "\n\n".join(paragraphs),
    }


def generate(chunks: int, seed: int = 13, anchors=ANCHOR_ARTICLES, source: Path = WIKINEWS,
             settings: ChunkSettings | None = None):
    """Yields (record, chunk_count) until exactly ``chunks`` chunks; deterministic in its arguments."""
    settings = settings or ChunkSettings()
    articles = load_articles(source)
    by_id = {a["id"]: a for a in articles}
    sentences = {a["id"]: split_sentences(a["text"]) for a in articles}
    articles = [a for a in articles if len(sentences[a["id"]]) >= 3]
    rng = random.Random(seed)
    total = 0
    for anchor in anchors:
        record = {k: by_id[anchor].get(k) for k in ("id", "title", "date", "url", "source", "text")}
        count = _count_chunks(record, settings)
        if total + count > chunks:
            break
        total += count
        yield record, count
    number = 0
    while total < chunks:
        number += 1
        record = _synthetic(number, rng, articles, sentences)
        count = _count_chunks(record, settings)
        # Trim the last article(s) to land exactly on the requested size: drop trailing paragraphs,
        # then sentences; a single sentence is always one chunk.
        while total + count > chunks:
            paragraphs = record["text"].split("\n\n")
            if len(paragraphs) > 1:
                record["text"] = "\n\n".join(paragraphs[:-1])
            else:
                parts = _SENTENCE_END.split(record["text"])
                record["text"] = " ".join(parts[:-1]) if len(parts) > 1 else record["text"][:300]
            count = _count_chunks(record, settings)
        total += count
        yield record, count


def _ignore_in_git(folder: Path) -> None:
    """bench/.cache/ holds generated corpora and built indexes (gigabytes at 100k): never commit them."""
    cache = REPO / "bench" / ".cache"
    if folder.resolve().is_relative_to(cache):
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / ".gitignore").exists():
            (cache / ".gitignore").write_text("# generated by bench/: corpora and indexes\n*\n")


def corpus_dir(chunks: int, seed: int = 13, out: Path = DEFAULT_OUT) -> Path:
    return Path(out) / f"chunks-{chunks}-seed{seed}"


def make_corpus(chunks: int, seed: int = 13, out: Path = DEFAULT_OUT, shard_chunks: int = 5000,
                source: Path = WIKINEWS, quiet: bool = False) -> Path:
    """Writes (once) and returns the folder holding manifest.json and shards/ (the articles)."""
    folder = corpus_dir(chunks, seed, out)
    manifest_path = folder / "manifest.json"
    wanted = {"chunks": chunks, "seed": seed, "generator_version": GENERATOR_VERSION,
              "chunking": ChunkSettings().model_dump(), "source": str(source), "shard_chunks": shard_chunks}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted:
            return folder
    folder.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(Path(out))
    (folder / "shards").mkdir(exist_ok=True)
    for old in (folder / "shards").glob("part-*.jsonl"):
        old.unlink()
    shards, shard, shard_count, articles = [], [], 0, 0
    digest = hashlib.sha256()

    def flush():
        nonlocal shard, shard_count
        if not shard:
            return
        path = folder / "shards" / f"part-{len(shards):04d}.jsonl"
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in shard)
        path.write_text(data, encoding="utf-8")
        digest.update(data.encode())
        shards.append({"file": path.name, "articles": len(shard), "chunks": shard_count})
        shard, shard_count = [], 0

    for record, count in generate(chunks, seed, source=source):
        shard.append(record)
        shard_count += count
        articles += 1
        if shard_count >= shard_chunks:
            flush()
    flush()
    manifest = {**wanted, "articles": articles, "shards": shards, "sha256": digest.hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    if not quiet:
        print(f"wrote {chunks} chunks in {articles} articles, {len(shards)} shard(s), to {folder}", file=sys.stderr)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1000], help="corpus size(s) in chunks")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--shard-chunks", type=int, default=5000)
    args = parser.parse_args(argv)
    for size in args.chunks:
        print(make_corpus(size, args.seed, args.out, args.shard_chunks))


if __name__ == "__main__":
    main()

"""Wire copies: are they found, and does retrieval return each story once without losing recall?

    .venv/bin/python -m bench.dedup [--seed 7] [--fresh]

The corpus: the 347 Wikinews articles (../shared/data/wikinews/articles.jsonl) plus planted
copies of the gold articles of tests/questions/wikinews.yaml, two or three per article, as other
outlets run wire copy: their own dateline and credit line, a paragraph dropped or two swapped,
"said" turned into "told reporters", a headline suffix. Measured:

- grouping: planted copy pairs grouped (recall) and articles grouped that are not copies
  (false groups), with the estimated Jaccard of copy pairs and of the closest distinct stories,
  which is what the threshold in app/config.py (DedupSettings) is chosen between;
- retrieval (hybrid, top 5) for the answerable questions: how many top-5 lists hold two copies of
  one story, and story-level recall@5 (the gold story, by any of its copies, is in the top 5),
  on the corpus without copies, with copies and grouping off, and with copies and grouping on.
  "Without copies" is the same index searched with a source filter that leaves out the planted
  outlets (one index build instead of two on a 2-core machine; BM25's term statistics still
  include the copies).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import statistics
import time
from pathlib import Path

from app.config import Settings
from app.dedup import minhash
from app.evaluation.questions import load_questions
from app.ingest import ingest
from app.retrieval import Filters, HybridRetriever
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
WIKINEWS = REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
QUESTIONS = REPO / "tests" / "questions" / "wikinews.yaml"
OUTLETS = ["Harbour Herald", "Valley Gazette", "Coast Courier", "Metro Ledger", "Northern Post"]
CITIES = ["LONDON", "NEW YORK", "SYDNEY", "NAIROBI", "TORONTO"]


def wire_copy(article: dict, number: int, rng: random.Random) -> dict:
    outlet = OUTLETS[number % len(OUTLETS)]
    paragraphs = [p for p in article["text"].split("\n\n") if p.strip()]
    if len(paragraphs) > 3 and rng.random() < 0.6:
        paragraphs = paragraphs[:-1]  # trimmed to fit
    if len(paragraphs) > 4 and rng.random() < 0.5:
        i = rng.randrange(1, len(paragraphs) - 2)
        paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
    words = {" said ": rng.choice([" told reporters ", " stated ", " said "]), "According to": "Citing"}
    paragraphs = [_replace(p, words) for p in paragraphs]
    paragraphs[0] = f"{rng.choice(CITIES)} ({outlet}) — {paragraphs[0]}"
    paragraphs.append(f"Additional reporting by {outlet} staff; editing by the {outlet} desk.")
    title = article["title"] + rng.choice(["", f" | {outlet}", " - update"])
    return {**article, "id": f"{article['id']}-copy{number}", "title": title, "source": outlet,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/{article['id']}", "text": "\n\n".join(paragraphs)}


def _replace(text: str, words: dict[str, str]) -> str:
    for old, new in words.items():
        text = text.replace(old, new)
    return text


def build(out: Path, seed: int) -> tuple[Path, Path, dict[str, str]]:
    rng = random.Random(seed)
    articles = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {a["id"]: a for a in articles}
    gold = sorted({i for q in load_questions(QUESTIONS) for i in q.article_ids if i in by_id})
    copies = [wire_copy(by_id[i], n, rng) for i in gold for n in range(rng.choice([2, 3]))]
    story_of = {a["id"]: a["id"] for a in articles} | {c["id"]: c["id"].rsplit("-copy", 1)[0] for c in copies}
    out.mkdir(parents=True, exist_ok=True)
    plain, planted = out / "plain", out / "planted"
    for folder, rows in ((plain, articles), (planted, articles + copies)):
        folder.mkdir(exist_ok=True)
        (folder / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return plain, planted, story_of


def similarities(settings: Settings, planted: Path, story_of: dict[str, str]) -> dict:
    rows = [json.loads(line) for line in (planted / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    signatures = {r["id"]: minhash(f"{r['title']}\n{r['text']}", settings.dedup) for r in rows}
    ids = list(signatures)
    copy_pairs, distinct_best = [], {}
    for a, b in itertools.combinations(ids, 2):
        similarity = signatures[a].jaccard(signatures[b])
        if story_of[a] == story_of[b]:
            copy_pairs.append(similarity)
        else:
            distinct_best[a] = max(distinct_best.get(a, 0.0), similarity)
            distinct_best[b] = max(distinct_best.get(b, 0.0), similarity)
    closest = sorted(distinct_best.values())
    from app.dedup import StoryIndex
    from app.types import Article

    articles = [Article(id=r["id"], title=r["title"], text=r["text"]) for r in rows]
    started = time.perf_counter()
    StoryIndex(settings.dedup).assign_all(articles)
    assign_ms = 1000 * (time.perf_counter() - started) / len(articles)
    return {"copy_pairs": len(copy_pairs), "copy_jaccard_min": round(min(copy_pairs), 3),
            "copy_jaccard_p05": round(sorted(copy_pairs)[len(copy_pairs) // 20], 3),
            "copy_jaccard_median": round(statistics.median(copy_pairs), 3),
            "distinct_closest_max": round(closest[-1], 3),
            "distinct_closest_p99": round(closest[int(len(closest) * 0.99)], 3),
            "assign_ms_per_article": round(assign_ms, 2)}


def grouping(store: Store, story_of: dict[str, str]) -> dict:
    found = store.story_ids(story_of)
    truth_pairs = {(a, b) for a, b in itertools.combinations(sorted(story_of), 2) if story_of[a] == story_of[b]}
    found_pairs = {(a, b) for a, b in itertools.combinations(sorted(found), 2) if found[a] == found[b]}
    return {"planted_pairs": len(truth_pairs), "grouped_pairs": len(found_pairs),
            "pair_recall": round(len(truth_pairs & found_pairs) / max(1, len(truth_pairs)), 3),
            "pair_precision": round(len(truth_pairs & found_pairs) / max(1, len(found_pairs)), 3),
            "wrong_pairs": sorted(found_pairs - truth_pairs)[:10]}


def retrieval(settings: Settings, story_of: dict[str, str], one_copy: bool, originals_only: bool = False) -> dict:
    store = Store(settings)
    filters = Filters()
    if originals_only:
        sources = {row["source"] or "" for row in store.article_rows()} - set(OUTLETS)
        filters = Filters(sources=tuple(sorted(sources)))
    retriever = HybridRetriever(store=store, filters=filters, settings=settings.retrieval.model_copy(
        update={"top_k": 5, "one_copy_per_story": one_copy}))
    questions = [q for q in load_questions(QUESTIONS) if q.answerable and q.article_ids]
    doubled, hits, all_hits, distinct = 0, 0, 0, []
    for q in questions:
        passages = retriever.retrieve(q.question)
        articles_per_story: dict[str, set[str]] = {}
        for p in passages:
            articles_per_story.setdefault(story_of.get(p.article_id, p.article_id), set()).add(p.article_id)
        doubled += any(len(a) > 1 for a in articles_per_story.values())
        gold = {story_of.get(i, i) for i in q.article_ids}
        hits += bool(gold & set(articles_per_story))
        all_hits += gold <= set(articles_per_story)
        distinct.append(len(articles_per_story))
    return {"questions": len(questions), "top5_with_two_copies_of_a_story": doubled,
            "story_recall_at_5": round(hits / len(questions), 3),
            "all_gold_stories_at_5": round(all_hits / len(questions), 3),
            "distinct_stories_in_top5_mean": round(statistics.mean(distinct), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / ".cache" / "dedup")
    parser.add_argument("--index", type=Path, default=REPO / "bench" / ".cache" / "dedup-index")
    parser.add_argument("--fresh", action="store_true", help="rebuild the index from scratch")
    args = parser.parse_args()
    plain, planted, story_of = build(args.out, args.seed)
    # The index is kept between runs (ingestion is incremental); --fresh rebuilds it.
    settings = Settings(index_dir=args.index, data_dir=args.out / "data")
    if args.fresh:
        shutil.rmtree(args.index, ignore_errors=True)
    report: dict = {"articles": len(story_of), "planted_copies": sum(1 for a, s in story_of.items() if a != s)}
    report["similarity"] = similarities(settings, planted, story_of)
    started = time.perf_counter()
    report["ingest"] = ingest([planted], settings).summary()
    report["ingest_s"] = round(time.perf_counter() - started, 1)
    report["grouping"] = grouping(Store(settings), story_of)
    report["retrieval"] = {
        "no copies (planted outlets filtered out)": retrieval(settings, story_of, True, originals_only=True),
        "copies, grouping off": retrieval(settings, story_of, False),
        "copies, grouping on": retrieval(settings, story_of, True),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

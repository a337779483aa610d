#!/usr/bin/env python3
"""What the accuracy of `newsdesk eval` does not show for the dated and everyday sets (issue 24),
read from an eval's report.json and its question file:

  * per tag: turns, accuracy, wrong answers (tags: "latest", "as-of", "conflict", "typo", ...);
  * newest report cited: of the answered turns tagged latest / so-far / present-perfect / recently /
    this-week, the share whose citations include the item's first article (the newest report, as of
    the day asked, that states the answer);
  * both sides cited: of the turns tagged conflict, the share that cite both articles;
  * summaries stated: every sentence of an answer to a `summary` turn is a cited span.

Usage: python tests/questions/score_dated.py QUESTIONS.yaml REPORT.json
"""
from __future__ import annotations

import collections
import json
import re
import sys

import yaml

LATEST = {"latest", "so-far", "present-perfect", "recently", "this-week"}


def main(questions_path: str, report_path: str) -> int:
    items = {i["id"]: i for i in yaml.safe_load(open(questions_path, encoding="utf-8"))}
    turns = json.load(open(report_path, encoding="utf-8"))["turns"]
    by_tag: dict[str, list[dict]] = collections.defaultdict(list)
    newest, both, summaries = [], [], []
    for turn in turns:
        item = items.get(turn.get("parent_id") or turn["id"], {})
        tags = set(item.get("tags", []))
        for tag in tags:
            by_tag[tag].append(turn)
        cited = [c["article_id"] for c in turn.get("citations", [])]
        articles = item.get("article_ids") or []
        if turn["turn"] == 1 and tags & LATEST and articles and not turn["refused"] and turn["answerable"]:
            newest.append(articles[0] in cited)
        if turn["turn"] == 1 and "conflict" in tags and len(articles) >= 2:
            both.append(all(a in cited for a in articles[:2]))
        if turn["kind"] == "summary" and not turn["refused"]:
            spans = [c["span"].strip().rstrip(".") for c in turn.get("citations", [])]
            body = re.sub(r"\s*\[\d+\]", "", turn["answer"])
            summaries.append(all(s[:40] in body for s in spans) and bool(spans))
    print(f"{'tag':<20} {'turns':>5} {'right':>6} {'wrong':>6}")
    for tag, selected in sorted(by_tag.items()):
        right = sum(t["correct"] for t in selected)
        wrong = sum(not t["correct"] and not t["refused"] for t in selected)
        print(f"{tag:<20} {len(selected):>5} {right:>6} {wrong:>6}")
    share = lambda xs: f"{sum(xs)}/{len(xs)}" + (f" ({sum(xs) / len(xs):.0%})" if xs else "")
    print(f"\nnewest stating report cited (answered latest-type turns): {share(newest)}")
    print(f"both sides cited (conflict turns): {share(both)}")
    print(f"summaries whose every sentence is a cited span: {share(summaries)}")
    errors = sum(1 for t in turns if t.get("error"))
    print(f"errors: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

#!/usr/bin/env python3
"""Writes tests/data/time-articles.jsonl: real Wikinews articles for the time and disagreement
question sets (tests/questions/time-conflicts.yaml, time-dated.yaml), plus altered copies.

Each copy is a real article with ONE figure changed (in its text and, where it repeats it, its
title), under a new id, another source name and a later date: to the pipeline it is a second
source that disagrees, or a later report that updates the figure. Everything else is the
article as published. Rerun after changing COPIES; the output is deterministic.

Usage: python tests/data/make_time_articles.py [--shared ../shared]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Articles used as they are: the originals of the copies, and stories told over several days.
ORIGINALS = ["wikinews-0088", "wikinews-0305", "wikinews-0180", "wikinews-0228", "wikinews-0302", "wikinews-0199",
             "wikinews-0334", "wikinews-0135", "wikinews-0192",
             "wikinews-0171", "wikinews-0208", "wikinews-0222",  # the Trump impeachment, Sep-Dec 2019
             "wikinews-0118", "wikinews-0139", "wikinews-0150", "wikinews-0179",  # Hong Kong protests, 2019
             "wikinews-0202"]  # the Philippines earthquake, "on Wednesday" in a story of a Tuesday

# (original id, exact text in the original, replacement, title replacement or None, days later, source)
COPIES = [
    ("wikinews-0088", "killed nine people", "killed eleven people", ("kills nine", "kills eleven"), 2,
     "Dhaka Test Wire"),
    ("wikinews-0305", "said 18 people died", "said 21 people died", None, 1, "Kerala Test Times"),
    ("wikinews-0180", "At least seven people were killed", "At least five people were killed",
     ("killing at least seven", "killing at least five"), 1, "Connecticut Test Courier"),
    ("wikinews-0228", "at least 56 deaths", "at least 50 deaths", None, 1, "Tehran Test Bulletin"),
    ("wikinews-0302", "at least 71 people were arrested", "at least 80 people were arrested", None, 2,
     "Belgrade Test Daily"),
    ("wikinews-0199", "337 suspected users", "310 suspected users", None, 1, "Cyber Test Ledger"),
    ("wikinews-0334", "twenty people were arrested", "twenty-three people were arrested", None, 1,
     "Capitol Test Report"),
    ("wikinews-0135", "six Mexican nationals were killed", "eight Mexican nationals were killed", None, 2,
     "Border Test Herald"),
    ("wikinews-0192", "Dedi Prasetyo, a spokesperson", "Muhammad Iqbal, a spokesperson", None, 1,
     "Jakarta Test Wire"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("NEWSDESK_SHARED", str(HERE.parent.parent.parent / "shared")))
    args = ap.parse_args()
    source = Path(args.shared) / "data" / "wikinews" / "articles.jsonl"
    articles = {a["id"]: a for a in map(json.loads, source.read_text(encoding="utf-8").splitlines()) if a}
    out = [articles[i] for i in ORIGINALS]
    for original_id, old, new, title_change, days, source_name in COPIES:
        article = dict(articles[original_id])
        assert article["text"].count(old) == 1, (original_id, old)
        article["text"] = article["text"].replace(old, new)
        if title_change:
            assert title_change[0] in article["title"], (original_id, title_change)
            article["title"] = article["title"].replace(*title_change)
        article["date"] = (dt.date.fromisoformat(article["date"]) + dt.timedelta(days=days)).isoformat()
        article["id"] = original_id.replace("wikinews-", "altered-")
        article["source"] = source_name
        article["url"] = None
        article["altered"] = f"copy of {original_id} with “{old}” changed to “{new}”"
        out.append(article)
    target = HERE / "time-articles.jsonl"
    target.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in out), encoding="utf-8")
    print(f"{len(out)} articles -> {target}")


if __name__ == "__main__":
    main()

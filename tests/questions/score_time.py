#!/usr/bin/env python3
"""What the answer accuracy of `newsdesk eval` does not show for the time sets (issue 13), read
from an eval's report.json:
  * conflicts noted: turns that must say the sources differ (c-NNN, and d-019, d-021) and do;
  * false alarms: turns that must not (n-NNN, d-020) and do;
  * "as of" stated: latest/as-of turns (d-001..d-008) whose answer opens "As of <date>,";
  * timelines: timeline turns (d-017, d-018) answered with at least two dated lines from
    at least two articles.

Usage: python tests/questions/score_time.py REPORT.json [REPORT.json ...]
"""
from __future__ import annotations

import json
import re
import sys

CONFLICT = re.compile(r"\bc-\d{3}$|^d-019$|^d-021$")
NO_CONFLICT = re.compile(r"\bn-\d{3}$|^d-020$")
DATED = {f"d-00{i}" for i in range(1, 9)}
TIMELINE = {"d-017", "d-018"}
NOTES = ("Sources differ:", "Superseded:")  # disagreement, or an update a "latest" answer names
LINE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}: .+\[\d+\]\.$")


def score(turns: list[dict]) -> dict[str, str]:
    def share(selected: list[dict], test) -> str:
        hits = sum(1 for t in selected if test(t))
        return f"{hits}/{len(selected)}"

    conflict = [t for t in turns if CONFLICT.search(t["id"])]
    calm = [t for t in turns if NO_CONFLICT.search(t["id"])]
    dated = [t for t in turns if t["id"] in DATED]
    timeline = [t for t in turns if t["id"] in TIMELINE]
    return {
        "conflicts noted": share(conflict, lambda t: any(n in t["answer"] for n in NOTES)),
        "false conflict notes": share(calm, lambda t: any(n in t["answer"] for n in NOTES)),
        "latest/as-of answers stating the date": share(dated, lambda t: t["answer"].startswith("As of ")),
        "timelines (>= 2 dated lines, >= 2 articles)": share(timeline, lambda t: sum(
            bool(LINE.match(line)) for line in t["answer"].splitlines()) >= 2 and len(
            {c.get("article_id") for c in t.get("citations", [])}) >= 2),
        "answer accuracy": share(turns, lambda t: t.get("correct")),
    }


def main() -> None:
    for path in sys.argv[1:]:
        data = json.load(open(path, encoding="utf-8"))
        print(path)
        for name, value in score(data["turns"]).items():
            print(f"  {name}: {value}")


if __name__ == "__main__":
    main()

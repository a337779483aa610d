#!/usr/bin/env python3
"""Write `split: dev|test` into the items of a question file that have none.

The rule, so that each half has every kind in about equal measure: within each kind, the items
without a split are taken in the order of the SHA-256 of their id and dealt alternately to the
split that has fewer turns of that kind so far (a follow-up is a turn of its item). An item keeps
the split it was given once: adding questions later never moves an existing one. Items still
without a `split` line (e.g. QuAIL) fall back to the hash rule in app/evaluation/questions.py.

The line is inserted after the item's `kind:` line; nothing else in the file changes.

Usage: python tests/questions/assign_splits.py tests/questions/NEW.yaml [...]
"""
from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

import yaml


def assign(items: list[dict]) -> dict[str, str]:
    """id -> split for the items without one."""
    turns: Counter = Counter()
    for item in items:
        if item.get("split"):
            turns[(item["kind"], item["split"])] += 2 if item.get("follow_up") else 1
    chosen: dict[str, str] = {}
    todo = sorted((i for i in items if not i.get("split")),
                  key=lambda i: (i["kind"], hashlib.sha256(str(i["id"]).encode()).hexdigest()))
    for item in todo:
        kind = item["kind"]
        split = "dev" if turns[(kind, "dev")] <= turns[(kind, "test")] else "test"
        chosen[str(item["id"])] = split
        turns[(kind, split)] += 2 if item.get("follow_up") else 1
    return chosen


def write_splits(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    chosen = assign(yaml.safe_load(text))
    out, current = [], None
    for line in text.splitlines(keepends=True):
        match = re.match(r"- id: *['\"]?([^'\"\s]+)", line)
        if match:
            current = match.group(1)
        out.append(line)
        if current in chosen and re.match(r"  kind: ", line):
            out.append(f"  split: {chosen.pop(current)}\n")
    if chosen:
        raise SystemExit(f"{path}: no top-level 'kind:' line found for {', '.join(chosen)}")
    path.write_text("".join(out), encoding="utf-8")
    return len(out)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        write_splits(Path(name))
        items = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
        count = Counter((i["kind"], i["split"]) for i in items)
        print(name, dict(sorted(count.items())))

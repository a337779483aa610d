#!/usr/bin/env python3
"""Count the hand-written lexicon entries of the answer flow (issue 23: "the number of hand entries at
least halves"): the words of every word-set literal and of the relation groups in app/answering/*.py,
and the rows of the data files under app/data/lexicon/. Compare a revision with the working tree:

    python scripts/count_hand_lexicons.py d01c2ac
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_TRIPLE = re.compile(r'frozenset\(\s*"""(.*?)"""', re.S)
_SINGLE = re.compile(r'frozenset\("([^"]*)"\.split\(\)\)')
_GROUPS = re.compile(r"_RELATION_GROUPS = \[(.*?)\n\]", re.S)


def in_code(source: str) -> tuple[int, int]:
    """(entries, lexicons) of one module's source."""
    entries = lexicons = 0
    for match in [*_TRIPLE.finditer(source), *_SINGLE.finditer(source)]:
        entries, lexicons = entries + len(match.group(1).split()), lexicons + 1
    for match in _GROUPS.finditer(source):
        entries += sum(len(line.split()) for line in re.findall(r'"([^"]*)"', match.group(1)))
        lexicons += 1
    return entries, lexicons


def _files(revision: str | None, folder: str) -> dict[str, str]:
    if revision is None:
        return {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in sorted((REPO / folder).glob("**/*"))
                if p.is_file()}
    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", revision, folder], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    return {n: subprocess.run(["git", "show", f"{revision}:{n}"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout for n in names}


def count(revision: str | None) -> dict[str, int]:
    code = [in_code(s) for n, s in _files(revision, "app/answering").items() if n.endswith(".py")]
    rows = sum(sum(1 for line in s.splitlines()[1:] if line.strip() and not line.startswith(("#", "noun\t")))
               for n, s in _files(revision, "app/data/lexicon").items() if n.endswith(".tsv")) \
        if revision is None or _has(revision, "app/data/lexicon") else 0
    return {"in code": sum(e for e, _ in code), "lexicons in code": sum(n for _, n in code), "in data files": rows,
            "total": sum(e for e, _ in code) + rows}


def _has(revision: str, folder: str) -> bool:
    return bool(subprocess.run(["git", "ls-tree", revision, folder], cwd=REPO, capture_output=True, text=True).stdout)


if __name__ == "__main__":
    for revision in [*sys.argv[1:], None]:
        print(f"{revision or 'working tree'}: {count(revision)}")

"""Build tests/data/dated-articles.jsonl, the corpus of tests/questions/dated.yaml.

Written 2026-12-07 by a question-set helper (who did not read the system's code).

The corpus holds:
  (a) the real Wikinews articles that dated.yaml uses, copied unchanged (CC BY 2.5,
      license fields kept), and
  (b) for nine of them an ALTERED COPY: the same text with exactly ONE figure changed,
      under another `source` name, the SAME date, id `copy-NNNN` (NNNN = the original's
      number), a slightly reworded title, and a `notes` field saying what was altered.
      These copies are not real reports; they exist so that the set can ask whether the
      system notices that two sources of the same day disagree on a figure.

Usage (from the repository root):
    python tests/data/make_dated_articles.py [path/to/wikinews/articles.jsonl]
The Wikinews file is looked for, in order, at: the first argument, $WIKINEWS_JSONL,
<repo>/shared/data/wikinews/articles.jsonl and <repo>/../shared/data/wikinews/articles.jsonl.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = HERE / "dated-articles.jsonl"

# Real articles used by tests/questions/dated.yaml, grouped by story.
REAL_IDS = [
    # 2009 US stock slump (Dow Jones closing levels)
    "wikinews-0027", "wikinews-0028", "wikinews-0029", "wikinews-0030", "wikinews-0031",
    # Randolph, New Hampshire motorcycle crash (June 2019)
    "wikinews-0119", "wikinews-0120",
    # Puerto Rico governorship (July-August 2019)
    "wikinews-0131", "wikinews-0132", "wikinews-0136",
    # Hong Kong protests (2019)
    "wikinews-0139", "wikinews-0150", "wikinews-0179", "wikinews-0216",
    # Prorogation of the UK Parliament (August-September 2019)
    "wikinews-0143", "wikinews-0155", "wikinews-0158", "wikinews-0169",
    # Hurricane Dorian, Hurricane Humberto (September 2019)
    "wikinews-0145", "wikinews-0149", "wikinews-0161", "wikinews-0164",
    # Mindanao earthquake (October 2019)
    "wikinews-0202",
    # Trump impeachment (2019)
    "wikinews-0208", "wikinews-0222",
    # Samoa measles outbreak (2019-2020)
    "wikinews-0218", "wikinews-0225",
    # COVID-19 (January-May 2020)
    "wikinews-0237", "wikinews-0238", "wikinews-0241", "wikinews-0243", "wikinews-0258",
    "wikinews-0260", "wikinews-0267", "wikinews-0269", "wikinews-0275", "wikinews-0282",
    # 2020 US presidential primaries
    "wikinews-0242", "wikinews-0247", "wikinews-0248", "wikinews-0250", "wikinews-0253",
    "wikinews-0256", "wikinews-0261", "wikinews-0265", "wikinews-0268", "wikinews-0270",
    "wikinews-0273", "wikinews-0274",
    # Alexei Navalny (August-September 2020)
    "wikinews-0309", "wikinews-0315",
]

# Altered copies: original id -> (source, new title, old substring, new substring).
# `old` must occur exactly once in the original text; only that figure changes.
ALTERATIONS = {
    "wikinews-0242": (
        "Example Wire",
        "Sanders and Trump take 2020 New Hampshire primaries",
        "Bill Weld, the former governor of Massachusetts, received 9% of the vote.",
        "Bill Weld, the former governor of Massachusetts, received 11% of the vote.",
    ),
    "wikinews-0250": (
        "Example Daily Post",
        "Biden wins South Carolina Democratic presidential primary of 2020",
        "Tom Steyer came in third, receiving roughly 11% of the votes.",
        "Tom Steyer came in third, receiving roughly 14% of the votes.",
    ),
    "wikinews-0225": (
        "Example Wire",
        "Samoa lifts state of emergency over measles outbreak",
        "1846 persons were hospitalized",
        "2046 persons were hospitalized",
    ),
    "wikinews-0149": (
        "Example Daily Post",
        "Dorian leaves a trail of destruction across the Bahamas",
        "some 60 thousand people are in need of food and drinking water",
        "some 70 thousand people are in need of food and drinking water",
    ),
    "wikinews-0164": (
        "Example Wire",
        "Humberto strengthens to a Category 3 hurricane as it nears Bermuda",
        "only 21 hurricanes reached within 100 miles of the islands",
        "only 17 hurricanes reached within 100 miles of the islands",
    ),
    "wikinews-0120": (
        "Example Daily Post",
        "Driver pleads not guilty over New Hampshire motorcycle crash",
        "Volodoymyr Zhukovskyy, 23, pleaded not guilty",
        "Volodoymyr Zhukovskyy, 26, pleaded not guilty",
    ),
    "wikinews-0202": (
        "Example Wire",
        "Aftershocks raise death toll of 6.3 quake in southern Philippines",
        "Phivolcs recorded 611 aftershocks",
        "Phivolcs recorded 811 aftershocks",
    ),
    "wikinews-0216": (
        "Example Daily Post",
        "Pro-democracy candidates win hundreds of Hong Kong district council seats",
        "Over 80% of the 452 available",
        "Over 80% of the 479 available",
    ),
    "wikinews-0208": (
        "Example Wire",
        "US House sets rules for Trump impeachment proceedings",
        "194 Republicans opposing it",
        "196 Republicans opposing it",
    ),
}


def find_source(argv: list[str]) -> Path:
    candidates = []
    if len(argv) > 1:
        candidates.append(Path(argv[1]))
    if os.environ.get("WIKINEWS_JSONL"):
        candidates.append(Path(os.environ["WIKINEWS_JSONL"]))
    candidates.append(REPO / "shared" / "data" / "wikinews" / "articles.jsonl")
    candidates.append(REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl")
    for path in candidates:
        if path.is_file():
            return path
    sys.exit("Wikinews articles.jsonl not found; tried: " + ", ".join(map(str, candidates)))


def altered_copy(original: dict, source: str, title: str, old: str, new: str) -> dict:
    text = original["text"]
    if text.count(old) != 1:
        raise SystemExit(f"{original['id']}: expected exactly one {old!r}, found {text.count(old)}")
    number = original["id"].split("-")[-1]
    copy = dict(original)
    copy.update(
        id=f"copy-{number}",
        title=title,
        source=source,
        url=None,
        text=text.replace(old, new),
        notes=(
            f"ALTERED COPY of {original['id']} made for evaluation (tests/questions/dated.yaml); "
            f"not a real report. One figure changed: {old!r} -> {new!r}. "
            "Everything else is the original Wikinews text (CC BY 2.5), same date."
        ),
    )
    return copy


def main(argv: list[str]) -> None:
    src = find_source(argv)
    articles = {}
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                art = json.loads(line)
                articles[art["id"]] = art
    missing = [i for i in REAL_IDS if i not in articles]
    if missing:
        raise SystemExit(f"missing in {src}: {missing}")
    assert set(ALTERATIONS) <= set(REAL_IDS)

    rows = [articles[i] for i in REAL_IDS]
    rows += [altered_copy(articles[i], *ALTERATIONS[i]) for i in ALTERATIONS]
    rows.sort(key=lambda a: (a["date"], a["id"]))
    with open(OUT, "w", encoding="utf-8") as fh:
        for art in rows:
            fh.write(json.dumps(art, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} articles ({len(REAL_IDS)} real, {len(ALTERATIONS)} altered copies) to {OUT}")


if __name__ == "__main__":
    main(sys.argv)

"""Which HTML extractor to keep: trafilatura (app.sources.extract) or the old BeautifulSoup cleaning.

    .venv/bin/python -m bench.extraction [--real-pages DIR] [--stories 30]

Two measurements, each per page then averaged: bag-of-words precision, recall and F1 of the
extracted text against the known article text, and how many pages kept any page chrome.
1. Real pages: the 181 news and blog pages of the Article Extraction Benchmark (git clone of
   scrapinghub/article-extraction-benchmark, MIT licence; ``DIR`` holds its ``html/*.html.gz`` and
   ``ground-truth.json``). Their ground truth is the article body as a human marked it.
2. The seed article and ``--stories`` Wikinews articles inside the three page layouts of
   bench/news_pages.py (navigation, cookie banner, ads, newsletter pitches, related lists,
   comments); chrome is detected by its known phrases (``CHROME_MARKERS``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from app.cleaning import clean_text
from app.sources.extract import ExtractionError, extract_page
from bench.news_pages import CHROME_MARKERS, LAYOUTS, Story, news_page

# The hand-written HTML cleaning Newsdesk used before trafilatura (app/cleaning.py until issue 12),
# kept here only as the baseline of this comparison.
_DROP_TAGS = ["script", "style", "noscript", "nav", "footer", "header", "aside", "form",
              "iframe", "svg", "button", "template", "object", "embed"]
_BLOCK_TAGS = ["p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "section", "article", "tr", "pre", "figcaption"]


def html_to_text(html: str) -> tuple[str, str | None]:
    """Visible text of an HTML page (scripts, navigation and footers removed) and its title."""
    soup = BeautifulSoup(html, "lxml")
    title = None
    heading = soup.find("h1")
    if heading and heading.get_text(strip=True):
        title = heading.get_text(" ", strip=True)
    elif soup.title and soup.title.string:
        title = soup.title.string.strip()
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    if heading is not None and heading.parent is not None:
        heading.decompose()  # the title is kept as metadata, not repeated in the text
    root = soup.find("article") or soup.body or soup
    for tag in root.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    return clean_text(root.get_text()), title


REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "ain-al-asad-rocket-attack.txt"
_WORD = re.compile(r"\w+", re.UNICODE)


def prf(extracted: str, truth: str) -> tuple[float, float, float]:
    got, want = Counter(_WORD.findall(extracted.lower())), Counter(_WORD.findall(truth.lower()))
    common = sum((got & want).values())
    precision = common / max(1, sum(got.values()))
    recall = common / max(1, sum(want.values()))
    return precision, recall, (2 * precision * recall / (precision + recall) if common else 0.0)


def trafilatura_text(html: str, url: str | None) -> str:
    try:
        page = extract_page(html, url)
    except ExtractionError:
        return ""
    return page.text


def soup_text(html: str, url: str | None) -> str:
    return html_to_text(html)[0]


EXTRACTORS = {"trafilatura": trafilatura_text, "beautifulsoup (old)": soup_text}


def real_pages(folder: Path):
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        path = folder / "html" / f"{key}.html.gz"
        if path.exists():
            html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
            yield html, item.get("url"), item["articleBody"], None


def layout_pages(count: int):
    stories = []
    seed_text = SEED.read_text(encoding="utf-8")
    stories.append(Story(title="Rocket attack on Ain al-Asad air base", date="2021-03-03", author="Staff",
                         paragraphs=[p.strip() for p in seed_text.split("\n\n") if p.strip()][:40]))
    sys.path.insert(0, str(REPO / "tests"))
    from news_site import wikinews_stories

    stories += wikinews_stories(count)
    for story in stories:
        for layout in LAYOUTS:
            yield news_page(story, layout), story.url, story.text, CHROME_MARKERS


def measure(pages) -> dict:
    results = {name: {"p": [], "r": [], "f": [], "chrome": 0, "empty": 0, "s": 0.0} for name in EXTRACTORS}
    for html, url, truth, markers in pages:
        for name, extractor in EXTRACTORS.items():
            started = time.perf_counter()
            text = extractor(html, url)
            results[name]["s"] += time.perf_counter() - started
            p, r, f = prf(text, truth)
            results[name]["p"].append(p)
            results[name]["r"].append(r)
            results[name]["f"].append(f)
            results[name]["empty"] += not text
            if markers and any(m in text for m in markers):
                results[name]["chrome"] += 1
    return {name: {"pages": len(v["f"]), "precision": round(statistics.mean(v["p"]), 3),
                   "recall": round(statistics.mean(v["r"]), 3), "f1": round(statistics.mean(v["f"]), 3),
                   "median_f1": round(statistics.median(v["f"]), 3), "pages_with_chrome": v["chrome"],
                   "empty": v["empty"], "ms_per_page": round(1000 * v["s"] / max(1, len(v["f"])), 1)}
            for name, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real-pages", type=Path, help="checkout of scrapinghub/article-extraction-benchmark")
    parser.add_argument("--stories", type=int, default=30)
    args = parser.parse_args()
    report = {"layouts (seed + Wikinews)": measure(layout_pages(args.stories))}
    if args.real_pages:
        report["real pages (Article Extraction Benchmark)"] = measure(real_pages(args.real_pages))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

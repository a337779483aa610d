"""The story inside a web page: main text, title, author, date and canonical URL.

trafilatura finds the main text (dropping navigation, ads, comments and footers) and the
metadata; htmldate supplies the publication date when the page's metadata has none. The same
extractor serves fetched pages and local ``.html`` files (docs/quality-history.md: it beat the old
hand-written BeautifulSoup cleaning on every page measured).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from app.cleaning import clean_text

log = logging.getLogger(__name__)
for _noisy in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)  # they log every odd page at WARNING


class ExtractionError(ValueError):
    """No article text could be found in the page."""


@dataclass(frozen=True)
class ExtractedPage:
    text: str  # paragraphs separated by one blank line, cleaned like every other article
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    url: str | None = None  # the page's canonical URL when it declares one
    sitename: str | None = None
    description: str | None = None


def _field(doc: object, name: str) -> str | None:
    value = doc.get(name) if isinstance(doc, dict) else getattr(doc, name, None)
    return str(value).strip() if value not in (None, "") else None


_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}


@lru_cache(maxsize=1)
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura's defaults drop texts under 250 characters and then fall back to all visible
    # text (navigation included); a short local note or brief is still an article.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    return config


def extract_page(html: str, url: str | None = None) -> ExtractedPage:
    """Extract the article from ``html`` (fetched from ``url``, if known). Raises ExtractionError."""
    import trafilatura
    from htmldate import find_date

    # The publication date only from what the page states (meta tags, JSON-LD, <time>, the URL):
    # htmldate's extensive search would take a "© 2024" footer for one.
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, deduplicate=False, config=_config(),
        date_extraction_params=_DATE_PARAMS,
    )
    raw_text = _field(doc, "text") if doc is not None else None
    if not raw_text:
        raise ExtractionError("no article text found in the page")
    # trafilatura ends each paragraph with a newline; the project separates them by a blank line.
    title = _field(doc, "title")
    paragraphs = [line for line in raw_text.splitlines() if line.strip()]
    heads = [i for i, p in enumerate(paragraphs[:3]) if p.strip() == title]
    if heads:
        del paragraphs[heads[0]]  # the headline is kept as the title, not repeated in the text
    text = clean_text("\n\n".join(paragraphs))
    if not text:
        raise ExtractionError("no article text left after cleaning")
    date = _field(doc, "date")
    if not date:
        try:
            date = find_date(html, url=url, **_DATE_PARAMS)
        except Exception as err:  # htmldate raises on some malformed documents; a date is optional
            log.debug("htmldate failed on %s: %s", url, err)
            date = None
    return ExtractedPage(
        text=text, title=title, author=_field(doc, "author"), date=(date or None) and date[:10],
        url=_field(doc, "url"), sitename=_field(doc, "sitename"), description=_field(doc, "description"),
    )

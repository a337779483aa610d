"""The Articles tab's "Add feed or URL" panel and the followed feeds' status (app/sources)."""

from __future__ import annotations

import re
from collections.abc import Callable

import gradio as gr

from app.config import Settings
from app.sources.fetch import is_url
from app.ui.render import esc

FEED_HEADERS = ["feed", "last poll (UTC)", "last result", "last error"]
# The Articles table and the feed status follow changes made by other processes (a CLI ingest,
# a watcher) at this pace, without a page reload.
REFRESH_S = 5.0


def add_urls(corpus, text: str, progress: Callable | None = None) -> str:
    """Fetch, store and index the feed or page URLs in ``text`` (one per line); a Markdown report."""
    urls = [u for u in re.split(r"\s+", text or "") if u]
    if not urls:
        return "Paste one or more feed or article URLs (one per line) first."
    bad = [u for u in urls if not is_url(u)]
    if bad:
        return "Not a web address (use http:// or https://): " + ", ".join(f"`{esc(u)}`" for u in bad)

    def report_progress(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress((done, total) if total else 0, desc=message)

    report = corpus.add(urls, progress=report_progress)
    lines = [f"**{len(report.added)} added, {len(report.updated)} updated, {report.skipped} unchanged**"
             + (f", {len(report.copies)} grouped with an earlier copy of their story" if report.copies else "")]
    lines += [f"- skipped `{esc(p.origin)}`: {esc(p.reason)}" for p in report.failed]
    return "\n".join(lines)


def feed_status(settings: Settings):
    import pandas as pd

    from app.sources.watch import status_rows

    return pd.DataFrame(status_rows(settings, settings.watch.feeds), columns=FEED_HEADERS)


def build_sources_panel(corpus, table, search, table_update: Callable, index_ops: dict) -> None:
    """Inside the Articles tab: a URL box that ingests feeds and pages, and the feeds' status.

    ``table``/``search`` are the tab's articles table and search box (``table_update(corpus, query)``
    fills it), refreshed after adding and every ``REFRESH_S`` seconds, so articles another process
    added or removed show up.
    """
    settings = corpus.settings
    gr.Markdown("#### Add feed or URL\nRSS/Atom feed URLs bring in every page they list; article URLs one "
                "page. Pages are stored under the data folder, raw and extracted.")
    urls = gr.Textbox(placeholder="https://example.org/feed.xml\nhttps://example.org/news/story.html",
                      lines=2, show_label=False, elem_id="nd-urls")
    add_btn = gr.Button("Add feed or URL", variant="primary", elem_id="nd-add-urls")
    add_report = gr.Markdown(elem_id="nd-add-urls-report")
    gr.Markdown("#### Followed feeds")
    feeds = gr.Dataframe(value=feed_status(settings), headers=FEED_HEADERS, interactive=False, wrap=True,
                         show_label=False, elem_id="nd-feeds", max_height=200)
    refresh_btn = gr.Button("Refresh", size="sm", elem_id="nd-feeds-refresh")
    refresh_btn.click(lambda: feed_status(settings), None, feeds, api_name="feeds", queue=False,
                      api_description="Followed feeds: last poll time, last result and last error of each.")

    def do_add(text: str, progress=gr.Progress()):
        return add_urls(corpus, text, progress=progress)

    add_btn.click(do_add, [urls], [add_report], api_name="add_urls",
                  api_description="Fetch, store and index feed or article URLs (one per line); returns a report.",
                  **index_ops).then(lambda q: table_update(corpus, q or ""), [search], table,
                                    api_visibility="private", queue=False)
    timer = gr.Timer(REFRESH_S)
    timer.tick(lambda q: (table_update(corpus, q or ""), feed_status(settings)), [search], [table, feeds],
               api_visibility="private", queue=False, show_progress="hidden")

"""Feeds and pages in, followed over time, wire copies grouped: against a real news site on loopback.

Nothing here leaves the machine: every URL is served by ``tests/news_site.py`` on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from bench.news_pages import CHROME_MARKERS, Story, atom_feed, news_page, rss_feed
from app.retrieval import HybridRetriever
from app.sources.extract import extract_page
from app.sources.watch import poll, status_rows
from app.sources.web import articles_dir, article_id_for_url, ingest_sources, web_dir
from app.store import Store

from conftest import REPO, WIKINEWS, make_settings
from news_site import NewsSite, wikinews_stories

pytestmark = pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")


@pytest.fixture
def site():
    news = NewsSite().start()
    yield news
    news.stop()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "index", **{"web.timeout_s": 2.0})


def publish(site: NewsSite, stories: list[Story], prefix: str = "/news", layouts=("newsroom", "wordpress", "legacy")):
    """Serve each story as a page (canonical URL = where it is served); returns (story, url) pairs."""
    items = []
    for number, story in enumerate(stories):
        path = f"{prefix}/story-{number}.html"
        story = replace(story, url=site.url(path), outlet=story.outlet)
        site.set(path, news_page(story, layouts[number % len(layouts)]))
        items.append((story, site.url(path)))
    return items


def stories(count: int, start: int = 0, outlet: str = "The Daily Planet") -> list[Story]:
    return [replace(s, outlet=outlet, author="Lois Lane") for s in wikinews_stories(count, start)]


def test_feed_url_ingests_every_listed_page_without_navigation_ads_or_comments(site, settings):
    items = publish(site, stories(3))
    feed = site.set("/feed.xml", rss_feed("The Daily Planet", site.base, items), "application/rss+xml")

    report = ingest_sources([feed], settings)

    assert len(report.added) == 3 and not report.failed
    store = Store(settings)
    for story, url in items:
        article = store.get_article(article_id_for_url(url))
        assert article is not None, url
        assert (article.title, article.date, article.source, article.url) == (story.title, story.date, "The Daily Planet", url)
        assert story.paragraphs[0] in article.text and story.paragraphs[-1] in article.text
        assert [m for m in CHROME_MARKERS if m in article.text] == []
        stored = json.loads((articles_dir(settings) / f"{article.id}.json").read_text())
        assert stored["author"] == "Lois Lane" and stored["feed"] == feed
        assert (web_dir(settings) / "raw" / f"{article.id}.html").read_bytes() == site.routes[url.removeprefix(site.base)].body
    assert all(agent.startswith("Newsdesk/") for agent in site.user_agents)


def test_an_undated_page_takes_its_date_from_the_url_its_dateline_or_the_feed(site, settings):
    (story,) = stories(1)
    undated = (f"<html><head><title>{story.title}</title></head><body><article><h1>{story.title}</h1>"
               + "".join(f"<p>{p}</p>" for p in story.paragraphs) + "</article></body></html>")
    # htmldate: the date in the URL, or a dateline in the page, when the metadata has none.
    assert extract_page(undated).date is None
    assert extract_page(undated, url=f"https://example.org/{story.date.replace('-', '/')}/story.html").date \
        == story.date
    dateline = undated.replace("<h1>", f'<p class="dateline">Published {story.date}</p><h1>', 1)
    assert extract_page(dateline).date == story.date
    # A page with no date at all takes its feed entry's.
    url = site.set("/undated/story.html", undated)
    feed = site.set("/undated.xml", rss_feed("The Daily Planet", site.base, [(story, url)]), "application/rss+xml")
    report = ingest_sources([feed], settings)
    assert len(report.added) == 1
    assert Store(settings).get_article(article_id_for_url(url)).date == story.date


def test_same_page_with_tracking_parameters_is_one_article_named_by_its_canonical_url(site, settings):
    from app import add  # the Python API

    (story, url), = publish(site, stories(1))

    report = add(url + "?utm_source=rss&utm_medium=feed", url, settings=settings)

    assert report.added == [article_id_for_url(url)]
    assert report.skipped == 0 and Store(settings).counts()["articles"] == 1
    assert article_id_for_url(url + "?utm_source=x") == article_id_for_url(url.replace("127.0.0.1", "127.0.0.1"))


def test_atom_feed_page_url_and_file_in_one_cli_ingest(site, settings, tmp_path):
    atom_items = publish(site, stories(2, start=5, outlet="Atom Times"), prefix="/atom")
    atom = site.set("/atom.xml", atom_feed("Atom Times", site.base, atom_items), "application/atom+xml")
    (_, page), = publish(site, stories(1, start=9, outlet="Page Post"), prefix="/page")
    local = tmp_path / "local"
    local.mkdir()
    (local / "note.txt").write_text("The harbour ferry resumed service on Monday after the pier was repaired.\n")

    result = subprocess.run([sys.executable, "-m", "app", "ingest", atom, page, str(local),
                             "--index-dir", str(settings.index_dir)], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "NEWSDESK_DATA_DIR": str(settings.data_dir)}, timeout=300)

    assert result.returncode == 0, result.stderr
    assert "4 added, 0 updated, 0 skipped, 0 removed, 0 failed" in result.stdout
    ids = {row["id"] for row in Store(settings).article_rows()}
    assert ids == {"note", *(article_id_for_url(u) for _, u in atom_items), article_id_for_url(page)}


def test_malformed_feed_slow_broken_and_oversized_urls_are_reported_and_the_rest_is_ingested(site, settings):
    settings = settings.with_overrides(**{"web.timeout_s": 1.0, "web.max_page_mb": 1})
    (_, good), = publish(site, stories(1))
    bad = {
        site.set("/broken-feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Half a feed'
                 '<item><title>Cut off', "application/rss+xml"): "not a readable RSS/Atom feed",
        site.set("/slow.html", news_page(stories(1, 3)[0]), delay_s=3.0): "timed out",
        site.set("/gone.html", "gone", status=500): "HTTP 500",
        site.set("/loop.html", "", status=302, location="/loop.html"): "redirects",
        site.set("/huge.html", "<p>" + "word " * 500_000 + "</p>", lie_about_length=True): "too large",
        site.set("/menu.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>"): "no article text",
    }

    report = ingest_sources([*bad, good], settings)

    assert report.added == [article_id_for_url(good)]
    reasons = {problem.origin: problem.reason for problem in report.failed}
    assert set(reasons) == set(bad)
    for url, expected in bad.items():
        assert expected in reasons[url], (url, reasons[url])


def test_reindex_reads_the_stored_pages_and_never_needs_the_network(site, settings):
    items = publish(site, stories(2))
    ingest_sources([site.set("/feed.xml", rss_feed("P", site.base, items), "application/rss+xml")], settings)
    before = {row["id"]: row["content_hash"] for row in Store(settings).article_rows()}
    site.stop()  # the site is gone

    result = subprocess.run([sys.executable, "-m", "app", "reindex", "--yes", "--index-dir", str(settings.index_dir)],
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NEWSDESK_DATA_DIR": str(settings.data_dir)})

    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout
    assert {row["id"]: row["content_hash"] for row in Store(settings).article_rows()} == before


def test_watch_polls_with_etag_and_fetches_only_new_or_changed_pages(site, settings):
    lines: list[str] = []
    items = publish(site, stories(3))
    feed = site.set("/feed.xml", rss_feed("P", site.base, items[:2]), "application/rss+xml")

    first, = poll([feed], settings, log_line=lines.append)
    assert (first.status, first.new, first.changed) == ("ok", 2, 0)
    page_hits = dict(site.hits)

    second, = poll([feed], settings, log_line=lines.append)
    assert second.status == "not modified" and site.not_modified["/feed.xml"] == 1
    assert {p: n for p, n in site.hits.items() if p != "/feed.xml"} == {p: n for p, n in page_hits.items() if p != "/feed.xml"}

    site.set("/feed.xml", rss_feed("P", site.base, items), "application/rss+xml")  # a third story appears
    third, = poll([feed], settings, log_line=lines.append)
    assert (third.new, third.changed) == (1, 0)
    assert site.hits["/news/story-0.html"] == 1  # old entries are not fetched again

    edited = replace(items[0][0], paragraphs=["CORRECTION: an earlier version misstated the figures."]
                     + items[0][0].paragraphs, extra={"updated": "2030-01-02"})
    site.set("/news/story-0.html", news_page(edited, "newsroom"))
    site.set("/feed.xml", rss_feed("P", site.base, [(edited, items[0][1]), *items[1:]]), "application/rss+xml")
    fourth, = poll([feed], settings, log_line=lines.append)
    assert (fourth.new, fourth.changed) == (0, 1)
    article = Store(settings).get_article(article_id_for_url(items[0][1]))
    assert article.text.startswith("CORRECTION")
    polls = [line for line in lines if feed in line]
    assert len(polls) == 4 and "not modified" in polls[1] and "1 new, 0 changed" in polls[2]


def test_articles_that_rolled_off_the_feed_stay_indexed(site, settings):
    items = publish(site, stories(3))
    feed = site.set("/feed.xml", rss_feed("P", site.base, items), "application/rss+xml")
    poll([feed], settings, log_line=lambda line: None)

    site.set("/feed.xml", rss_feed("P", site.base, items[2:]), "application/rss+xml")  # two roll off
    result, = poll([feed], settings, log_line=lambda line: None)

    assert result.status == "ok" and result.entries == 1
    assert Store(settings).counts()["articles"] == 3


def test_a_down_or_malformed_feed_is_reported_and_the_other_feeds_go_on(site, settings):
    items = publish(site, stories(2))
    good = site.set("/good.xml", rss_feed("Good", site.base, items), "application/rss+xml")
    down = site.set("/down.xml", "unavailable", "text/plain", status=503)
    malformed = site.set("/bad.xml", "<rss><channel><item><title>oops", "application/rss+xml")

    results = poll([down, malformed, good], settings, log_line=lambda line: None)

    assert [r.status for r in results] == ["error", "error", "ok"]
    assert Store(settings).counts()["articles"] == 2
    status = {row[0]: row for row in status_rows(settings)}
    assert "HTTP 503" in status[down][3] and "not a readable RSS/Atom feed" in status[malformed][3]
    assert status[good][3] == "" and status[good][1] != "never"

    site.set("/good.xml", "unavailable", "text/plain", status=500)  # now the good one goes down too
    again = poll([good], settings, log_line=lambda line: None)
    assert again[0].status == "error" and Store(settings).counts()["articles"] == 2  # nothing lost


def test_watch_command_logs_one_line_per_feed_and_what_it_indexed(site, settings):
    items = publish(site, stories(1))
    good = site.set("/feed.xml", rss_feed("P", site.base, items), "application/rss+xml")
    down = site.url("/missing.xml")

    result = subprocess.run([sys.executable, "-m", "app", "watch", good, down, "--once", "--every", "15m",
                             "--index-dir", str(settings.index_dir)], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "NEWSDESK_DATA_DIR": str(settings.data_dir)}, timeout=300)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert any(good in line and "1 new, 0 changed, 0 failed (1 entries)" in line for line in lines), lines
    assert any(down in line and "error: HTTP 404" in line for line in lines), lines
    assert any("indexed: 1 added" in line for line in lines), lines


def test_removed_web_article_stays_removed_after_the_next_poll_and_a_reindex(site, settings):
    items = publish(site, stories(2))
    feed = site.set("/feed.xml", rss_feed("P", site.base, items), "application/rss+xml")
    poll([feed], settings, log_line=lambda line: None)
    removed = article_id_for_url(items[0][1])
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(settings.data_dir)}

    result = subprocess.run([sys.executable, "-m", "app", "remove", removed, "--index-dir", str(settings.index_dir)],
                            cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not (articles_dir(settings) / f"{removed}.json").exists()

    poll([feed], settings, log_line=lambda line: None)
    site.set("/feed.xml", rss_feed("P", site.base, items) + " ", "application/rss+xml")  # new ETag, same entries
    poll([feed], settings, log_line=lambda line: None)
    assert {row["id"] for row in Store(settings).article_rows()} == {article_id_for_url(items[1][1])}


# -- wire copies ---------------------------------------------------------------------------------
def wire_copies(story: Story) -> list[Story]:
    """The same story as three outlets run it: own intro line, a paragraph dropped, small rewording."""
    p = story.paragraphs
    return [
        replace(story, outlet="Harbour Herald", paragraphs=p),
        replace(story, outlet="Valley Gazette", title=story.title + " - report",
                paragraphs=["(Valley Gazette) Wire report."] + p[:-1]),
        replace(story, outlet="Coast Courier",
                paragraphs=[x.replace(" said", " told reporters") for x in p] + ["Additional reporting by staff."]),
    ]


def test_wire_copies_are_one_story_retrieved_once_naming_the_other_outlets(site, settings):
    story = stories(1, start=20)[0]
    others = stories(3, start=40)
    copies = [publish(site, [copy], prefix=f"/{copy.outlet.split()[0].lower()}", layouts=(layout,))[0]
              for copy, layout in zip(wire_copies(story), ("newsroom", "wordpress", "legacy"))]
    rest = publish(site, others, prefix="/other")

    report = ingest_sources([url for _, url in copies + rest], settings)

    assert len(report.added) == 6 and len(report.copies) == 2
    store = Store(settings)
    ids = [article_id_for_url(url) for _, url in copies]
    assert len(set(store.story_ids(ids).values())) == 1
    assert len(set(store.story_ids(article_id_for_url(u) for _, u in rest).values())) == 3

    question = story.paragraphs[0][:200]
    passages = HybridRetriever(store=store, settings=settings.retrieval).retrieve(question, top_k=5)
    found = [p for p in passages if p.article_id in ids]
    assert found and len({p.article_id for p in found}) == 1  # one copy of the story, not three
    assert {c.source for c in found[0].also_in} == {"Harbour Herald", "Valley Gazette", "Coast Courier"} - {found[0].source}


def test_different_stories_on_one_topic_are_not_grouped(tmp_path):
    # The 2007-2011 stock-market cluster: 30 Wikinews articles about falling markets.
    lines = [line for line in WIKINEWS.read_text(encoding="utf-8").splitlines()
             if json.loads(line)["date"] and "2007" <= json.loads(line)["date"] < "2012"]
    source = tmp_path / "markets.jsonl"
    source.write_text("\n".join(lines[:20]) + "\n")
    from app.ingest import ingest

    report = ingest([source], make_settings(tmp_path / "index"))

    assert len(report.added) == 20 and report.copies == {}


def test_a_new_article_is_compared_with_the_stories_of_its_weeks_only(tmp_path):
    """Wire copies run within days of each other: an ingest reads the signatures of articles dated
    near the new ones (and of the undated), not the whole archive's."""
    from app.ingest import ingest

    story = ("Flood waters rose through the valley overnight, forcing two hundred families from their homes "
             "as the river broke its banks in three places, officials of the county said on Monday.")
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "herald", "title": "Valley floods", "date": "2024-03-04", "text": story}) + "\n")
    settings = make_settings(tmp_path / "index")
    ingest([first], settings)

    def copy(name: str, date: str) -> dict:
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps({"id": name, "title": "Valley floods", "date": date, "text": story}) + "\n")
        return ingest([path], settings, prune=False).copies

    assert copy("courier", "2024-06-01") == {}  # months later: not read, its own story
    assert copy("gazette", "2024-03-05") == {"gazette": "herald"}  # the next day: a copy

    undated = tmp_path / "undated.jsonl"
    undated.write_text(json.dumps({"id": "wire", "title": "Valley floods", "text": story}) + "\n")
    # Undated: compared with all, the dated far from each other included.
    assert ingest([undated], settings, prune=False).copies["wire"] in {"herald", "courier"}

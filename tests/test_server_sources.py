"""`newsdesk serve` with feeds: the background watcher, "Add feed or URL", and articles another
process adds or removes, through the real server's HTTP API (gradio_client). All on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from bench.news_pages import news_page, rss_feed
from app.sources.web import article_id_for_url

from conftest import REPO, WIKINEWS, start_server
from news_site import NewsSite, wikinews_stories

pytestmark = pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")


@pytest.fixture(scope="module")
def site():
    news = NewsSite().start()
    yield news
    news.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory, site):
    story = replace(wikinews_stories(1, start=30)[0], url=site.url("/followed/story.html"))  # canonical URL
    site.set("/followed/story.html", news_page(story, "wordpress"))
    feed = site.set("/followed.xml", rss_feed("Followed", site.base, [(story, site.url("/followed/story.html"))]),
                    "application/rss+xml")
    with start_server(tmp_path_factory, "newsdesk-feeds", NEWSDESK_WATCH__FEEDS=json.dumps([feed]),
                      NEWSDESK_WATCH__EVERY="2s") as running:
        from gradio_client import Client

        yield running, Client(running.url, verbose=False, download_files=False), feed


def call(client, *args, api_name: str, timeout: float = 120):
    return client.submit(*args, api_name=api_name).result(timeout=timeout)


def wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(1.0)


def listed(client, query: str = "") -> set[str]:
    return {row[0] for row in call(client, query, api_name="/articles")["data"]}


def test_serve_follows_configured_feeds_and_shows_last_poll_and_error(served, site):
    running, client, feed = served
    wanted = article_id_for_url(site.url("/followed/story.html"))
    assert wait_for(lambda: wanted in listed(client)), running.log_path.read_text()[-3000:]

    status = {row[0]: row for row in call(client, api_name="/feeds")["data"]}
    assert status[feed][1] != "never" and status[feed][3] == ""

    site.set("/followed.xml", "down for maintenance", "text/plain", status=503)
    assert wait_for(lambda: "HTTP 503" in {r[0]: r for r in call(client, api_name="/feeds")["data"]}[feed][3])
    assert wanted in listed(client)  # nothing lost while the feed is down


def test_add_feed_or_url_from_the_articles_tab(served, site):
    _, client, _ = served
    story = replace(wikinews_stories(1, start=33)[0], url=site.url("/added/story.html"))
    url = site.set("/added/story.html", news_page(story, "newsroom"))

    report = call(client, f"{url}\n{site.url('/nothing-here.html')}", api_name="/add_urls")

    assert "1 added" in report and "HTTP 404" in report, report
    assert article_id_for_url(url) in listed(client)


def test_server_sees_articles_another_process_added_and_removed(served, tmp_path):
    running, client, _ = served
    note = tmp_path / "lighthouse.txt"
    note.write_text("The Kestrel Point lighthouse was relit on Saturday after 41 years of darkness.\n")
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(running.index_dir), "NEWSDESK_DATA_DIR": str(running.data_dir)}

    added = subprocess.run([sys.executable, "-m", "app", "ingest", str(note)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    assert wait_for(lambda: "lighthouse" in listed(client, "lighthouse"), timeout=10)

    removed = subprocess.run([sys.executable, "-m", "app", "remove", "lighthouse"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300)
    assert removed.returncode == 0, removed.stderr
    assert wait_for(lambda: "lighthouse" not in listed(client, "lighthouse"), timeout=10)


@pytest.mark.slow
def test_server_answers_about_an_article_another_process_ingested(served, tmp_path):
    running, client, _ = served
    note = tmp_path / "observatory.txt"
    note.write_text("The Mount Ferren volcano observatory recorded seventeen tremors near the crater lake on Friday.\n")
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(running.index_dir), "NEWSDESK_DATA_DIR": str(running.data_dir)}
    question = "How many tremors did the Mount Ferren volcano observatory record?"

    added = subprocess.run([sys.executable, "-m", "app", "ingest", str(note)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    text, details = call(client, question, None, api_name="/ask")

    assert not details["refused"] and "seventeen" in text.lower(), text
    assert details["citations"][0]["article_id"] == "observatory"

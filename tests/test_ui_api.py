"""The web UI's HTTP API, through ``gradio_client`` against the real server, and the UI's pure helpers.

The server tests start ``serve`` on a free port with a temporary index and data folder (the shipped
corpus is indexed on start; ``start_server`` in conftest.py) and use the real llama.cpp model: each answer takes seconds.
Run: ``.venv/bin/python -m pytest tests/test_ui_api.py -v``
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import start_server

ANSWER_TIMEOUT_S = 120
FERRY_TEXT = """---
title: "Harbourview ferry completes maiden voyage"
date: 2024-05-04
source: "Harbour Gazette"
---
The Harbourview ferry carried 312 passengers on its maiden voyage on 3 May 2024.

The operator said the ship would run four crossings a day during the summer.
"""


# -- pure helpers (no server) -----------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("report.txt", "report.txt"),
    ("reports/2024/report.txt", "report.txt"),
    ("Über die Brücke – 新闻.md", "Über die Brücke _ 新闻.md"),
    ("a b<c>d.html", "a b_c_d.html"),
    ("notes.jsonl", "notes.jsonl"),
    (".hidden.txt", "hidden.txt"),  # a leading dot would hide it from the ingest folder walk
])
def test_safe_upload_name_keeps_plain_and_unicode_names(name, expected):
    from app.corpus import safe_upload_name

    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", [
    "../../x.txt", "..\\..\\x.txt", "a/../../etc/passwd.txt", "/etc/passwd.txt", "C:\\Windows\\x.txt",
    "bad\x00name.txt", "bell\x07.txt", "rtl\u202egnp.txt", "", "   ", "..", "...", "???",
])
def test_safe_upload_name_rejects_traversal_absolute_and_control_chars(name):
    from app.corpus import UploadRejected, safe_upload_name

    with pytest.raises(UploadRejected):
        safe_upload_name(name)


def test_article_text_is_escaped_in_the_sources_panel_and_chat():
    from app.types import Answer, Citation, Passage, Span
    from app.ui.render import md_escape, sources_html

    evil = 'Kirby said <script>alert(1)</script> and <img src=x onerror=alert(2)> "hi".'
    start = evil.index("Kirby")
    passage = Passage(number=1, chunk_id="a#0", article_id="a", title="<b>Title</b>", text=evil, start=100,
                      end=100 + len(evil), url="javascript:alert(3)")
    citation = Citation(number=1, article_id="a", title="<b>Title</b>", url="javascript:alert(3)", chunk_id="a#0",
                        chunk_text=evil, span=Span(text="Kirby said", start=100 + start, end=100 + start + 10))
    page = sources_html(Answer(question="q", text="Kirby said so [1].", citations=[citation], passages=[passage]))
    assert "<script" not in page and "<img" not in page and "<b>Title" not in page
    assert "javascript:" not in page  # only http(s) links are made clickable
    assert '<mark class="nd-span">Kirby said</mark>' in page
    chat = md_escape("See ![x](http://evil.example/p.png) and <img src=x> [1].")
    assert "<img" not in chat and "](" not in chat and "[1]" in chat


def test_sources_panel_shows_dates_resolved_dates_conflicts_and_timelines():
    from app.types import Answer, Citation, ConflictNote, ConflictReport, Span, TimelineEntry
    from app.ui.render import sources_html

    said = "On Wednesday, the House impeached President Donald Trump."
    dated = Citation(number=1, article_id="a", title="Impeached", date="2019-12-21", source="Wikinews",
                     chunk_id="a#0", chunk_text=said, span=Span(text=said, start=0, end=len(said)),
                     date_notes=["Wednesday = 18 December 2019"])
    undated = dated.model_copy(update={"number": 2, "article_id": "b", "chunk_id": "b#0", "date": None,
                                       "date_notes": [], "source": "<Dhaka> Wire"})
    note = ConflictNote(text="Sources differ", reports=[
        ConflictReport(value="nine", citation=1, source="Wikinews", date="2019-12-21"),
        ConflictReport(value="<eleven>", citation=2, source="<Dhaka> Wire", date=None)])
    page = sources_html(Answer(question="q", text="t [1] [2]", citations=[dated, undated], conflicts=[note],
                               as_of="2019-12-21"))
    # Every citation shows its source's date (or says it has none), and its sentence's resolved dates.
    assert '<time class="nd-date" datetime="2019-12-21">21 December 2019</time>' in page
    assert page.count('class="nd-date"') == 2 and '<span class="nd-date">undated</span>' in page
    assert '<span class="nd-date-note">Wednesday = 18 December 2019</span>' in page
    # The conflict is a visible note naming both sources with their dates and markers, escaped.
    assert '<div class="nd-conflict" role="note">' in page
    assert '<b>nine</b> according to Wikinews (21 December 2019) <a href="#nd-cite-1">[1]</a>' in page
    assert "<b>&lt;eleven&gt;</b> according to &lt;Dhaka&gt; Wire (undated)" in page
    assert "as of 21 December 2019" in page

    events = [TimelineEntry(date="2019-09-24", date_basis="relative", text="Pelosi announced an inquiry.",
                            citation=1),
              TimelineEntry(date="2019-12-18", date_basis="stated", text="The House impeached <Trump>.", citation=2)]
    page = sources_html(Answer(question="q", text="t", citations=[dated, undated], timeline=events))
    timeline = page[page.index('<ol class="nd-timeline">'):page.index("</ol>")]
    assert timeline.count("<li>") == 2 and timeline.index("24 September 2019") < timeline.index("18 December 2019")
    assert '<time datetime="2019-09-24" title="resolved from the article&#x27;s date">24 September 2019</time>' \
        in timeline
    assert "The House impeached &lt;Trump&gt;. <a href=\"#nd-cite-2\">[2]</a>" in timeline


def test_refusal_panel_says_so_and_lists_closest_passages():
    from app.types import Answer, Passage
    from app.ui.render import source_targets, sources_html

    passages = [Passage(number=i, chunk_id=f"a#{i}", article_id="a", title=f"T{i}", text=f"text {i}", start=0,
                        end=6) for i in range(1, 5)]
    answer = Answer(question="q", text="The articles don't say.", refused=True, passages=passages,
                    refusal_reason="no passage is close to the question")
    page = sources_html(answer)
    assert "No answer in the articles" in page and "Closest passages" in page
    assert page.count('class="nd-cite nd-closest"') == 3
    assert list(source_targets(answer)) == ["p1", "p2", "p3"]


def test_turns_from_history_accepts_messages_pairs_and_dicts():
    from app.answering import Turn
    from app.ui.inputs import turns_from_history

    messages = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": [{"type": "text", "text": "a1"}]},
                {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]
    assert turns_from_history(messages) == [Turn("q1", "a1"), Turn("q2", "a2")]
    assert turns_from_history([["q", "a"]]) == [Turn("q", "a")]
    assert turns_from_history([{"question": "q", "answer": "a"}]) == [Turn("q", "a")]
    assert turns_from_history(None) == []


def test_api_endpoints_are_named_and_documented(tmp_path):
    from app.application import Newsdesk
    from app.config import Settings
    from app.ui import build_app

    settings = Settings().with_overrides(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    info = build_app(Newsdesk(settings)).get_api_info()["named_endpoints"]
    assert {"/ask", "/upload", "/articles", "/delete"} <= set(info)
    assert [p["parameter_name"] for p in info["/ask"]["parameters"]] == ["question", "history", "top_k", "temperature",
                                                                                "as_of"]
    assert len(info["/ask"]["returns"]) == 2


# -- against the real server -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory, "newsdesk-api", NEWSDESK_SERVER__MAX_UPLOAD_MB="1") as running:
        yield {"url": running.url, "data_dir": running.data_dir}


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server["url"], verbose=False, download_files=False)


def call(client, *args, api_name: str, timeout: float = ANSWER_TIMEOUT_S):
    return client.submit(*args, api_name=api_name).result(timeout=timeout)


def check_citations(text: str, details: dict) -> None:
    numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
    assert numbers == [c["number"] for c in details["citations"]], (text, details["citations"])
    for c in details["citations"]:
        span = c["span"]
        assert span["text"] and 0 <= span["start"] < span["end"]
        assert span["end"] - span["start"] == len(span["text"])
        assert span["text"] in c["chunk_text"]


@pytest.mark.slow
def test_ask_returns_text_and_citations(client):
    text, details = call(client, "How many rockets hit the base?", None, api_name="/ask")
    assert isinstance(text, str) and text
    assert details["question"] == "How many rockets hit the base?"
    assert not details["refused"], details["refusal_reason"]
    assert "[1]" in text
    check_citations(text, details)
    assert details["citations"][0]["article_id"] == "ain-al-asad-rocket-attack"
    assert details["history"][-2:] == [{"role": "user", "content": "How many rockets hit the base?"},
                                       {"role": "assistant", "content": text}]
    # The fact: 24 rockets were launched, fourteen hit the base.
    assert re.search(r"\b(14|fourteen)\b", text, re.IGNORECASE), f"the model's answer does not say 14: {text!r}"


@pytest.mark.slow
def test_follow_up_with_history(client):
    text, details = call(client, "Who is the Pentagon spokesman?", None, api_name="/ask")
    assert "Kirby" in text, text
    follow_text, follow = call(client, "What did he say about the weapons?", details["history"], api_name="/ask")
    assert follow_text
    assert follow["standalone_question"], "a follow-up must be rewritten with the conversation"
    assert re.search(r"Kirby|Pentagon|spokesman", follow["standalone_question"]), follow["standalone_question"]
    assert len(follow["history"]) == 4
    if not follow["refused"]:
        check_citations(follow_text, follow)


@pytest.mark.slow
def test_empty_question_is_an_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        call(client, "   ", None, api_name="/ask")


@pytest.mark.slow
def test_upload_ask_list_and_delete(client, server, tmp_path):
    from gradio_client import handle_file

    ferry = tmp_path / "harbourview-ferry.txt"
    ferry.write_text(FERRY_TEXT, encoding="utf-8")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    report, table = call(client, [handle_file(str(ferry)), handle_file(str(bad))], api_name="/upload")
    assert "1 added" in report and "harbourview-ferry.txt" in report, report
    assert "broken.json" in report and "invalid JSON" in report, report
    assert "harbourview-ferry" in [row[0] for row in table["data"]]
    uploads = server["data_dir"] / "uploads"
    assert (uploads / "harbourview-ferry.txt").is_file() and not (uploads / "broken.json").exists()

    text, details = call(client, "How many passengers did the Harbourview ferry carry on its maiden voyage?", None,
                         api_name="/ask")
    assert "312" in text and not details["refused"], text
    assert details["citations"][0]["article_id"] == "harbourview-ferry"
    assert "312 passengers" in details["citations"][0]["span"]["text"]

    listed = call(client, "harbour", api_name="/articles")
    assert [row[0] for row in listed["data"]] == ["harbourview-ferry"]
    assert listed["headers"] == ["id", "title", "date", "chunks", "source"]

    status, table = call(client, "harbourview-ferry", api_name="/delete")
    assert "Deleted 1 article" in status, status
    assert "harbourview-ferry" not in [row[0] for row in table["data"]]
    assert not (uploads / "harbourview-ferry.txt").exists()
    status, _ = call(client, "no-such-article", api_name="/delete")
    assert "Not in the index" in status


@pytest.mark.slow
def test_rejected_uploads_change_nothing(client, server, tmp_path):
    before = call(client, "", api_name="/articles")["data"]
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    big = tmp_path / "huge.txt"  # over the 1 MB limit this server runs with
    big.write_text("The ferry sailed. " * 90_000, encoding="utf-8")
    clash = tmp_path / "ain-al-asad-rocket-attack.txt"  # would replace the corpus article
    clash.write_text("Nothing happened at the base.", encoding="utf-8")
    files = [handle_file_(exe), handle_file_(binary), handle_file_(big), handle_file_(clash)]
    report, table = call(client, files, api_name="/upload")
    assert "Not accepted" in report and "Indexed" not in report, report
    assert re.search(r"tool\.exe`: unsupported file type", report), report
    assert re.search(r"scan\.txt`: cannot be read as articles: binary file", report), report
    assert re.search(r"huge\.txt`: too large: 1\.6 MB, the limit is 1 MB", report), report
    assert re.search(r"ain-al-asad-rocket-attack\.txt`: article id 'ain-al-asad-rocket-attack' is already", report)
    assert table["data"] == before
    uploads = server["data_dir"] / "uploads"
    assert (sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []) == []
    text, details = call(client, "How many rockets hit the base?", None, api_name="/ask")
    assert details["citations"] and "Nothing happened" not in details["citations"][0]["chunk_text"]


def handle_file_(path: Path):
    from gradio_client import handle_file

    return handle_file(str(path))

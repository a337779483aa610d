import json

import pytest

from app.cleaning import clean_text
from app.sources.extract import extract_page
from app.loading import LoadProblem, load_file, load_path

from conftest import REPO, SEED_ID


def test_seed_article_loses_scraper_residue_but_keeps_its_story():
    (article,) = list(load_file(REPO / "corpus" / f"{SEED_ID}.txt"))
    assert article.id == SEED_ID
    assert article.title.startswith("Rocket attack on Ain al-Asad")
    assert "Source link" not in article.text and "Leave a Reply" not in article.text
    assert article.text.endswith("obstructed by the Trump administration in 2018.")
    assert "Fourteen of the projectiles hit the target" in article.text


def test_cleaning_keeps_sentences_that_merely_mention_residue_words():
    text = "Read more about the source of the leak.\nShare this:\nLeave a Reply\n\nIt was sourced."
    cleaned = clean_text(text)
    assert "Read more about the source of the leak." in cleaned
    assert "Share this" not in cleaned and "Leave a Reply" not in cleaned


def test_cleaning_strips_control_characters_and_rejoins_hard_wrapped_lines():
    assert clean_text("One\r\ntwo\x00\x07 three\r\n\r\n\r\nFour.") == "One two three\n\nFour."


def test_html_loses_scripts_navigation_and_keeps_title_as_metadata():
    html = ("<html><head><title>T</title><script>alert('x')</script></head><body><nav>Home | World</nav>"
            "<h1>Flood hits town</h1><p>The river rose 3 metres.</p><footer>© 2024 All rights reserved</footer>"
            "</body></html>")
    page = extract_page(html)
    assert page.title == "Flood hits town"
    assert page.text == "The river rose 3 metres."


def test_jsonl_bad_line_is_reported_with_its_number_and_the_rest_load(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = {"id": "a1", "title": "A", "date": "2020-01-02T10:00:00", "url": "http://x/a", "text": "Alpha text."}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({"id": "a3", "text": ""}) + "\n")
    items = list(load_file(path))
    articles = [i for i in items if not isinstance(i, LoadProblem)]
    problems = [i for i in items if isinstance(i, LoadProblem)]
    assert [a.id for a in articles] == ["a1"] and articles[0].date == "2020-01-02"
    assert [p.reason.split(":")[0] for p in problems] == ["line 2", "line 3"]


def test_articles_keep_a_publication_date_given_under_other_keys_and_in_other_formats(tmp_path):
    records = [
        {"id": "iso", "date": "2021-07-08T09:30:00Z", "text": "A."},
        {"id": "feed", "pubDate": "Thu, 08 Jul 2021 09:30:00 GMT", "text": "B."},
        {"id": "words", "published": "8 July 2021", "text": "C."},
        {"id": "schema", "datePublished": "July 8, 2021", "text": "D."},
        {"id": "relative", "date": "yesterday", "text": "E."},  # nothing to resolve it against
        {"id": "no-day", "date": "July 2021", "text": "F."},
        {"id": "junk", "date": "soon", "published_at": "2021-07-08", "text": "G."},
    ]
    path = tmp_path / "dated.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    dates = {a.id: a.date for a in load_file(path)}
    assert dates == {"iso": "2021-07-08", "feed": "2021-07-08", "words": "2021-07-08", "schema": "2021-07-08",
                     "relative": None, "no-day": None, "junk": "2021-07-08"}
    (tmp_path / "note.md").write_text("---\ntitle: Note\ndate: 8 July 2021\n---\nThe ferry sailed.\n")
    (tmp_path / "iso.md").write_text("---\ntitle: Iso\ndate: 2021-07-08\n---\nThe ferry sailed.\n")
    assert [a.date for a in load_file(tmp_path / "note.md")] == [a.date for a in load_file(tmp_path / "iso.md")] \
        == ["2021-07-08"]


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ("Caf\u00e9 owner said".encode("latin-1"), "not valid UTF-8"),
])
def test_unreadable_files_become_problems_not_exceptions(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    (problem,) = list(load_file(path))
    assert isinstance(problem, LoadProblem) and reason in problem.reason


def test_folder_loading_skips_bad_files_and_loads_the_rest(tmp_path):
    (tmp_path / "good.md").write_text("# Storm closes port\n\nThe port closed for 2 days.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    items = list(load_path(tmp_path))
    assert [type(i).__name__ for i in items] == ["LoadProblem", "Article"]
    assert items[1].title == "Storm closes port" and items[1].text == "The port closed for 2 days."


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        list(load_path(tmp_path / "nope"))

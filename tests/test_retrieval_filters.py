"""Source and date filters: BM25's vectorised row mask follows the same rule as Filters.allows."""

import itertools

import pytest

from app.lexical_index import BM25Index
from app.retrieval import Filters

ROWS = [
    {"id": "a#0", "text": "Rockets hit the base.", "source": "Al Jazeera", "date": "2021-03-03"},
    {"id": "b#0", "text": "A ferry sank in the bay.", "source": "Wikinews", "date": "2008-05-01"},
    {"id": "c#0", "text": "The bridge was opened.", "source": "Wikinews", "date": None},
    {"id": "d#0", "text": "Storm makes landfall.", "source": None, "date": "2012-10-29"},
]


@pytest.fixture
def index(tmp_path):
    return BM25Index.build(ROWS, tmp_path / "bm25")


def test_the_bm25_mask_allows_exactly_what_the_filter_allows(index):
    choices = [
        [(), ("Wikinews",), ("Al Jazeera", "Gazette")],
        [None, "2008-05-01", "2010-01-01"],
        [None, "2008-05-01", "2021-12-31"],
        [None, "2010-01-01"],
    ]
    for sources, date_from, date_to, published_by in itertools.product(*choices):
        filters = Filters(sources=sources, date_from=date_from, date_to=date_to, published_by=published_by)
        expected = [filters.allows(r["source"], r["date"]) for r in ROWS]
        assert index.mask(filters).tolist() == expected, filters


def test_a_filtered_search_returns_only_allowed_rows(index):
    hits = index.search("rockets ferry bridge storm", 10, Filters(sources=("Wikinews",)))
    assert {chunk_id for chunk_id, _ in hits} == {"b#0", "c#0"}
    assert index.search("rockets", 10, Filters(date_from="2022-01-01")) == []


def test_dense_search_with_a_filter_gives_chromas_filtered_answer_on_both_paths(tmp_path, monkeypatch):
    """Comparing the few allowed chunks one by one, and over-fetching nearest keys then filtering,
    give what Chroma's own (slow) filter gives."""
    import json

    from app.ingest import ingest
    from app.retrieval import HybridRetriever
    from app.store import Store

    from conftest import make_settings

    rows = [{"id": f"old-{i}", "date": f"20{i % 10:02d}-05-01", "source": "Gazette", "title": f"Flood {i}",
             "text": f"Flood waters rose in valley number {i} after {i} days of rain."} for i in range(30)]
    rows.append({"id": "recent", "date": "2021-05-01", "source": "Herald", "title": "Drought",
                 "text": "A drought dried the valley's river."})
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    settings = make_settings(tmp_path / "index", **{"retrieval.mode": "dense", "retrieval.candidates": 2})
    ingest([feed], settings)
    store = Store(settings)

    def both(filters):
        retriever = HybridRetriever(store=store, settings=settings.retrieval, filters=filters)
        ours = [passage.chunk_id for passage, _ in retriever._dense_search("flood waters in the valley", 2)]
        chroma = store.vectorstore.similarity_search_with_score("flood waters in the valley", k=2,
                                                                 filter=filters.chroma_where())
        return ours, [doc.metadata["chunk_id"] for doc, _ in chroma]

    # Few chunks allowed: each one's vector compared with the query's.
    ours, chroma = both(Filters(date_from="2005-01-01"))  # 16 of 31 allowed
    assert ours == chroma and len(ours) == 2
    ours, chroma = both(Filters(sources=("Herald",)))  # 1 of 31
    assert ours == chroma and [c.split("#")[0] for c in ours] == ["recent"]
    # Many allowed: the nearest keys, as many as the filter's share calls for, widened while too few pass.
    monkeypatch.setattr(HybridRetriever, "EXACT_WITHIN", 0)
    ours, chroma = both(Filters(date_from="2005-01-01"))
    assert ours == chroma and len(ours) == 2
    ours, chroma = both(Filters(sources=("Herald",)))
    assert ours == chroma and [c.split("#")[0] for c in ours] == ["recent"]


def test_chunk_ids_are_checked_against_the_filter_by_their_rows(index):
    mask = index.mask(Filters(sources=("Wikinews",)))
    assert index.allows(["c#0", "a#0", "unknown#9", "b#0"], mask) == [True, False, False, True]


def test_the_bm25_index_is_built_once_per_generation_and_then_opened(tmp_path):
    """Ingest saves the BM25 index of the new generation; a serving process opens it instead of
    building its own, and builds one only when none was saved."""
    import shutil

    from app.ingest import ingest
    from app.lexical_index import BM25Cache
    from app.store import Store

    from conftest import REPO, make_settings

    settings = make_settings(tmp_path / "index")
    ingest([REPO / "corpus"], settings)
    serving = BM25Cache(Store(settings))
    opened = serving.index()
    assert serving.build_seconds == [] and len(serving.open_seconds) == 1
    assert opened.size == Store(settings).counts()["chunks"] > 0

    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"id": "ferry", "title": "Ferry", "text": "A ferry sank in the bay on Monday."}\n')
    ingest([extra], settings, prune=False)
    reopened = serving.index()
    assert serving.build_seconds == [] and reopened.size == opened.size + 1
    assert [p.name for p in (tmp_path / "index" / "bm25").glob("generation-*")] == [reopened.folder.name]
    assert reopened.search("ferry bay", 1, Filters())[0][0] == "ferry#0"

    shutil.rmtree(tmp_path / "index" / "bm25")
    fresh = BM25Cache(Store(settings))
    built = fresh.index()
    assert len(fresh.build_seconds) == 1 and built.size == reopened.size
    assert built.search("ferry bay", 3, Filters()) == reopened.search("ferry bay", 3, Filters())


def test_questions_keep_the_index_they_have_while_another_process_builds_the_next(tmp_path):
    from filelock import FileLock

    from app.ingest import ingest
    from app.lexical_index import BM25Cache
    from app.store import Store

    from conftest import make_settings

    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "ferry", "title": "Ferry", "text": "A ferry sank in the bay on Monday."}\n'
                    '{"id": "storm", "title": "Storm", "text": "A storm flooded the harbour on Tuesday."}\n')
    settings = make_settings(tmp_path / "index")
    ingest([feed], settings)
    store = Store(settings)
    serving = BM25Cache(store)
    before = serving.index()
    builder = FileLock(tmp_path / "index" / "bm25" / "build.lock")
    with builder:  # another process is building
        store.delete_articles(["storm"])
        assert serving.index() is before  # answered at once, from the index it had
    after = serving.index()
    assert after.generation == store.generation and after.size == before.size - 1
    assert [hit for hit, _ in after.search("storm harbour", 3, Filters())] == []


def test_an_ingest_leaves_the_planner_statistics_that_read_keys_by_article(tmp_path):
    """Every record shares one namespace; without statistics SQLite reads a chunk's keys through
    that index, all rows (measured: 0.2 s at a million chunks, 2 ms with statistics)."""
    import sqlite3

    from app.ingest import ingest

    from conftest import REPO, make_settings

    settings = make_settings(tmp_path / "index")
    ingest([REPO / "corpus"], settings)
    db = sqlite3.connect(tmp_path / "index" / "records.sqlite3")
    measured = {row[0] for row in db.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'upsertion_record'")}
    assert {"ix_upsertion_record_group_id", "ix_upsertion_record_namespace"} <= measured

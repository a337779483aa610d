"""Ingestion into a real on-disk Chroma store with the real embedding model."""

import json
import shutil

import pytest

from app.ingest import ingest
from app.retrieval import Filters, HybridRetriever
from app.store import IndexMismatchError, Store, StoreError

from conftest import REPO, SEED_ID, WIKINEWS, make_settings


def chroma_count(store: Store) -> int:
    return store.vectorstore._collection.count()


def write_article(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_article(folder, "ferry.txt", "The Harbourview ferry carried 312 passengers on its maiden voyage.\n\n"
                                       "Its captain, Ines Okafor, said the crossing took 40 minutes.")
    write_article(folder, "bridge.md", "# Bridge reopens\n\nThe Kessel bridge reopened after 18 months of repairs.")
    return folder


def test_second_ingest_of_unchanged_articles_embeds_nothing(tmp_path, corpus):
    settings = make_settings(tmp_path / "index")
    first = ingest([corpus], settings)
    assert sorted(first.added) == ["bridge", "ferry"] and first.chunks_embedded == 2
    second = ingest([corpus], settings)
    assert (second.added, second.updated, second.skipped, second.chunks_embedded) == ([], [], 2, 0)


def test_changed_article_is_reembedded_and_its_old_chunks_removed(tmp_path, corpus):
    settings = make_settings(tmp_path / "index", **{"chunking.size": 120, "chunking.overlap": 20})
    ingest([corpus], settings)
    store = Store(settings)
    before = store.counts()["chunks"]
    write_article(corpus, "ferry.txt", "The Harbourview ferry was cancelled.")
    report = ingest([corpus], settings, store=store)
    assert report.updated == ["ferry"] and report.chunks_deleted >= 1
    assert store.counts()["chunks"] == before - 1 == chroma_count(store)
    texts = [row["text"] for row in store.all_chunks()]
    assert not any("312 passengers" in t for t in texts)


def test_article_deleted_from_the_source_is_removed_from_the_index(tmp_path, corpus):
    settings = make_settings(tmp_path / "index")
    ingest([corpus], settings)
    (corpus / "bridge.md").unlink()
    store = Store(settings)
    report = ingest([corpus], settings, store=store)
    assert report.removed == ["bridge"]
    assert [r["id"] for r in store.article_rows()] == ["ferry"] and chroma_count(store) == 1


def test_bad_files_are_skipped_and_listed_while_the_rest_is_ingested(tmp_path, corpus):
    (corpus / "empty.txt").write_text("")
    (corpus / "photo.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "latin1.txt").write_bytes("Caf\xe9 owner".encode("latin-1"))
    settings = make_settings(tmp_path / "index")
    report = ingest([corpus], settings)
    assert sorted(report.added) == ["bridge", "ferry"]
    assert sorted(p.origin.rsplit("/", 1)[-1] for p in report.failed) == ["empty.txt", "latin1.txt", "photo.txt"]


def test_a_file_that_turns_unreadable_keeps_its_earlier_articles(tmp_path, corpus):
    settings = make_settings(tmp_path / "index")
    ingest([corpus], settings)
    (corpus / "ferry.txt").write_bytes(b"Caf\xe9")
    report = ingest([corpus], settings)
    assert report.removed == [] and len(report.failed) == 1
    assert {r["id"] for r in Store(settings).article_rows()} == {"bridge", "ferry"}


def test_index_built_with_another_embedding_model_is_refused(tmp_path, corpus):
    settings = make_settings(tmp_path / "index")
    ingest([corpus], settings)
    other = settings.with_overrides(**{"embedding.model": "some/other-model"})
    with pytest.raises(IndexMismatchError, match="all-MiniLM-L6-v2"):
        ingest([corpus], other)


def test_corrupt_index_gives_a_clear_error(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    (index / "newsdesk.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="reindex"):
        Store(make_settings(index)).counts()


def test_hybrid_retrieval_finds_the_spokesman_that_dense_alone_misses(seed_settings, seed_store):
    question = "Who is the Pentagon spokesman?"
    hybrid = HybridRetriever(store=seed_store, settings=seed_settings.retrieval).retrieve(question, top_k=3)
    assert any("John Kirby" in p.text for p in hybrid)
    bm25 = seed_settings.retrieval.model_copy(update={"mode": "bm25"})
    top_bm25 = HybridRetriever(store=seed_store, settings=bm25).retrieve(question, top_k=1)
    assert "John Kirby" in top_bm25[0].text


def test_date_and_source_filters_restrict_retrieval(tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    rows = [{"id": "old", "date": "2001-05-01", "source": "Gazette", "title": "Old", "text": "Flood waters rose in the valley."},
            {"id": "new", "date": "2021-05-01", "source": "Herald", "title": "New", "text": "Flood waters rose in the valley again."}]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    settings = make_settings(tmp_path / "index")
    ingest([folder], settings)
    store = Store(settings)
    recent = HybridRetriever(store=store, settings=settings.retrieval, filters=Filters(date_from="2010-01-01"))
    assert [p.article_id for p in recent.retrieve("flood waters")] == ["new"]
    gazette = HybridRetriever(store=store, settings=settings.retrieval, filters=Filters(sources=("Gazette",)))
    assert [p.article_id for p in gazette.retrieve("flood waters")] == ["old"]


@pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")
def test_wikinews_jsonl_ingests_and_a_second_run_embeds_nothing(tmp_path):
    settings = make_settings(tmp_path / "index")
    first = ingest([WIKINEWS], settings)
    assert len(first.added) == 347 and not first.failed and first.chunks_embedded > 1000
    second = ingest([WIKINEWS], settings)
    assert second.skipped == 347 and second.chunks_embedded == 0 and not second.added
    store = Store(settings)
    assert store.counts()["chunks"] == chroma_count(store) == first.chunks_embedded

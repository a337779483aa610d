"""One index, several processes: what a CLI ingest, a watcher or a second server writes, a running
process sees within seconds, and concurrent writers leave Chroma, the record manager and the chunk
table in agreement."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from app.ingest import ingest
from app.retrieval import HybridRetriever
from app.store import Store

from conftest import REPO, WIKINEWS, make_settings


def cli(*args: str, settings) -> subprocess.Popen:
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(settings.data_dir)}
    return subprocess.Popen([sys.executable, "-m", "app", *args, "--index-dir", str(settings.index_dir)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_cli(*args: str, settings) -> str:
    process = cli(*args, settings=settings)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out


def found(retriever: HybridRetriever, question: str) -> list[str]:
    return [p.article_id for p in retriever.retrieve(question)]


def test_running_process_sees_what_another_process_added_changed_and_removed(tmp_path):
    settings = make_settings(tmp_path / "index")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "ferry.txt").write_text("The harbour ferry service resumed on Monday after repairs to the pier.\n")
    ingest([first], settings)
    store = Store(settings)  # the long-running reader, like a server
    dense = HybridRetriever(store=store, settings=settings.retrieval.model_copy(update={"mode": "dense", "top_k": 3}))
    bm25 = HybridRetriever(store=store, settings=settings.retrieval.model_copy(update={"mode": "bm25", "top_k": 3}))
    question = "How many tremors did the volcano observatory record?"
    assert "volcano" not in found(dense, question) + found(bm25, question)

    (second / "volcano.txt").write_text("The volcano observatory recorded seventeen tremors near the crater lake.\n")
    run_cli("ingest", str(second), settings=settings)
    assert found(dense, question)[0] == "volcano" and found(bm25, question)[0] == "volcano"
    assert store.counts()["articles"] == 2

    (second / "volcano.txt").write_text("The volcano observatory recorded forty-two tremors near the crater lake.\n")
    run_cli("ingest", str(second), settings=settings)
    assert "forty-two" in dense.retrieve(question)[0].text and "forty-two" in bm25.retrieve(question)[0].text

    run_cli("remove", "volcano", settings=settings)
    assert "volcano" not in found(dense, question) + found(bm25, question)
    assert store.counts()["articles"] == 1


def consistent_counts(settings) -> tuple[int, int, int]:
    """(chunks in Chroma, in the record manager, in the chunk table): equal when consistent."""
    store = Store(settings)
    chroma = store.vectorstore._collection.count()
    with sqlite3.connect(settings.index_dir / "records.sqlite3") as db:
        records = db.execute("SELECT COUNT(*) FROM upsertion_record").fetchone()[0]
    return chroma, records, store.counts()["chunks"]


def jsonl(path, lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")
def test_two_concurrent_ingests_into_one_index_stay_consistent(tmp_path):
    lines = WIKINEWS.read_text(encoding="utf-8").splitlines()
    settings = make_settings(tmp_path / "index")
    jsonl(tmp_path / "a" / "a.jsonl", lines[:30])
    jsonl(tmp_path / "b" / "b.jsonl", lines[30:60])
    Store(settings).counts()  # create the tables before the race, as a served index has them

    writers = [cli("ingest", str(tmp_path / name), settings=settings) for name in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=900)
        assert writer.returncode == 0, err

    chroma, records, chunks = consistent_counts(settings)
    assert Store(settings).counts()["articles"] == 60
    assert chroma == records == chunks > 60


@pytest.mark.skipif(not WIKINEWS.exists(), reason="needs ../shared/data/wikinews")
def test_an_ingest_racing_a_deletion_stays_consistent(tmp_path):
    lines = WIKINEWS.read_text(encoding="utf-8").splitlines()
    settings = make_settings(tmp_path / "index")
    jsonl(tmp_path / "old" / "old.jsonl", lines[:30])
    jsonl(tmp_path / "new" / "new.jsonl", lines[30:60])
    ingest([tmp_path / "old"], settings)
    doomed = [json.loads(line)["id"] for line in lines[:15]]

    writer = cli("ingest", str(tmp_path / "new"), settings=settings)
    deleter = cli("remove", *doomed, settings=settings)
    for process in (writer, deleter):
        _, err = process.communicate(timeout=900)
        assert process.returncode == 0, err

    ids = {row["id"] for row in Store(settings).article_rows()}
    assert ids == {json.loads(line)["id"] for line in lines[15:60]}
    chroma, records, chunks = consistent_counts(settings)
    assert chroma == records == chunks
    with sqlite3.connect(settings.index_dir / "records.sqlite3") as db:
        groups = {row[0] for row in db.execute("SELECT DISTINCT group_id FROM upsertion_record")}
    assert groups == ids  # no vectors left behind for a deleted article


def test_a_search_does_not_wait_for_another_process_holding_the_write_lock(tmp_path):
    import threading

    settings = make_settings(tmp_path / "index")
    ingest([REPO / "corpus"], settings)
    store = Store(settings)
    store.vectorstore  # this process's Chroma, at the current generation
    # Another process wrote (generation bumped behind this process's back) and still holds the lock.
    with sqlite3.connect(settings.index_dir / "newsdesk.sqlite3") as db:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    held, release = threading.Event(), threading.Event()

    def other_writer():
        with Store(settings).writing():
            held.set()
            release.wait(60)

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert held.wait(30)
        assert store.sync_with_other_processes() is False  # keeps its Chroma instead of waiting
    finally:
        release.set()
        writer.join()
    assert store.sync_with_other_processes() is True  # reopened at the next search

"""Scale-out: the index's vectors in a real Chroma server (`chroma run`), reached through chroma_url.

The server is the `chroma` command that ships with the chromadb package; these tests are skipped
only when that command is absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from app.ingest import ingest, remove_articles
from app.retrieval import HybridRetriever
from app.store import Store

from conftest import make_settings, stop_server, wait_until_up


def _chroma_cli() -> str | None:
    beside_python = Path(sys.executable).parent / "chroma"
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    cli = _chroma_cli()
    if cli is None:
        pytest.skip("the chroma CLI (from the chromadb package) is not installed")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([cli, "run", "--path", str(folder / "data"), "--port", str(port),
                                    "--host", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def heartbeat() -> bool:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                return response.status == 200

        wait_until_up(process, heartbeat, 60, "chroma run", log_path)
        yield url
    finally:
        stop_server(process)


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "bridge.txt").write_text(
        "---\ntitle: Riverside bridge reopens\ndate: 2024-03-03\nsource: Example News\n---\n"
        "The Riverside bridge reopened on Sunday after an 18-month repair that cost 42 million euros.\n\n"
        "City engineer Marta Lindqvist said the bridge now carries 30,000 vehicles a day.",
        encoding="utf-8")
    (folder / "orchard.txt").write_text(
        "---\ntitle: Orchard harvest\ndate: 2024-09-10\nsource: Example News\n---\n"
        "The Haldon orchard picked 900 tonnes of apples this autumn, a record for the valley.\n\n"
        "Its owner blamed a late frost for the small pear crop.",
        encoding="utf-8")
    return folder


def _server_count(url: str, collection: str) -> int:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from urllib.parse import urlparse

    parsed = urlparse(url)
    client = chromadb.HttpClient(host=parsed.hostname, port=parsed.port,
                                 settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(collection).count()


def test_ingest_retrieve_and_remove_through_a_chroma_server(tmp_path, articles, chroma_server):
    settings = make_settings(tmp_path / "index", chroma_url=chroma_server, collection="served")
    report = ingest([articles], settings)
    assert sorted(report.added) == ["bridge", "orchard"] and report.chunks_embedded >= 2

    # The vectors live in the server; only our tables and the record manager stay in index_dir.
    assert _server_count(chroma_server, "served") == report.chunks_embedded
    assert not (settings.index_dir / "chroma").exists()

    # A fresh store (as another process would open it) retrieves through the server.
    retriever = HybridRetriever(store=Store(settings), settings=settings.retrieval)
    passages = retriever.retrieve("How much did the bridge repair cost?")
    assert passages and passages[0].article_id == "bridge"
    assert "42 million euros" in passages[0].text and passages[0].dense_similarity is not None
    dense_only = HybridRetriever(store=Store(settings), settings=settings.retrieval.model_copy(update={"mode": "dense"}))
    assert dense_only.retrieve("apple harvest record")[0].article_id == "orchard"

    # Incremental ingest and removal reach the server too.
    again = ingest([articles], settings)
    assert (again.added, again.skipped, again.chunks_embedded) == ([], 2, 0)
    removed = remove_articles(["orchard"], settings)
    assert removed >= 1
    assert _server_count(chroma_server, "served") == report.chunks_embedded - removed


@pytest.mark.parametrize("url, host, port, ssl", [
    ("https://chroma.example.org", "chroma.example.org", 443, True),
    ("http://10.0.0.5", "10.0.0.5", 8000, False),
    ("http://10.0.0.5:9000", "10.0.0.5", 9000, False),
])
def test_chroma_url_sets_host_port_and_tls(tmp_path, monkeypatch, url, host, port, ssl):
    import chromadb

    from app.store import StoreError

    seen = {}

    def fake_http_client(**kwargs):
        seen.update(kwargs)
        raise ConnectionError("not connecting in this test")

    monkeypatch.setattr(chromadb, "HttpClient", fake_http_client)
    with pytest.raises(StoreError, match=url.split("//")[1]):
        Store(make_settings(tmp_path / "index", chroma_url=url)).vectorstore
    assert (seen["host"], seen["port"], seen["ssl"]) == (host, port, ssl)


@pytest.mark.slow
def test_answer_through_a_chroma_server(tmp_path, articles, chroma_server):
    from app.application import Newsdesk

    settings = make_settings(tmp_path / "index", chroma_url=chroma_server, collection="served_answers")
    ingest([articles], settings)
    answer = Newsdesk(settings).ask("How much did the Riverside bridge repair cost?")
    assert not answer.refused, answer.refusal_reason
    assert "42" in answer.text
    assert answer.citations and answer.citations[0].article_id == "bridge"

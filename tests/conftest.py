"""Shared fixtures: real components (Chroma on disk, the real embedding and generator models)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from app.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
WIKINEWS = SHARED / "data" / "wikinews" / "articles.jsonl"
SEED_ID = "ain-al-asad-rocket-attack"

warnings.filterwarnings("ignore", category=DeprecationWarning)


# -- the generator runtime, checked first in a subprocess (issue 9) -------------------------------------
RUNTIME_TEST = "test_generator_runtime.py"


def pytest_collection_modifyitems(config, items):
    """The runtime smoke check runs before anything that loads the model in this process."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith(f"tests/{RUNTIME_TEST}") else 1)


_runtime_result = None


def _runtime_result_once():
    global _runtime_result
    if _runtime_result is None:
        from app.runtime import check

        _runtime_result = check()
    return _runtime_result


@pytest.fixture(scope="session")
def runtime_check():
    return _runtime_result_once()


def pytest_runtest_setup(item):
    """Before the first model test, the runtime is checked in a subprocess; if it crashes there, the
    model tests are skipped with a pointer to the failing check rather than let the first of them
    kill the whole run."""
    if item.get_closest_marker("slow") and RUNTIME_TEST not in item.nodeid and not _runtime_result_once().ok:
        pytest.skip(f"the generator runtime failed its smoke check (see {RUNTIME_TEST})")


def make_settings(index_dir: Path, **overrides) -> Settings:
    return Settings(index_dir=index_dir, data_dir=index_dir.parent / "data").with_overrides(**overrides)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    """An index of the shipped corpus, built once for the session with the real models."""
    from app.ingest import ingest

    settings = make_settings(tmp_path_factory.mktemp("seed") / "index")
    report = ingest([REPO / "corpus"], settings)
    assert report.added == [SEED_ID]
    return settings


@pytest.fixture(scope="session")
def seed_newsdesk(seed_settings):
    """One application over the seed index for the session: its models load once."""
    from app.application import Newsdesk

    with Newsdesk(seed_settings) as newsdesk:
        yield newsdesk


@pytest.fixture(scope="session")
def seed_store(seed_settings):
    from app.store import Store

    return Store(seed_settings)


# -- the real server (``newsdesk serve`` in a subprocess) ----------------------------------------------
class RunningServer(NamedTuple):
    """A server started by ``start_server``: ``url, process, *_ = server`` or by attribute."""

    url: str  # "http://127.0.0.1:<port>/"
    process: subprocess.Popen
    port: int
    base: Path  # the temporary folder holding index/, data/ and server.log
    data_dir: Path
    index_dir: Path
    log_path: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(port: int) -> list[str]:
    python = REPO / ".venv" / "bin" / "python"
    if (REPO / "app" / "__main__.py").exists():
        return [str(python if python.exists() else sys.executable), "-m", "app", "serve", "--port", str(port)]
    return [str(REPO / ".venv" / "bin" / "newsdesk"), "serve", "--port", str(port)]


def wait_until_up(process: subprocess.Popen, ready, timeout: float, name: str, log_path: Path) -> None:
    """Poll ``ready()`` (True once the server answers; exceptions count as not yet) until ``timeout``;
    fail with the server's log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            if ready():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{name} did not answer in {timeout:.0f} s:\n{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.5)


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def start_server(tmp_path_factory, name: str = "newsdesk", *, startup_timeout: float = 300.0,
                 **env: str | None) -> Iterator[RunningServer]:
    """Run ``newsdesk serve`` on a free loopback port with fresh index/data folders; stop it on exit.

    The shipped corpus is indexed on start. ``env`` adds environment variables for the server
    (``NEWSDESK_SERVER__MAX_UPLOAD_MB="1"``); ``None`` removes one. Login and bind address are
    cleared from the inherited environment (no login, 127.0.0.1) unless given here. Fails the
    calling test (or fixture) when the server exits or does not open its port in time.
    """
    base = tmp_path_factory.mktemp(name)
    port = free_port()
    data_dir, index_dir = base / "data", base / "index"
    environment = {**os.environ, "NEWSDESK_INDEX_DIR": str(index_dir), "NEWSDESK_DATA_DIR": str(data_dir),
                   "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    for key in ("NEWSDESK_SERVER__USERNAME", "NEWSDESK_SERVER__PASSWORD", "NEWSDESK_SERVER__HOST"):
        environment.pop(key, None)
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = str(value)
    log_path = base / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(serve_command(port), cwd=REPO, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        def port_open() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        wait_until_up(process, port_open, startup_timeout, "the server", log_path)
        yield RunningServer(f"http://127.0.0.1:{port}/", process, port, base, data_dir, index_dir, log_path)
    finally:
        stop_server(process)

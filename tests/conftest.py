"""Shared fixtures: real components (Chroma on disk, the real embedding and generator models)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from app.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
WIKINEWS = SHARED / "data" / "wikinews" / "articles.jsonl"
SEED_ID = "ain-al-asad-rocket-attack"

warnings.filterwarnings("ignore", category=DeprecationWarning)


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
def seed_store(seed_settings):
    from app.store import Store

    return Store(seed_settings)

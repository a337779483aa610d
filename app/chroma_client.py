"""Chroma as the store uses it: the client of an index (embedded per index folder, or a server),
reopened when another process changed the index, and record keys that name their chunk.

Chroma's embedded store keeps its vector index in memory and does not notice what another process
wrote. Per Chroma folder this module keeps the index generation this process's Chroma reflects and
how often it was reopened; each ``Store`` compares that with its own copy and picks up the new
client. Everything here runs under ``lock``, taken after the index's write lock, everywhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading

from langchain_core.documents import Document

log = logging.getLogger(__name__)

lock = threading.Lock()
_seen: dict[str, int] = {}
_epoch: dict[str, int] = {}


def record_key(document: Document) -> str:
    """A chunk's key in Chroma and the record manager: its chunk id, then a hash of its text and
    metadata (a changed chunk is a new record, as with LangChain's own encoders). A nearest-
    neighbour search that returns keys alone names its chunks without reading any metadata."""
    payload = json.dumps([document.page_content, document.metadata], sort_keys=True, ensure_ascii=False)
    return f"{document.metadata['chunk_id']}@{hashlib.sha256(payload.encode()).hexdigest()[:32]}"


def chunk_id_of(key: str) -> str | None:
    """The chunk id in a ``record_key``; None for a key of an index built before keys named chunks."""
    chunk_id, at, digest = key.rpartition("@")
    return chunk_id if at and len(digest) == 32 else None


def epoch(folder: str) -> int:
    """How often this process reopened the Chroma of ``folder``."""
    return _epoch.get(folder, 0)


def stale(folder: str, generation: int) -> bool:
    """Whether another process changed the index since this process's Chroma of ``folder`` was
    opened (``generation``: the index's now). Under ``lock``."""
    seen = _seen.get(folder)
    return seen is not None and seen != generation


def opened(folder: str, generation: int) -> int:
    """Record that a client of ``folder`` reflects ``generation`` (unless one already does);
    returns the epoch it belongs to. Under ``lock``."""
    _seen.setdefault(folder, generation)
    return epoch(folder)


def wrote(folder: str, old: int) -> None:
    """This process's own write took the index from ``old`` to ``old + 1``: it is already in this
    process's Chroma (another process's would not be). Under ``lock``."""
    if _seen.get(folder) == old:
        _seen[folder] = old + 1


def reopen(folder: str, generation: int) -> bool:
    """Reopen the embedded Chroma of ``folder`` if it is stale. A fresh Chroma system replaces the
    cached one; the old one is not stopped, so a search or write still running on it in another
    thread finishes there. Under the index's write lock and ``lock``."""
    if not stale(folder, generation):
        return False
    from chromadb.api import ServerAPI
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import System
    from chromadb.telemetry.product import ProductTelemetryClient

    old = SharedSystemClient._identifier_to_system.get(folder)
    if old is not None:  # what chromadb does for a new client, then swapped in whole
        fresh = System(old.settings)
        fresh.instance(ProductTelemetryClient)
        fresh.instance(ServerAPI)
        fresh.start()
        SharedSystemClient._identifier_to_system[folder] = fresh
    _epoch[folder] = epoch(folder) + 1
    _seen[folder] = generation
    log.info("the index at %s was changed by another process: Chroma reopened", folder)
    return True


def client(chroma_url: str | None, folder: str):
    """A Chroma client: of the server at ``chroma_url``, else embedded in ``folder`` (then the
    caller holds the index's write lock and ``lock``: chromadb registers a new system before
    starting it, so two threads opening one folder at once can break each other)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        return chromadb.PersistentClient(path=folder, settings=chroma_settings)
    from urllib.parse import urlparse

    url = urlparse(chroma_url)
    https = url.scheme == "https"
    # No port in the URL: the scheme's (443 behind TLS), else chroma run's 8000.
    return chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or (443 if https else 8000),
                               ssl=https, settings=chroma_settings)

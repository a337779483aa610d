"""The sentence-transformers embedding model, loaded once per process."""

from __future__ import annotations

import logging
import threading

from langchain_huggingface import HuggingFaceEmbeddings

from app.config import EmbeddingSettings
from app.modelfiles import embedding_model_path

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple[str, str, int], HuggingFaceEmbeddings] = {}


def embedding_model_name(settings: EmbeddingSettings) -> str:
    """The name recorded in the index, so a different model is never mixed into it."""
    return "sentence-transformers/all-MiniLM-L6-v2" if settings.model == "default" else settings.model


def get_embeddings(settings: EmbeddingSettings) -> HuggingFaceEmbeddings:
    key = (settings.model, settings.device, settings.batch_size)
    with _lock:
        if key not in _cache:
            path = embedding_model_path(settings.model)
            log.info("loading embedding model %s on %s", path, settings.device)
            _cache[key] = HuggingFaceEmbeddings(
                model_name=path,
                model_kwargs={"device": settings.device},
                # Normalised vectors make Chroma's cosine distance and dot product agree.
                encode_kwargs={"normalize_embeddings": True, "batch_size": settings.batch_size},
            )
        return _cache[key]

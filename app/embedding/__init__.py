"""Embedding backends: which model embeds passages and questions, and how it is run.

Three backends (``embedding.backend`` for the index's vectors, ``embedding.reading_backend`` for
the sentences ranked at answer time):

- ``torch``: sentence-transformers over PyTorch, as shipped (LangChain's ``HuggingFaceEmbeddings``).
- ``onnx``: the same transformer exported once to ONNX and run with ONNX Runtime; tokenisation,
  truncation, mean pooling and normalisation are those of sentence-transformers, so the vectors
  equal the torch ones to float rounding (cosine > 0.9999) and an index may be built with one and
  queried with the other: both record the same embedding-model name.
- ``onnx-int8``: that export with dynamic int8 quantisation of its matrix multiplications. Its
  vectors are close to, not equal to, the float ones (cosine ~0.98-0.99), so it records its own
  embedding-model name and is never mixed into a float index (or a float backend into its index).
  It embeds one text per run, so a text's vector does not depend on the texts batched with it.

By default (``auto``) a new index on a CPU gets int8 vectors (4x the encode speed, the same
recall), while answers rank sentences with full-precision vectors: int8 sentence ranking is what
changed answers. An existing index keeps the backend it was built with (its recorded name).

The ONNX export and runtime are in ``app.embedding.onnx``. To add a backend: a LangChain
``Embeddings`` built in ``build_embeddings``, a name for it in ``EmbeddingSettings.backend``, and,
when its vectors differ from torch's, its own name in ``embedding_model_name``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from langchain_core.embeddings import Embeddings

from app.config import EmbeddingSettings
from app.embedding.onnx import (
    EmbeddingBackendError,
    OnnxEmbeddings,
    OnnxSentenceEncoder,
    ensure_onnx_export,
    onnx_cache_root,
    offline,
    onnx_has_cuda,
)
from app.modelfiles import embedding_model_path

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

__all__ = ["DEFAULT_MODEL_NAME", "EmbeddingBackendError", "OnnxEmbeddings", "OnnxSentenceEncoder",
           "build_embeddings", "embedding_model_name", "ensure_onnx_export", "index_backend", "onnx_cache_root",
           "reading_embeddings"]

_INT8_SUFFIX = " (onnx-int8)"


def index_backend(settings: EmbeddingSettings, built_with: str | None = None) -> str:
    """The backend of an index's vectors. ``auto``: the one the index was built with (``built_with``,
    the name it recorded), and for a new index int8 on a CPU, torch on a GPU."""
    gpu = settings.device.startswith("cuda")
    if settings.backend != "auto":
        return settings.backend
    if built_with is not None:
        return "onnx-int8" if built_with.endswith(_INT8_SUFFIX) else "torch" if gpu else "onnx"
    return "torch" if gpu else "onnx-int8"


def embedding_model_name(settings: EmbeddingSettings, built_with: str | None = None) -> str:
    """The name recorded in the index, so a different model is never mixed into it.

    torch and onnx give the same vectors and share a name; int8-quantised vectors are not the
    same, so they get a name of their own.
    """
    name = DEFAULT_MODEL_NAME if settings.model == "default" else settings.model
    if index_backend(settings, built_with) == "onnx-int8":
        name += _INT8_SUFFIX
    return name


def build_embeddings(settings: EmbeddingSettings, backend: str | None = None) -> Embeddings:
    """A new embedding model: ``backend``, else the index backend of ``settings`` for a new index.
    Loading costs 0.3-7 s and ~100 MB: build one per application (``app.application.Newsdesk``)
    and pass it to what needs it."""
    offline()
    backend = backend or index_backend(settings)
    if backend == "onnx" and settings.device.startswith("cuda") and not onnx_has_cuda():
        # torch gives the same vectors (one index for both), so device = "cuda" alone just works.
        log.info("embedding.device is %s and onnxruntime has no CUDA provider: embedding with torch", settings.device)
        backend = "torch"
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a per-load bar is noise in a CLI and in logs
    path = embedding_model_path(settings.model)
    log.info("loading embedding model %s on %s (%s)", path, settings.device, backend)
    if backend != "torch":
        encoder = OnnxSentenceEncoder(path, quantized=backend == "onnx-int8", device=settings.device)
        return OnnxEmbeddings(encoder, batch_size=settings.batch_size)
    from langchain_huggingface import HuggingFaceEmbeddings

    if settings.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise EmbeddingBackendError(
                f"embedding.device is {settings.device} but torch sees no CUDA GPU (torch "
                f"{torch.__version__}); set NEWSDESK_EMBEDDING__DEVICE=cpu, or install a CUDA build of torch.")
    return HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs={"device": settings.device},
        # Normalised vectors make Chroma's cosine distance and dot product agree.
        encode_kwargs={"normalize_embeddings": True, "batch_size": settings.batch_size},
    )


def reading_embeddings(settings: EmbeddingSettings, index_backend: str,
                       index_model: Callable[[], Embeddings]) -> Embeddings:
    """The model that ranks sentences for answers (``settings.reading_backend``, full precision
    whatever the index holds): the index's own model, ``index_model()``, when it gives the same
    vectors (torch and onnx do), else a model of its own."""
    reading = settings.reading_backend
    if reading == index_backend or {reading, index_backend} <= {"torch", "onnx"}:
        return index_model()
    return build_embeddings(settings, reading)

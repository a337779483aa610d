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

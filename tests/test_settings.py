"""Settings are strict: an unknown key anywhere is an error naming it and the nearest valid one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.api import Chat
from app.config import OPTIONS, OptionError, Settings, SettingsError, apply_options

from conftest import REPO


@pytest.fixture
def toml(tmp_path, monkeypatch):
    path = tmp_path / "newsdesk.toml"
    monkeypatch.setenv("NEWSDESK_CONFIG", str(path))
    return path


def test_a_typo_in_newsdesk_toml_names_the_key_and_the_nearest_valid_one(toml):
    toml.write_text("[retrieval]\ntopk = 3\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'retrieval.topk' \(did you mean 'top_k'\?\)"):
        Settings()


def test_a_known_key_in_newsdesk_toml_is_read(toml):
    toml.write_text("[retrieval]\ntop_k = 3\n")
    assert Settings().retrieval.top_k == 3


@pytest.mark.parametrize("name, suggestion", [
    ("NEWSDESK_RETRIEVAL__TOPK", "NEWSDESK_RETRIEVAL__TOP_K"),
    ("NEWSDESK_TOPK", "NEWSDESK_RETRIEVAL__TOP_K"),
    ("NEWSDESK_INDEXDIR", "NEWSDESK_INDEX_DIR"),
])
def test_a_typo_in_an_environment_variable_names_it_and_the_nearest_valid_one(monkeypatch, name, suggestion):
    monkeypatch.setenv(name, "3")
    with pytest.raises(SettingsError, match=rf"unknown environment variable {name} \(did you mean '{suggestion}'\?\)"):
        Settings()


def test_a_bad_value_says_which_setting_and_why(monkeypatch):
    monkeypatch.setenv("NEWSDESK_RETRIEVAL__MODE", "fuzzy")
    with pytest.raises(SettingsError, match="retrieval.mode"):
        Settings()


def test_secrets_are_never_printed_or_dumped(monkeypatch):
    monkeypatch.setenv("NEWSDESK_LLM__API_KEY", "sk-very-secret")
    monkeypatch.setenv("NEWSDESK_SERVER__PASSWORD", "hunter2")
    settings = Settings()
    assert settings.llm.api_key.get_secret_value() == "sk-very-secret"
    shown = repr(settings) + settings.model_dump_json()
    assert "sk-very-secret" not in shown and "hunter2" not in shown


def test_the_judge_is_a_settings_section(monkeypatch):
    monkeypatch.setenv("NEWSDESK_JUDGE__BACKEND", "openai")
    monkeypatch.setenv("NEWSDESK_JUDGE__MODEL", "judge-model")
    judge = Settings().judge
    assert (judge.backend, judge.model) == ("openai", "judge-model")


def test_every_setting_has_a_description():
    def missing(model, prefix=""):
        for name, field in model.model_fields.items():
            if not field.description:
                yield prefix + name
            if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields"):
                yield from missing(field.annotation, f"{prefix}{name}.")

    assert list(missing(Settings)) == []


def test_one_option_table_maps_names_to_real_settings():
    settings = Settings()
    for option, path in OPTIONS.items():
        section, _, leaf = path.rpartition(".")
        holder = getattr(settings, section) if section else settings
        assert leaf in type(holder).model_fields, option
    assert apply_options(settings, top_k=8, temperature=0.5).retrieval.top_k == 8
    with pytest.raises(OptionError, match=r"unknown option 'topk' \(did you mean 'top_k'\?\)"):
        apply_options(settings, topk=8)
    with pytest.raises(OptionError, match="top_k"):
        Chat(topk=8)


def test_the_cli_reports_a_bad_setting_and_exits_2(tmp_path):
    env = {"NEWSDESK_RETRIEVAL__TOPK": "3", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app", "info", "--index-dir", str(tmp_path / "index")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "NEWSDESK_RETRIEVAL__TOP_K" in result.stderr


def test_importing_newsdesk_writes_no_environment_variable():
    code = "import os; before = dict(os.environ); import app, app.api, app.ui, app.cli; print(dict(os.environ) == before)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr

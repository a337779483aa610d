"""The generator runtime runs the packaged model on a long prompt without crashing.

Runs first (see conftest.pytest_collection_modifyitems), in a subprocess: a llama.cpp build that
uses instructions the CPU does not allow (AMX, issue 9) dies with a signal, which would otherwise
kill the whole pytest run at the first in-process model call. When it fails, the in-process model
tests are skipped with a pointer here.
"""

from __future__ import annotations

import pytest

from app.runtime import check, parse_features, runtime_info

pytestmark = pytest.mark.slow


def test_generator_runtime_answers_a_long_prompt_in_a_subprocess(runtime_check):
    assert runtime_check.ok, runtime_check.message
    figures = runtime_check.figures
    assert figures["prompt_tokens"] >= 300
    assert figures["decode_tokens"] > 0 and figures["text"].strip()


def test_generator_runtime_build_uses_no_amx_or_native_only_instructions():
    info = runtime_info()
    assert info.features.get("AVX2") is True or "AVX2" not in info.features  # ARM builds list no AVX2
    compiled = {name for name, on in info.features.items() if on}
    assert not compiled & {"AMX_INT8", "AMX_BF16", "AVX512", "AVX512_VNNI", "AVX512_BF16", "AVX512_VBMI"}, compiled


def test_a_crashing_runtime_is_reported_with_the_way_out(tmp_path):
    # A file that is not a GGUF makes llama.cpp fail cleanly; the message must say it failed, not hang.
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    result = check(model_path=bogus, timeout_s=120)
    assert not result.ok
    assert "smoke check failed" in result.message or "crashed" in result.message


def test_system_info_is_parsed_into_instruction_sets():
    text = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | AMX_INT8 = 0 | LLAMAFILE = 1 | OPENMP = 1 |"
    assert parse_features(text) == {"SSE3": True, "AVX": True, "AVX2": True, "AVX512": False, "AMX_INT8": False}

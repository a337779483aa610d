"""The generator runtime runs the packaged model on a long prompt without crashing.

Runs first (see conftest.pytest_collection_modifyitems), in a subprocess: a llama.cpp build that
uses instructions the CPU does not allow (AMX, issue 9) dies with a signal, which would otherwise
kill the whole pytest run at the first in-process model call. When it fails, the in-process model
tests are skipped with a pointer here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.runtime import check, choose_cpu_variant, cpu_variants, parse_features, runtime_info

# llama.cpp's names for the instruction sets a build uses -> the flags Linux lists in /proc/cpuinfo.
CPUINFO_FLAG = {"SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "F16C": "f16c", "FMA": "fma", "BMI2": "bmi2",
                "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi",
                "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8"}


def cpu_flags() -> set[str]:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("needs Linux's /proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    pytest.skip("/proc/cpuinfo lists no CPU flags (not x86)")

pytestmark = pytest.mark.slow


def test_generator_runtime_answers_a_long_prompt_in_a_subprocess(runtime_check):
    assert runtime_check.ok, runtime_check.message
    figures = runtime_check.figures
    assert figures["prompt_tokens"] >= 300
    assert figures["decode_tokens"] > 0 and figures["text"].strip()


def test_the_runtime_uses_only_instructions_this_cpu_has_and_never_amx():
    info = runtime_info()
    used = {name for name, on in info.features.items() if on}
    flags = cpu_flags()
    missing = {name for name in used if name in CPUINFO_FLAG and CPUINFO_FLAG[name] not in flags}
    assert not missing, f"the runtime uses {missing}, which this CPU lacks"
    if cpu_variants():  # the project's build (a CMAKE_ARGS override may compile AMX in on purpose)
        assert not used & {"AMX_INT8", "AMX_BF16"}, used


def test_a_cpu_with_avx512_keeps_it_through_runtime_dispatch():
    if not cpu_variants():
        pytest.skip("a single-library build (CMAKE_ARGS override or ARM64): no dispatch")
    flags = cpu_flags()
    info = runtime_info()
    assert info.features.get("AVX2") is True and info.cpu_variant in cpu_variants()
    if "avx512f" in flags:
        assert info.features.get("AVX512") is True, (info.cpu_variant, info.features)
    if {"avx512_vnni", "avx512vbmi"} <= flags:
        assert info.features.get("AVX512_VNNI") and info.features.get("AVX512_VBMI"), info.cpu_variant


def test_an_amx_library_is_never_opened_even_where_a_build_holds_one(tmp_path):
    variants = cpu_variants()
    if not variants:
        pytest.skip("a single-library build: no dispatch")
    # Were it opened, a path that does not exist would raise; skipped unopened, the best other one wins.
    offered = {**variants, "sapphirerapids": tmp_path / "libggml-cpu-sapphirerapids.so"}
    chosen = choose_cpu_variant(offered)
    assert chosen is not None and chosen[0] != "sapphirerapids"
    assert chosen == choose_cpu_variant({k: v for k, v in variants.items() if k != "sapphirerapids"})


def test_no_library_of_the_build_contains_amx_tile_instructions():
    # llama.cpp's AMX kernels died with SIGILL on a VM that grants AMX (app/runtime.py, _AMX_VARIANTS).
    variants = cpu_variants()
    if not variants or not shutil.which("objdump"):
        pytest.skip("needs a dispatching build and objdump")
    for name, path in variants.items():
        code = subprocess.run(["objdump", "-d", str(path)], capture_output=True, text=True, check=True).stdout
        tiles = code.count("ldtilecfg") + code.count("tilezero")
        assert tiles == 0, f"{name}: {tiles} AMX tile instructions"


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

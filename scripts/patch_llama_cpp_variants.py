"""Cut llama.cpp's list of x86 CPU-backend variants to the given ones, and install them in the wheel.

Used by scripts/install-llama-cpp.sh on the unpacked llama-cpp-python source (see there for why).
Fails loudly if the upstream files no longer look as expected, rather than building something else.

    python scripts/patch_llama_cpp_variants.py SOURCE_DIR haswell zen4 ...
"""

import re
import sys
from pathlib import Path


def cut_variants(cmake: str, keep: list[str]) -> str:
    """Drop every x86 `ggml_add_cpu_backend_variant(name ...)` line whose name is not kept."""
    start = cmake.index('if (GGML_SYSTEM_ARCH STREQUAL "x86")', cmake.index("if (GGML_CPU_ALL_VARIANTS)"))
    end = cmake.index('elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")', start)
    block = cmake[start:end]
    names = re.findall(r"ggml_add_cpu_backend_variant\((\w+)", block)
    missing = sorted(set(keep) - set(names))
    if missing:
        raise SystemExit(f"llama.cpp has no x86 CPU variant named {missing}; it has {names}")
    kept = re.sub(r"^\s*ggml_add_cpu_backend_variant\((\w+)[^)]*\)\n",
                  lambda m: m.group(0) if m.group(1) in keep else "", block, flags=re.M)
    return cmake[:start] + kept + cmake[end:]


def no_bin_copies(cmake: str) -> str:
    """Without GGML_BACKEND_DIR, ggml also installs each backend library into bin/, which in a wheel
    lands as a stray site-packages/bin/ of duplicates; the copy next to libllama is the one used."""
    line = "            install(TARGETS ${backend} LIBRARY DESTINATION ${CMAKE_INSTALL_BINDIR})\n"
    if line not in cmake:
        raise SystemExit("llama.cpp's ggml_add_backend_library no longer installs into bin/ as expected")
    return cmake.replace(line, "")


def install_variants(cmake: str, keep: list[str]) -> str:
    """Install each variant library next to libllama (with $ORIGIN rpath), where app/runtime.py looks."""
    anchor = "    llama_cpp_python_install_target(ggml-cpu)\n"
    if anchor not in cmake:
        raise SystemExit("llama-cpp-python's CMakeLists.txt no longer installs ggml-cpu as expected")
    extra = "".join(f"    llama_cpp_python_install_target(ggml-cpu-{name})\n" for name in keep)
    return cmake.replace(anchor, anchor + extra)


def main(source: Path, keep: list[str]) -> None:
    ggml = source / "vendor/llama.cpp/ggml/src/CMakeLists.txt"
    ggml.write_text(no_bin_copies(cut_variants(ggml.read_text(), keep)))
    top = source / "CMakeLists.txt"
    top.write_text(install_variants(top.read_text(), keep))
    print(f"llama.cpp CPU variants: {' '.join(keep)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

#!/usr/bin/env bash
# Build and install llama-cpp-python (the generator runtime) so that it runs on any CPU of this
# architecture, not only the one that built it.
#
# Why: llama-cpp-python compiles llama.cpp with GGML_NATIVE (-march=native) by default. On a CPU
# that advertises AMX but whose OS/hypervisor does not grant the tile state, the native build
# executes `ldtilecfg` and dies with a general-protection fault (issue 9). A native build copied
# or cached onto an older CPU dies the same way on AVX-512.
#
# So on x86-64 the runtime is built for runtime CPU dispatch: GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS
# compile the CPU backend several times, one library per instruction-set level, and app/runtime.py
# loads the best one the CPU supports when the model is first loaded. A fixed portable build (AVX2,
# AVX-512 off) measured 1.6-2.3x slower at prompt processing than native on an AVX-512 CPU
# (docs/benchmarks.md); the dispatched build keeps the native speed there. Two changes to upstream:
#   - the variant list is cut to five (build time: each variant compiles the whole CPU backend):
#     haswell (AVX2, the floor: every x86-64 CPU since 2013, AMD Zen included), alderlake (AVX-VNNI),
#     skylakex (AVX-512), icelake (+VBMI, VNNI), zen4 (+BF16);
#   - the variant libraries are installed next to libllama in the wheel.
# No AMX library (sapphirerapids): its tile kernels died with SIGILL on a VM that grants AMX, and
# ggml, scoring variants by CPUID alone, would pick it on every VM that advertises AMX. See
# app/runtime.py (_AMX_VARIANTS), which also never loads one that a build with other flags made.
# On ARM64 the baseline (GGML_NATIVE=OFF, one library) is used: no AMX there, and it fits any ARMv8.
#
# pip reuses a llama-cpp-python wheel it built earlier whatever CMAKE_ARGS says now, so the wheel
# is built with --no-cache-dir into a project-local folder named after its flags (.wheels/), and
# only a wheel with the same key is ever reused.
#
# Override: CMAKE_ARGS="-DGGML_CUDA=on" make install  (a GPU build), or any other flags; the key
# changes with them, so the runtime is rebuilt (and the source is built as published, unpatched).
set -euo pipefail

PYTHON=${1:?usage: install-llama-cpp.sh PYTHON}
VERSION=0.3.36  # keep in step with pyproject.toml
ROOT=$(cd "$(dirname "$0")/.." && pwd)

VARIANTS="haswell alderlake skylakex icelake zen4"
case "$(uname -m)" in
  x86_64|amd64)
    DEFAULT_ARGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON" ;;
  *)
    DEFAULT_ARGS="-DGGML_NATIVE=OFF" ;;
esac
ARGS=${CMAKE_ARGS:-$DEFAULT_ARGS}
PYVER=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY=$(printf '%s|%s|%s|%s|%s|%s' "$VERSION" "$ARGS" "$VARIANTS" "$(sha256sum < "$ROOT/scripts/patch_llama_cpp_variants.py")" "$(uname -m)" "$PYVER" | sha256sum | cut -c1-16)
WHEELS="$ROOT/.wheels/llama-cpp-python-$VERSION-$KEY"

if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  rm -rf "$WHEELS.partial" && mkdir -p "$WHEELS.partial/src"
  SOURCE="llama-cpp-python==$VERSION"
  if [ -z "${CMAKE_ARGS:-}" ] && [[ "$DEFAULT_ARGS" == *GGML_CPU_ALL_VARIANTS* ]]; then
    echo "Building llama-cpp-python $VERSION with CPU variants: $VARIANTS (15-25 minutes on 2 cores)..."
    "$PYTHON" -m pip download --no-cache-dir --no-deps --no-binary :all: -d "$WHEELS.partial/src" "$SOURCE"
    tar -xzf "$WHEELS.partial/src"/llama_cpp_python-*.tar.gz -C "$WHEELS.partial/src"
    SOURCE=$(echo "$WHEELS.partial/src"/llama_cpp_python-$VERSION)
    "$PYTHON" "$ROOT/scripts/patch_llama_cpp_variants.py" "$SOURCE" $VARIANTS
  else
    echo "Building llama-cpp-python $VERSION with CMAKE_ARGS=\"$ARGS\" (about 5 minutes on 2 cores)..."
  fi
  CMAKE_ARGS="$ARGS" FORCE_CMAKE=1 "$PYTHON" -m pip wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
    -w "$WHEELS.partial" "$SOURCE"
  printf '%s\n' "$ARGS" > "$WHEELS.partial/CMAKE_ARGS"
  rm -rf "$WHEELS.partial/src" "$WHEELS" && mv "$WHEELS.partial" "$WHEELS"
else
  echo "Reusing the llama-cpp-python wheel built with these flags: $WHEELS"
fi
# --force-reinstall: replace a runtime installed earlier with other flags (same version number);
# then the same wheel again, to bring in its dependencies (diskcache, numpy, jinja2).
"$PYTHON" -m pip install --no-deps --force-reinstall --no-cache-dir "$WHEELS"/llama_cpp_python-*.whl
"$PYTHON" -m pip install --no-cache-dir "$WHEELS"/llama_cpp_python-*.whl

#!/usr/bin/env bash
# Build and install llama-cpp-python (the generator runtime) so that it runs on any CPU of this
# architecture, not only the one that built it.
#
# Why: llama-cpp-python compiles llama.cpp with GGML_NATIVE (-march=native) by default. On a CPU
# that advertises AMX but whose OS/hypervisor does not grant the tile state, the native build
# executes `ldtilecfg` and dies with a general-protection fault (issue 9). A native build copied
# or cached onto an older CPU dies the same way on AVX-512. So on x86-64 we build a fixed portable
# set: AVX2 + FMA + F16C + BMI2 (Haswell, 2013, and every later x86-64 CPU, AMD Zen included),
# with AVX-512 and AMX off. That costs speed on AVX-512 CPUs (docs/benchmarks.md: prompt processing
# ~2x slower than a native build on this project's machine); runtime CPU dispatch (GGML_BACKEND_DL
# with GGML_CPU_ALL_VARIANTS, whose libraries llama-cpp-python does not load by itself) is the way
# to win it back. On ARM64 the baseline (GGML_NATIVE=OFF) is used: no AMX there, and the wheel
# fits any ARMv8 machine.
#
# pip reuses a llama-cpp-python wheel it built earlier whatever CMAKE_ARGS says now, so the wheel
# is built with --no-cache-dir into a project-local folder named after its flags (.wheels/), and
# only a wheel with the same key is ever reused.
#
# Override: CMAKE_ARGS="-DGGML_CUDA=on" make install  (a GPU build), or any other
# flags; the key changes with them, so the runtime is rebuilt.
set -euo pipefail

PYTHON=${1:?usage: install-llama-cpp.sh PYTHON}
VERSION=0.3.36  # keep in step with pyproject.toml
ROOT=$(cd "$(dirname "$0")/.." && pwd)

case "$(uname -m)" in
  x86_64|amd64)
    DEFAULT_ARGS="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" ;;
  *)
    DEFAULT_ARGS="-DGGML_NATIVE=OFF" ;;
esac
ARGS=${CMAKE_ARGS:-$DEFAULT_ARGS}
PYVER=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY=$(printf '%s|%s|%s|%s' "$VERSION" "$ARGS" "$(uname -m)" "$PYVER" | sha256sum | cut -c1-16)
WHEELS="$ROOT/.wheels/llama-cpp-python-$VERSION-$KEY"

if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $VERSION with CMAKE_ARGS=\"$ARGS\" (about 5 minutes on 2 cores)..."
  rm -rf "$WHEELS.partial" && mkdir -p "$WHEELS.partial"
  CMAKE_ARGS="$ARGS" FORCE_CMAKE=1 "$PYTHON" -m pip wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
    -w "$WHEELS.partial" "llama-cpp-python==$VERSION"
  printf '%s\n' "$ARGS" > "$WHEELS.partial/CMAKE_ARGS"
  rm -rf "$WHEELS" && mv "$WHEELS.partial" "$WHEELS"
else
  echo "Reusing the llama-cpp-python wheel built with these flags: $WHEELS"
fi
# --force-reinstall: replace a runtime installed earlier with other flags (same version number);
# then the same wheel again, to bring in its dependencies (diskcache, numpy, jinja2).
"$PYTHON" -m pip install --no-deps --force-reinstall --no-cache-dir "$WHEELS"/llama_cpp_python-*.whl
"$PYTHON" -m pip install --no-cache-dir "$WHEELS"/llama_cpp_python-*.whl

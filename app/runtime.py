"""The generator runtime (llama-cpp-python): what it was built with, and a smoke check that it runs.

A llama.cpp build can compile in CPU instructions that the machine advertises but does not let a
process use (AMX tiles on some cloud VMs): the first matrix multiply of a real prompt then kills
the whole process with SIGSEGV/SIGILL, where no Python ``except`` can report it. So the check runs
the packaged model in a *subprocess* on a prompt of several hundred tokens (a one-token prompt
takes another code path and passes) and turns a crash into a message that says what to do.

    python -m app.runtime check    # used by `make install` and by the test suite, first
    python -m app.runtime measure  # prompt and decode tokens/s of the installed build, in this process
    python -m app.runtime backend  # the CPU-backend library this machine loads (for llama_cpp.server)

On x86-64 the runtime is built with one CPU-backend library per instruction-set level
(scripts/install-llama-cpp.sh); ``load_cpu_backend`` picks the best one this CPU runs, before the
first model is loaded. A library with AMX tile kernels is never loaded (see ``_AMX_VARIANTS``).
"""

from __future__ import annotations

import _ctypes
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# How to get a working runtime when the check fails; the README's "Generator runtime" section says more.
REBUILD_HINT = (
    "Rebuild the runtime with the project's flags: `rm -rf .wheels && make install` (one CPU library per "
    "instruction-set level, the best chosen at run time, AMX only where the kernel grants it), or choose flags "
    "yourself: rm .venv/.installed; CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX2=ON ...\" make install. See README, "
    "'Generator runtime'."
)
# A paragraph of news prose, repeated until the prompt is long enough to take the batched
# matrix-multiply path (where the AMX crash happened).
_PARAGRAPH = (
    "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base. "
    "The rockets were launched from a truck parked in a nearby village, hidden under bags of flour, "
    "according to a statement from the security forces, who said the launcher exploded afterwards. "
)


# Variant libraries with AMX tile kernels: never loaded, even where the kernel grants AMX. Measured
# on a Xeon VM that grants it (arch_prctl succeeds, and a hand-written ldtilecfg + tilezero runs):
# llama.cpp's AMX matrix kernels (llama-cpp-python 0.3.36) die with SIGILL at their first
# `tilezero`, the tile configuration never loaded (upstream PR ggml-org/llama.cpp#26954). A VM that
# advertises AMX without granting it dies the same way (issue 9). The build leaves this library out;
# a build with other flags may still hold it.
_AMX_VARIANTS = {"sapphirerapids"}
_VARIANT_PREFIX = "libggml-cpu-"


class UnsupportedCPU(RuntimeError):
    """The generator runtime cannot run on this machine (no CPU-backend library fits it)."""


def _llama_lib_dir() -> Path:
    import llama_cpp

    return Path(llama_cpp.__file__).parent / "lib"


def cpu_variants(lib_dir: Path | None = None) -> dict[str, Path]:
    """The CPU-backend variant libraries of a dispatching build, by name ({} for a single-library build)."""
    lib_dir = lib_dir or _llama_lib_dir()
    return {path.name[len(_VARIANT_PREFIX):].split(".")[0]: path
            for path in sorted(lib_dir.glob(f"{_VARIANT_PREFIX}*.so"))}


def choose_cpu_variant(variants: dict[str, Path]) -> tuple[str, Path] | None:
    """The best variant this CPU runs, by ggml's own score (each library's ``ggml_backend_score``:
    0 when the CPU lacks one of its instruction sets, higher for more of them), never an AMX one."""
    best, best_score = None, 0
    for name, path in variants.items():
        if name in _AMX_VARIANTS:
            continue
        library = ctypes.CDLL(str(path))
        library.ggml_backend_score.restype = ctypes.c_int
        score = library.ggml_backend_score()
        _ctypes.dlclose(library._handle)  # only scored here; ggml opens the chosen one itself
        if score > best_score:
            best, best_score = (name, path), score
    return best


# ggml's backend registry is process-wide, so what was loaded into it is recorded process-wide too.
_loaded_variant: str | None = None
_load_lock = threading.Lock()


def load_cpu_backend() -> str | None:
    """Register the best CPU backend with ggml before the first model loads; returns its variant
    name, or None for a build with one built-in CPU backend. Idempotent."""
    variants = cpu_variants()
    if not variants:
        return None
    with _load_lock:  # N generation workers may load their models at once
        return _load_best(variants)


def _load_best(variants: dict[str, Path]) -> str | None:
    global _loaded_variant
    libggml = _linked_libggml()
    libggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    if _loaded_variant is not None or libggml.ggml_backend_reg_count() > 0:
        return _loaded_variant
    chosen = choose_cpu_variant(variants)
    if chosen is None:
        raise UnsupportedCPU(f"none of the generator runtime's CPU libraries ({', '.join(variants)}) runs on this "
                            f"CPU; it needs at least AVX2. {REBUILD_HINT}")
    libggml.ggml_backend_load.restype = ctypes.c_void_p
    libggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    if not libggml.ggml_backend_load(str(chosen[1]).encode()):
        raise UnsupportedCPU(f"the generator runtime could not load {chosen[1]}. {REBUILD_HINT}")
    _loaded_variant = chosen[0]
    return _loaded_variant


def _linked_libggml() -> ctypes.CDLL:
    """The libggml that libllama is linked against. Wheels hold copies, not symlinks, so
    ``libggml.so`` (what ``llama_cpp._ggml`` opens) is another file than the ``libggml.so.0`` libllama
    loaded, with a backend registry of its own; a backend registered there is never seen."""
    import llama_cpp.llama_cpp  # noqa: F401  (loads libllama and, through it, libggml.so.N)

    linked = sorted(_llama_lib_dir().glob("libggml.so.[0-9]*"), key=lambda p: len(p.name))
    if not linked:
        raise UnsupportedCPU(f"no libggml.so.N beside libllama in {_llama_lib_dir()}. {REBUILD_HINT}")
    return ctypes.CDLL(str(linked[0]))  # the file libllama's dependency resolved to: the same library


def server_env() -> dict[str, str]:
    """Environment for a separate llama.cpp process (``python -m llama_cpp.server``): ggml there
    searches only the executable's folder and the working directory, so it is told which library to load."""
    env = dict(os.environ)
    variants = cpu_variants()
    if variants:
        chosen = choose_cpu_variant(variants)
        if chosen is not None:
            env["GGML_BACKEND_PATH"] = str(chosen[1])
    return env


@dataclass(frozen=True)
class RuntimeInfo:
    version: str
    features: dict[str, bool]  # CPU features the build uses, from llama.cpp's system info
    threads: int
    cpu_variant: str | None = None  # the CPU-backend library chosen at run time (None: one built in)

    def summary(self) -> str:
        used = [name for name, on in self.features.items() if on]
        variant = f" (CPU library: {self.cpu_variant})" if self.cpu_variant else ""
        return (f"llama-cpp-python {self.version}; CPU features: {' '.join(used) or 'baseline'}{variant}; "
                f"threads: {self.threads}")


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


def runtime_info(threads: int | None = None) -> RuntimeInfo:
    """The installed llama-cpp-python's version and the instruction sets compiled into it."""
    import llama_cpp

    variant = load_cpu_backend()
    raw = llama_cpp.llama_print_system_info()
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return RuntimeInfo(version=llama_cpp.__version__, features=parse_features(text),
                       threads=threads or default_threads(), cpu_variant=variant)


def parse_features(system_info: str) -> dict[str, bool]:
    """'CPU : SSE3 = 1 | AVX2 = 1 | AMX_INT8 = 0 | …' -> {'SSE3': True, 'AVX2': True, 'AMX_INT8': False}.
    Only instruction-set entries are kept (not LLAMAFILE, OPENMP, REPACK)."""
    features = {}
    for name, value in re.findall(r"([A-Z][A-Z0-9_]*)\s*=\s*(\d+)", system_info):
        if name in {"LLAMAFILE", "OPENMP", "REPACK", "KLEIDIAI", "ACCELERATE", "MATMUL_INT8"}:
            continue
        features[name] = value != "0"
    return features


def _long_prompt(llm, min_tokens: int) -> list[int]:
    text = _PARAGRAPH
    while len(llm.tokenize(text.encode())) < min_tokens:
        text += _PARAGRAPH
    return llm.tokenize(text.encode())


def measure(model_path: Path, threads: int, prompt_tokens: int = 320, decode_tokens: int = 32) -> dict:
    """Load the model, evaluate a long prompt, then decode greedily; returns counts and tokens/s.
    Runs in the calling process: call it through ``check()`` unless a crash is acceptable."""
    from llama_cpp import Llama

    load_cpu_backend()
    llm = Llama(model_path=str(model_path), n_ctx=2048, n_batch=512, n_threads=threads, seed=0, verbose=False)
    try:
        tokens = _long_prompt(llm, prompt_tokens)
        started, cpu = time.perf_counter(), time.process_time()
        llm.eval(tokens)
        prompt_s, prompt_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        generated = []
        for _ in range(decode_tokens):
            token = llm.sample(temp=0.0)
            generated.append(token)
            llm.eval([token])
        decode_s, decode_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        text = llm.detokenize(generated).decode("utf-8", "replace")
    finally:
        llm.close()
    # Per CPU-second too: on a shared machine wall time measures the other jobs as much as the build,
    # while CPU time (all of this process's threads) measures the instructions the build runs.
    return {"prompt_tokens": len(tokens), "prompt_tokens_per_s": round(len(tokens) / prompt_s, 1),
            "decode_tokens": len(generated), "decode_tokens_per_s": round(len(generated) / decode_s, 1),
            "prompt_tokens_per_cpu_s": round(len(tokens) / prompt_cpu_s, 1),
            "decode_tokens_per_cpu_s": round(len(generated) / decode_cpu_s, 1), "text": text}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    figures: dict | None = None


def check(model_path: Path | None = None, threads: int | None = None, timeout_s: float = 300.0) -> CheckResult:
    """Run ``measure`` in a subprocess; a crash (a signal) becomes a readable failure."""
    command = [sys.executable, "-m", "app.runtime", "measure", "--threads", str(threads or default_threads())]
    if model_path is not None:
        command += ["--model", str(model_path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return CheckResult(False, f"the generator runtime did not finish a {timeout_s:.0f} s smoke check")
    if done.returncode == 0:
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        return CheckResult(True, f"generator runtime OK: {figures['prompt_tokens']}-token prompt at "
                                 f"{figures['prompt_tokens_per_s']} tokens/s, decode "
                                 f"{figures['decode_tokens_per_s']} tokens/s", figures)
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return CheckResult(False, (
            f"the generator runtime crashed ({name}) on a long prompt. The usual cause is a llama.cpp build that "
            f"uses CPU instructions this machine advertises but does not allow (AMX tiles on some cloud VMs, or "
            f"AVX-512 from a build made on another CPU). {REBUILD_HINT}\n{tail}"))
    return CheckResult(False, f"the generator smoke check failed (exit {done.returncode}):\n{tail}")


def _packaged_model_path() -> Path:
    from app.config import Settings
    from app.modelfiles import packaged_gguf_path

    settings = Settings()
    return packaged_gguf_path(settings.llm.model, Path(settings.cache_dir))


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m app.runtime", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["check", "measure", "info", "backend"],
                        help="check: smoke-test in a subprocess; measure: run in this process, print JSON; "
                             "info: version and CPU features; backend: the CPU library this machine loads "
                             "(GGML_BACKEND_PATH for a separate llama_cpp.server)")
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the packaged default model)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.action == "info":
        print(runtime_info(args.threads).summary())
        return 0
    if args.action == "backend":
        print(server_env().get("GGML_BACKEND_PATH", ""))
        return 0
    if args.action == "measure":
        print(json.dumps(measure(args.model or _packaged_model_path(), args.threads or default_threads())))
        return 0
    print(f"Checking the generator runtime: {runtime_info(args.threads).summary()}", flush=True)
    result = check(args.model, args.threads)
    print(result.message if result.ok else f"error: {result.message}", file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

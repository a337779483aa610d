"""The generator runtime (llama-cpp-python): what it was built with, and a smoke check that it runs.

A llama.cpp build can compile in CPU instructions that the machine advertises but does not let a
process use (AMX tiles on some cloud VMs): the first matrix multiply of a real prompt then kills
the whole process with SIGSEGV/SIGILL, where no Python ``except`` can report it. So the check runs
the packaged model in a *subprocess* on a prompt of several hundred tokens (a one-token prompt
takes another code path and passes) and turns a crash into a message that says what to do.

    python -m app.runtime check    # used by `make install` and by the test suite, first
    python -m app.runtime bench    # prompt and decode tokens/s of the installed build (bench/)
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# How to get a working runtime when the check fails; the README's "Generator runtime" section says more.
REBUILD_HINT = (
    "Rebuild the runtime with portable flags: `rm -rf .wheels && make install` (the default flags turn AMX and "
    "AVX-512 off), or choose flags yourself: rm .venv/.installed; CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX2=ON ...\" "
    "make install. See README, 'Generator runtime'."
)
# A paragraph of news prose, repeated until the prompt is long enough to take the batched
# matrix-multiply path (where the AMX crash happened).
_PARAGRAPH = (
    "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base. "
    "The rockets were launched from a truck parked in a nearby village, hidden under bags of flour, "
    "according to a statement from the security forces, who said the launcher exploded afterwards. "
)


@dataclass(frozen=True)
class RuntimeInfo:
    version: str
    features: dict[str, bool]  # CPU features the build uses, from llama.cpp's system info
    threads: int

    def summary(self) -> str:
        used = [name for name, on in self.features.items() if on]
        return f"llama-cpp-python {self.version}; CPU features: {' '.join(used) or 'baseline'}; threads: {self.threads}"


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


def runtime_info(threads: int | None = None) -> RuntimeInfo:
    """The installed llama-cpp-python's version and the instruction sets compiled into it."""
    import llama_cpp

    raw = llama_cpp.llama_print_system_info()
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return RuntimeInfo(version=llama_cpp.__version__, features=parse_features(text),
                       threads=threads or default_threads())


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

    llm = Llama(model_path=str(model_path), n_ctx=2048, n_batch=512, n_threads=threads, seed=0, verbose=False)
    try:
        tokens = _long_prompt(llm, prompt_tokens)
        started = time.perf_counter()
        llm.eval(tokens)
        prompt_s = time.perf_counter() - started
        started = time.perf_counter()
        generated = []
        for _ in range(decode_tokens):
            token = llm.sample(temp=0.0)
            generated.append(token)
            llm.eval([token])
        decode_s = time.perf_counter() - started
        text = llm.detokenize(generated).decode("utf-8", "replace")
    finally:
        llm.close()
    return {"prompt_tokens": len(tokens), "prompt_tokens_per_s": round(len(tokens) / prompt_s, 1),
            "decode_tokens": len(generated), "decode_tokens_per_s": round(len(generated) / decode_s, 1),
            "text": text}


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
    parser.add_argument("action", choices=["check", "measure", "info"],
                        help="check: smoke-test in a subprocess; measure: run in this process, print JSON; "
                             "info: version and CPU features")
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the packaged default model)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.action == "info":
        print(runtime_info(args.threads).summary())
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

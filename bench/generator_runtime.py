"""Prompt and decode throughput of llama.cpp builds, side by side in one run (issue 9).

Each build is a folder holding an installed ``llama_cpp`` package (``pip install --target DIR wheel``);
"installed" is the one in this environment. Runs alternate between builds so that machine load
hits them alike; the table reports medians and each build's ratio to the first, per second of wall
time and per CPU-second (with one thread, CPU time counts the instructions the build executes,
whatever else the machine runs: the fair comparison on a shared machine).

    python -m bench.generator_runtime --build portable=PORTABLE_DIR --build native=NATIVE_DIR --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def measure_once(site: str | None, threads: int) -> dict:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-m", "app.runtime", "measure", "--threads", str(threads)],
                          capture_output=True, text=True, env=env, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    info = subprocess.run([sys.executable, "-m", "app.runtime", "info", "--threads", str(threads)],
                          capture_output=True, text=True, env=env, check=True).stdout.strip()
    return {**figures, "runtime": info}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="append", default=[], metavar="NAME=DIR",
                        help="a build to measure; default: the installed one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    builds = [tuple(b.split("=", 1)) for b in args.build] or [("installed", "")]
    samples: dict[str, list[dict]] = {name: [] for name, _ in builds}
    for run in range(args.runs):
        for name, site in builds:
            samples[name].append(measure_once(site or None, args.threads))
            print(f"run {run + 1}/{args.runs} {name}: {samples[name][-1]['prompt_tokens_per_s']} prompt t/s, "
                  f"{samples[name][-1]['decode_tokens_per_s']} decode t/s", file=sys.stderr)
    table = []
    for name, _ in builds:
        table.append({"build": name, "runtime": samples[name][0]["runtime"],
                      "prompt_tokens": samples[name][0]["prompt_tokens"],
                      "prompt_tokens_per_s": statistics.median(s["prompt_tokens_per_s"] for s in samples[name]),
                      "decode_tokens_per_s": statistics.median(s["decode_tokens_per_s"] for s in samples[name]),
                      "prompt_tokens_per_cpu_s": statistics.median(s["prompt_tokens_per_cpu_s"] for s in samples[name]),
                      "decode_tokens_per_cpu_s": statistics.median(s["decode_tokens_per_cpu_s"] for s in samples[name]),
                      "runs": args.runs, "threads": args.threads})
    first = table[0]
    for row in table:
        row["prompt_ratio"] = round(row["prompt_tokens_per_s"] / first["prompt_tokens_per_s"], 3)
        row["decode_ratio"] = round(row["decode_tokens_per_s"] / first["decode_tokens_per_s"], 3)
        row["prompt_cpu_ratio"] = round(row["prompt_tokens_per_cpu_s"] / first["prompt_tokens_per_cpu_s"], 3)
        row["decode_cpu_ratio"] = round(row["decode_tokens_per_cpu_s"] / first["decode_tokens_per_cpu_s"], 3)
    print(f"{'build':<12} {'prompt t/s':>11} {'ratio':>6} {'decode t/s':>11} {'ratio':>6} "
          f"{'prompt t/cpu-s':>15} {'ratio':>6} {'decode t/cpu-s':>15} {'ratio':>6}")
    for row in table:
        print(f"{row['build']:<12} {row['prompt_tokens_per_s']:>11.1f} {row['prompt_ratio']:>6.3f} "
              f"{row['decode_tokens_per_s']:>11.1f} {row['decode_ratio']:>6.3f} "
              f"{row['prompt_tokens_per_cpu_s']:>15.1f} {row['prompt_cpu_ratio']:>6.3f} "
              f"{row['decode_tokens_per_cpu_s']:>15.1f} {row['decode_cpu_ratio']:>6.3f}   {row['runtime']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "generator_runtime.json").write_text(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serving under load: 20 concurrent chat sessions against a real ``newsdesk serve``, at N = 1 and
more generation workers, in one run.

    .venv/bin/python -m bench.serving                      # workers 1 and 2, 20 sessions
    .venv/bin/python -m bench.serving --workers 1,2,3 --sessions 20

For each N a fresh server (``python -m app serve --workers N``, loopback, own index of the shipped
corpus, models loaded before the port opens) gets 20 sessions at once through ``POST /api/ask``.
Each session asks a question and then a second one with the history the first returned: 7 ask
about the rockets (14 hit, 24 launched), 7 about the spokesman and the missile, 6 ask two
questions the articles cannot answer (refused before the model runs). Every answer is checked.

Figures per N: throughput (model answers per minute of wall time), p50/p95 latency of answered
questions, p95 of refused ones, and the ratios to N = 1. Written to bench/results/serving.json.
Wall-clock figures depend on what else runs on the machine: compare the N's of one run (the
load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
FOURTEEN, LAUNCHED = r"\b(14|fourteen)\b", r"\b(24|twenty-four|two dozen)\b"
# (kind, question, what its answer must match or None for a refusal, follow-up, same for it)
SESSION_KINDS = [
    ("rockets", "How many rockets hit the base?", FOURTEEN, "How many rockets were launched?", LAUNCHED),
    ("spokesman", "Who is the Pentagon spokesman?", r"Kirby", "What was the missile hidden in?", r"flour"),
    ("off-topic", "What is the capital of France?", None, "Who painted the Mona Lisa?", None),
]


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0-100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workers: int, base: Path, threads: int | None) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(base / "index"), "NEWSDESK_DATA_DIR": str(base / "data"),
           "NEWSDESK_SERVER__RATE_LIMIT_PER_MINUTE": "0", "NEWSDESK_SERVER__MAX_STREAMS": "64",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    for key in ("NEWSDESK_SERVER__USERNAME", "NEWSDESK_SERVER__PASSWORD", "NEWSDESK_SERVER__API_TOKEN"):
        env.pop(key, None)
    if threads:
        env["NEWSDESK_LLM__N_THREADS"] = str(threads)
    log = base / f"server-{workers}.log"
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
                               cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return process, url, log
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check(answer: dict, expected: str | None) -> str | None:
    if expected is None:
        return None if answer["refused"] else f"expected a refusal, got {answer['text']!r}"
    if answer["refused"]:
        return f"refused ({answer['refusal_reason']})"
    if not answer["citations"]:
        return "no citation"
    return None if re.search(expected, answer["text"], re.IGNORECASE) else f"does not say /{expected}/: {answer['text']!r}"


def run_sessions(url: str, sessions: int) -> dict:
    records: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(sessions, timeout=60)

    def ask(client: httpx.Client, number: int, kind: str, turn: int, question: str, history: list, expected):
        started = time.perf_counter()
        response = client.post(f"{url}/api/ask", json={"question": question, "history": history}, timeout=1800)
        latency = time.perf_counter() - started
        answer = response.json() if response.status_code == 200 else None
        record = {"session": number, "kind": kind, "turn": turn, "question": question, "latency_s": round(latency, 3),
                  "status": response.status_code, "refused": answer["refused"] if answer else None,
                  "used_model": bool(answer and ("generation_s" in answer["timings"] or answer["standalone_question"])),
                  "server_total_s": answer["timings"].get("total_s") if answer else None,
                  "error": check(answer, expected) if answer else response.text[:300],
                  "text": answer["text"] if answer else None}
        with lock:
            records.append(record)
        return answer

    def session(number: int) -> None:
        kind, first, first_expected, second, second_expected = SESSION_KINDS[number % len(SESSION_KINDS)]
        with httpx.Client() as client:
            barrier.wait()
            answer = ask(client, number, kind, 1, first, [], first_expected)
            history = [{"role": "user", "content": first}, {"role": "assistant", "content": answer["text"]}] \
                if answer else []
            ask(client, number, kind, 2, second, history, second_expected)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for future in [pool.submit(session, n) for n in range(sessions)]:
            future.result()
    wall = time.perf_counter() - started
    answered = [r["latency_s"] for r in records if r["refused"] is False]
    refused = [r["latency_s"] for r in records if r["refused"] is True and not r["used_model"]]
    model_answers = sum(1 for r in records if r["used_model"])
    return {
        "requests": len(records), "errors": sum(1 for r in records if r["error"]), "wall_s": round(wall, 1),
        "answers_per_min": round(len(answered) / wall * 60, 2), "model_calls": model_answers,
        "answered": len(answered), "refused_without_model": len(refused),
        "answered_p50_s": _round(percentile(answered, 50)), "answered_p95_s": _round(percentile(answered, 95)),
        "refused_p50_s": _round(percentile(refused, 50)), "refused_p95_s": _round(percentile(refused, 95)),
        "refused_max_s": _round(max(refused) if refused else None),
        "records": sorted(records, key=lambda r: (r["session"], r["turn"])),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="generation workers to compare, comma-separated (first = base)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads in all (default: all cores)")
    parser.add_argument("--out", type=Path, default=RESULTS / "serving.json")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    runs = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-serving-") as tmp:
        for workers in counts:
            base = Path(tmp) / f"n{workers}"
            base.mkdir()
            process, url, log = start_server(workers, base, args.threads)
            try:
                httpx.post(f"{url}/api/ask", json={"question": "Who is the Pentagon spokesman?"}, timeout=600)  # warm-up
                load_before = os.getloadavg()[0]
                cpu_before = cpu_seconds(process.pid)
                result = run_sessions(url, args.sessions)
                cpu = cpu_seconds(process.pid) - cpu_before
                # How much CPU the server got: with every core it could use, this would be near the core count.
                result.update(server_cpu_s=round(cpu, 1), server_cores_used=round(cpu / result["wall_s"], 2),
                              cpu_s_per_model_call=round(cpu / max(1, result["model_calls"]), 2))
                result.update(workers=workers, load_avg_1m_before=round(load_before, 2),
                              load_avg_1m_after=round(os.getloadavg()[0], 2),
                              server_info=httpx.get(f"{url}/api/info").json())
            finally:
                process.terminate()
                process.wait(timeout=30)
            runs.append(result)
            print(f"N={workers}: {result['answers_per_min']} answers/min, answered p50 {result['answered_p50_s']} s "
                  f"p95 {result['answered_p95_s']} s, refused p95 {result['refused_p95_s']} s "
                  f"(max {result['refused_max_s']} s), {result['errors']} errors, wall {result['wall_s']} s, "
                  f"server CPU {result['server_cores_used']} cores ({result['cpu_s_per_model_call']} s per model call), "
                  f"load {result['load_avg_1m_before']}", flush=True)
    base = runs[0]
    for run in runs:
        run["throughput_vs_first"] = round(run["answers_per_min"] / base["answers_per_min"], 2)
        run["answered_p95_vs_first"] = round(run["answered_p95_s"] / base["answered_p95_s"], 2)
    report = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "sessions": args.sessions, "threads": args.threads, "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n| workers | answers/min | × N=1 | answered p50 | answered p95 | refused p95 | server CPU (cores) "
          "| CPU s per model call | load avg | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        print(f"| {run['workers']} | {run['answers_per_min']} | {run['throughput_vs_first']} | {run['answered_p50_s']} s "
              f"| {run['answered_p95_s']} s | {run['refused_p95_s']} s | {run['server_cores_used']} "
              f"| {run['cpu_s_per_model_call']} | {run['load_avg_1m_before']}–{run['load_avg_1m_after']} | {run['errors']} |")
    print(f"\n-> {args.out}")
    return 1 if any(run["errors"] for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

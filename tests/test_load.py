"""Load and memory, against the real components (real llama.cpp model; seconds per answer).

* ``test_concurrent_chat_sessions``: a real server (``start_server`` in conftest.py, loopback only)
  and 20 chat sessions at once through ``gradio_client``, one thread and one client each. Each
  session asks a seed question, then a second one with the history the first call returned. Every
  answer is checked; the p95 latency (queue wait included: llama.cpp answers one at a time) is
  printed and written to ``test-artifacts/load.json``.
* ``test_memory_is_stable_over_200_questions``: 200 questions in a row through ``app.api.ask`` over
  the seed index, one in eight (25) answered by the model, the rest refused before the model runs. RSS
  after a 20-question warm-up must not grow by more than 150 MB over the other 180; the samples go
  to ``test-artifacts/memory.json``.

Both are bounded: a fixed number of requests and an overall time limit.
Run: ``.venv/bin/python -m pytest tests/test_load.py -v -s``
"""

from __future__ import annotations

import gc
import json
import math
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest

from conftest import REPO, SEED_ID, start_server

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts"
SESSIONS = 20
LOAD_TIMEOUT_S = 1200  # the whole load test: 20 sessions x 2 questions; llama.cpp answers one at a time
MEMORY_QUESTIONS = 200
MEMORY_WARMUP = 20
# Every 8th memory question goes through the model: 25 of 200. (Every 5th, 40 of 200, took 759 s on
# the shared 2-core machine with others' jobs running - 19 s per model answer; this keeps it near 8 min.)
MODEL_EVERY = 8
MEMORY_GROWTH_LIMIT_MB = 150
MEMORY_TIMEOUT_S = 1200

FOURTEEN = r"\b(14|fourteen)\b"
LAUNCHED = r"\b(24|twenty-four|two dozen)\b"
# (kind, seed question, what its answer must say or None for a refusal, follow-up, same for it).
# The France follow-up is a real follow-up ("what about"): it is rewritten by the model with the
# history before retrieval, so rewriting runs under load too; the others are asked with the history.
SESSION_KINDS = [
    ("rockets", "How many rockets hit the base?", FOURTEEN, "How many rockets were launched?", LAUNCHED),
    ("spokesman", "Who is the Pentagon spokesman?", r"Kirby", "What was the missile hidden in?", r"flour"),
    ("off-topic", "What is the capital of France?", None, "And what about Germany?", None),
]
MODEL_QUESTIONS = [
    ("How many rockets hit the base?", FOURTEEN),
    ("Who is the Pentagon spokesman?", r"Kirby"),
    ("What was the missile hidden in?", r"flour"),
    ("How many rockets were launched?", LAUNCHED),
    ("Where is the Ain al-Asad base?", r"Anbar"),
]
OFF_TOPIC_QUESTIONS = [
    "What is the capital of France?", "How do I bake sourdough bread?", "Who won the 1998 FIFA World Cup?",
    "What is the boiling point of water at sea level?", "How many moons does Jupiter have?",
    "Who wrote Pride and Prejudice?", "What is the best way to learn the piano?",
    "What is the tallest mountain in Europe?", "How does photosynthesis work?",
    "What is the price of a Tesla Model 3?", "Which programming language is fastest?",
    "What time is sunset in Oslo in June?", "Who painted the Mona Lisa?", "What is the population of Canada?",
    "How do vaccines train the immune system?", "What is the recipe for a Victoria sponge cake?",
]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def write_artifact(name: str, data: dict) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def check_answer(text: str, details: dict, expected: str | None) -> str | None:
    """None if the answer is right, else what is wrong with it."""
    if expected is None:
        return None if details["refused"] and "don't say" in text else f"expected a refusal, got {text!r}"
    if details["refused"]:
        return f"refused ({details['refusal_reason']}): {text!r}"
    if not details["citations"] or "[1]" not in text:
        return f"no citation: {text!r}"
    if details["citations"][0]["article_id"] != SEED_ID:
        return f"cited {details['citations'][0]['article_id']}"
    return None if re.search(expected, text, re.IGNORECASE) else f"does not say /{expected}/: {text!r}"


# -- 20 concurrent sessions against the real server ------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory, "newsdesk-load") as running:
        assert running.url.startswith("http://127.0.0.1:")
        yield running


def test_concurrent_chat_sessions(server):
    from gradio_client import Client

    deadline = time.monotonic() + LOAD_TIMEOUT_S
    start_together = threading.Barrier(SESSIONS, timeout=120)
    records: list[dict] = []
    records_lock = threading.Lock()

    def timed_ask(client, session: int, kind: str, turn: int, question: str, history, expected):
        started = time.perf_counter()
        error = None
        text, details = "", {}
        try:
            text, details = client.submit(question, history, api_name="/ask") \
                .result(timeout=max(1.0, deadline - time.monotonic()))
            error = check_answer(text, details, expected)
        except Exception as err:  # recorded, and the test fails below
            error = f"{type(err).__name__}: {err}"
        record = {"session": session, "kind": kind, "turn": turn, "question": question,
                  "latency_s": round(time.perf_counter() - started, 3), "error": error, "answer": text,
                  "refused": details.get("refused"), "standalone_question": details.get("standalone_question"),
                  "history_messages": len(details.get("history") or []),
                  "server_total_s": (details.get("timings") or {}).get("total_s")}
        with records_lock:
            records.append(record)
        return text, details

    def session(number: int) -> None:
        kind, seed, seed_expected, follow_up, follow_expected = SESSION_KINDS[number % len(SESSION_KINDS)]
        client = Client(server.url, verbose=False, download_files=False)  # one client (session) per thread
        start_together.wait()
        _, details = timed_ask(client, number, kind, 1, seed, None, seed_expected)
        if details:
            timed_ask(client, number, kind, 2, follow_up, details["history"], follow_expected)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        futures = [pool.submit(session, n) for n in range(SESSIONS)]
        done, not_done = wait(futures, timeout=LOAD_TIMEOUT_S + 60)
        for future in not_done:
            future.cancel()
    wall = time.perf_counter() - started
    assert not not_done, f"{len(not_done)} sessions did not finish in {LOAD_TIMEOUT_S} s"
    for future in done:
        future.result()  # a failure outside timed_ask (client creation, barrier) fails here

    latencies = [r["latency_s"] for r in records]
    summary = {
        "sessions": SESSIONS, "requests": len(records), "errors": sum(1 for r in records if r["error"]),
        "wall_s": round(wall, 1), "p50_s": round(percentile(latencies, 50), 2),
        "p95_s": round(percentile(latencies, 95), 2), "max_s": round(max(latencies), 2),
        "mean_s": round(sum(latencies) / len(latencies), 2),
        "by_kind_p95_s": {kind: round(percentile([r["latency_s"] for r in records if r["kind"] == kind], 95), 2)
                          for kind, *_ in SESSION_KINDS},
        "note": "latency = client-side time per /ask call, queue wait included (llama.cpp generates one "
                "answer at a time)",
        "records": sorted(records, key=lambda r: (r["session"], r["turn"])),
    }
    path = write_artifact("load.json", summary)
    print(f"\nload: {SESSIONS} sessions, {len(records)} requests in {wall:.1f} s; latency p50 "
          f"{summary['p50_s']} s, p95 {summary['p95_s']} s, max {summary['max_s']} s; "
          f"{summary['errors']} errors -> {path}")

    errors = [f"session {r['session']} turn {r['turn']} {r['question']!r}: {r['error']}" for r in records if r["error"]]
    assert not errors, "\n".join(errors)
    assert len(records) == 2 * SESSIONS, f"{len(records)} of {2 * SESSIONS} requests were made"
    for r in records:
        if r["turn"] == 2:
            assert r["history_messages"] == 4, r  # the first turn's history came back and was used
            if r["kind"] == "off-topic":
                assert r["standalone_question"], f"the follow-up was not rewritten with the history: {r}"


# -- 200 questions through the Python API ----------------------------------------------------------------
def rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("cannot read the resident set size")


def memory_questions() -> list[tuple[str, str | None]]:
    questions = []
    for i in range(MEMORY_QUESTIONS):
        if i % MODEL_EVERY == 0:
            questions.append(MODEL_QUESTIONS[(i // MODEL_EVERY) % len(MODEL_QUESTIONS)])
        else:
            questions.append((OFF_TOPIC_QUESTIONS[i % len(OFF_TOPIC_QUESTIONS)], None))
    return questions


def test_memory_is_stable_over_200_questions(seed_settings):
    from app.api import ask
    from app.application import Newsdesk

    newsdesk = Newsdesk(seed_settings)  # one long-lived application, as a server or script holds it

    questions = memory_questions()
    deadline = time.monotonic() + MEMORY_TIMEOUT_S
    samples: list[dict] = []
    wrong: list[str] = []
    model_answers = 0
    model_seconds: list[float] = []
    baseline = None
    started = time.perf_counter()
    for i, (question, expected) in enumerate(questions, start=1):
        assert time.monotonic() < deadline, f"only {i - 1} of {len(questions)} questions in {MEMORY_TIMEOUT_S} s"
        answer = ask(question, newsdesk=newsdesk)
        if "generation_s" in answer.timings:
            model_answers += 1
            model_seconds.append(answer.timings["total_s"])
        if expected is None:
            if not answer.refused:
                wrong.append(f"{i}: {question!r} was answered: {answer.text!r}")
        elif answer.refused or not answer.citations or not re.search(expected, answer.text, re.IGNORECASE):
            wrong.append(f"{i}: {question!r} -> {answer.text!r} (refused={answer.refused})")
        if i == MEMORY_WARMUP or i % 20 == 0:
            gc.collect()
            rss = rss_mb()
            samples.append({"question": i, "rss_mb": round(rss, 1), "elapsed_s": round(time.perf_counter() - started, 1)})
            if i == MEMORY_WARMUP:
                baseline = rss
        del answer
    gc.collect()
    final = rss_mb()
    newsdesk.close()
    growth = final - baseline
    peak = max(s["rss_mb"] for s in samples)
    report = {
        "questions": len(questions), "model_answers": model_answers, "warmup": MEMORY_WARMUP,
        "rss_after_warmup_mb": round(baseline, 1), "rss_final_mb": round(final, 1), "growth_mb": round(growth, 1),
        "peak_sampled_mb": round(peak, 1), "limit_mb": MEMORY_GROWTH_LIMIT_MB,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "model_answer_mean_s": round(sum(model_seconds) / max(1, len(model_seconds)), 2),
        "samples": samples, "wrong": wrong,
    }
    path = write_artifact("memory.json", report)
    print(f"\nmemory: {len(questions)} questions ({model_answers} through the model) in {report['elapsed_s']} s; "
          f"RSS {baseline:.1f} MB after {MEMORY_WARMUP} -> {final:.1f} MB at the end "
          f"(growth {growth:+.1f} MB, limit {MEMORY_GROWTH_LIMIT_MB}) -> {path}")

    assert not wrong, "\n".join(wrong)
    assert model_answers >= len(questions) // MODEL_EVERY, model_answers
    assert growth <= MEMORY_GROWTH_LIMIT_MB, report

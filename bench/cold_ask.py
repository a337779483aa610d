"""`newsdesk ask` from a cold process: wall time to the printed answer, and where it goes.

    .venv/bin/python -m bench.cold_ask                  # 5 runs per question
    .venv/bin/python -m bench.cold_ask --runs 3 --before ../newsdesk-old   # and an older checkout, interleaved

Over an index of the shipped corpus per checkout (built first, not timed). One untimed run first fills what
any machine has after its first question (the ONNX export, the WordNet parse cache, the OS page
cache); then each question is asked ``--runs`` times, each in a fresh ``python -m app ask`` process.
Questions: one the checks answer without the generator, one that needs it (the model loads).
With ``--before DIR`` (another checkout, run with this one's virtual environment) each run of this
checkout is followed by one of that one, so the two compare under the same load.

The phase breakdown is measured in one more fresh process that does what ``ask`` does, step by
step: imports, the embedding models, Chroma, spaCy, WordNet, the answer. Written to
bench/results/cold-ask.json with the machine's load average: compare runs of one session.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
QUESTIONS = {
    "no generator": "How many rockets hit the base?",
    "generator": "What was the missile hidden in?",
}

_PHASES = r"""
import json, sys, time
marks, t0 = {}, time.perf_counter()
def mark(name):
    global t0
    now = time.perf_counter(); marks[name] = round(now - t0, 3); t0 = now
import app.cli; mark("import app.cli (typer, rich)")
from app.config import get_settings
from app.application import Newsdesk; mark("import the application (LangChain, spaCy, Chroma's client)")
newsdesk = Newsdesk(get_settings())
newsdesk.store.vectorstore; mark("index embedding model and Chroma opened")
newsdesk.pipeline.embeddings.embed_query("warm up"); mark("reading embedding model")
newsdesk.pipeline.nlp; mark("spaCy pipeline loaded")
newsdesk.pipeline.lexicon.knows("rocket"); mark("WordNet (nltk import and parse or its cache)")
answer = newsdesk.ask(sys.argv[1]); mark("the answer (retrieval, checks; the generator when asked)")
print(json.dumps({"marks": marks, "used_generator": answer.raw_answer is not None}))
"""


def _env(index: Path) -> dict:
    return {**os.environ, "NEWSDESK_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1"}


def _ask(question: str, index: Path, checkout: Path = REPO) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app", "ask", question], cwd=checkout, env=_env(index),
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"newsdesk ask failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall


def run(runs: int, before: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-cold-ask-") as folder:
        checkouts = [REPO] + ([before] if before else [])
        indexes = {checkout: Path(folder) / f"index-{n}" for n, checkout in enumerate(checkouts)}
        for checkout, index in indexes.items():  # each checkout's own default index of the shipped corpus
            subprocess.run([sys.executable, "-m", "app", "ingest", str(REPO / "corpus")], cwd=checkout,
                           env=_env(index), check=True, capture_output=True)
        for question in QUESTIONS.values():
            for checkout in checkouts:
                _ask(question, indexes[checkout], checkout)  # untimed: fills the caches of a first question
        result = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "load_average": os.getloadavg(), "runs": runs, "before": str(before) if before else None,
                  "questions": {}}
        for kind, question in QUESTIONS.items():
            walls: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
            for _ in range(runs):
                for checkout in checkouts:
                    walls[checkout].append(round(_ask(question, indexes[checkout], checkout), 2))
            phases = subprocess.run([sys.executable, "-c", _PHASES, question], cwd=REPO, env=_env(indexes[REPO]),
                                    capture_output=True, text=True, check=True)
            entry = result["questions"][kind] = {"question": question, "wall_s": walls[REPO],
                                                 "median_s": round(statistics.median(walls[REPO]), 2),
                                                 **json.loads(phases.stdout.strip().splitlines()[-1])}
            if before:
                entry["before_wall_s"] = walls[before]
                entry["before_median_s"] = round(statistics.median(walls[before]), 2)
        result["load_average_after"] = os.getloadavg()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="`newsdesk ask` from a cold process (docs/benchmarks.md).")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per question")
    parser.add_argument("--out", type=Path, default=RESULTS / "cold-ask.json")
    parser.add_argument("--before", type=Path, help="another checkout to time the same way, interleaved")
    args = parser.parse_args(argv)
    result = run(args.runs, args.before.resolve() if args.before else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    for kind, entry in result["questions"].items():
        print(f"{kind}: median {entry['median_s']} s of {entry['wall_s']} (generator used: {entry['used_generator']})")
        if "before_median_s" in entry:
            print(f"    before: median {entry['before_median_s']} s of {entry['before_wall_s']}")
        for phase, seconds in entry["marks"].items():
            print(f"    {seconds:6.2f} s  {phase}")
    print(f"load average {result['load_average']} -> {result['load_average_after']}; written to {args.out}")


if __name__ == "__main__":
    main()

"""`newsdesk eval`: run a question set through the product and report how well it did.

Registered in app/cli.py with ``app.command("eval")(eval_command)``. Module-level imports stay
light (typer, pathlib, typing); everything heavy is imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def eval_command(
    questions: Annotated[Optional[Path], typer.Argument(
        help="question set: YAML (tests/questions/*.yaml format) or QuAIL JSONL")] = None,
    corpus: Annotated[Optional[Path], typer.Option(
        help="articles to answer from, indexed into a separate cached eval index "
             "(default: the corpus folder; for QuAIL, the articles.jsonl beside the questions)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="folder for report.json/.md/.html (default: eval-runs/<timestamp>)")] = None,
    backend: Annotated[Optional[str], typer.Option(help="llamacpp | ollama | openai")] = None,
    model: Annotated[Optional[str], typer.Option(help="model name, packaged key or GGUF path")] = None,
    mode: Annotated[Optional[str], typer.Option(help="retrieval: hybrid | dense | bm25")] = None,
    top_k: Annotated[Optional[int], typer.Option("--top-k", help="passages per question (and k of recall@k)")] = None,
    types: Annotated[Optional[list[str]], typer.Option(
        "--types", help="QuAIL question types, comma-separated or repeated "
                        "(default: Factual,Character_identity,Temporal_order,Unanswerable; 'all' for every type)")] = None,
    limit: Annotated[Optional[int], typer.Option(help="only the first N questions")] = None,
    split: Annotated[str, typer.Option(
        "--split", help="dev | test | all: the development half, the held-out half, or both "
                        "(each item's `split`, else a stable hash of its id)")] = "all",
    compare: Annotated[Optional[tuple[Path, Path]], typer.Option(
        "--compare", help="compare two runs (report.json files or run folders) instead of running: --compare A B")] = None,
    judge_backend: Annotated[Optional[str], typer.Option(
        "--judge-backend", help="LLM judge for faithfulness: llamacpp | ollama | openai "
                                "(default: NEWSDESK_JUDGE__BACKEND; none = skipped)")] = None,
    judge_model: Annotated[Optional[str], typer.Option("--judge-model", help="the judge's model")] = None,
    judge_base_url: Annotated[Optional[str], typer.Option("--judge-base-url", help="the judge's server URL")] = None,
    fail_under: Annotated[Optional[float], typer.Option(
        "--fail-under", help="exit with status 1 when answer accuracy is below this fraction (0..1)")] = None,
    retrieval_only: Annotated[bool, typer.Option(
        "--retrieval-only", help="only recall@k and MRR of dense, BM25 and hybrid retrieval (no generator)")] = False,
    reply_cache: Annotated[Optional[Path], typer.Option(
        "--reply-cache", help="a SQLite file of the generator's replies by prompt (LangChain's cache): a rerun "
                              "after a change that leaves the prompts alone replays them (temperature 0, fixed "
                              "seed: the same replies) instead of generating")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log what happens")] = False,
) -> None:
    """Evaluate answers, retrieval, citations, refusals and latency on a question set."""
    import importlib
    import logging
    import warnings
    from datetime import datetime

    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)
    out_console = Console()
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "chromadb", "sentence_transformers", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        warnings.filterwarnings("ignore")

    def fail(message: str, code: int = 1) -> None:
        console.print(f"[bold red]error:[/] {escape(message)}")
        raise typer.Exit(code)

    if compare:
        from app.evaluation.compare import compare_reports, load_report, print_comparison

        try:
            before, after = load_report(compare[0]), load_report(compare[1])
        except (FileNotFoundError, ValueError) as err:
            fail(str(err), 2)
        print_comparison(compare_reports(before, after), out_console)
        return
    if questions is None:
        fail("give a question file (e.g. tests/questions/seed.yaml), or --compare A B", 2)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.config import apply_options, get_settings
    from app.evaluation.questions import QuestionSetError, is_quail_file, load_questions
    from app.evaluation.runner import default_corpus, run_eval
    from app.store import StoreError

    importlib.import_module("app.retrieval")  # imports bm25s, which sets its own logger to DEBUG
    logging.getLogger("bm25s").setLevel(logging.INFO if verbose else logging.WARNING)

    try:
        settings = apply_options(get_settings(), backend=backend, model=model, mode=mode, top_k=top_k,
                                 judge_backend=judge_backend, judge_model=judge_model, judge_base_url=judge_base_url)
    except Exception as err:  # SettingsError (newsdesk.toml, NEWSDESK_*) or a bad --mode or --top-k
        details = getattr(err, "errors", None)
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in details()) if details else str(err)
        fail(f"invalid option: {reasons}", 2)
    try:
        if split not in ("dev", "test", "all"):
            raise QuestionSetError("--split", [f"unknown split {split!r}; use dev, test or all"])
        items = load_questions(questions, types=types, limit=limit, split=split)
    except QuestionSetError as err:
        fail(str(err), 2)
    if types and not is_quail_file(questions):
        console.print("[yellow]note:[/] --types applies to QuAIL files only; ignored")
    if reply_cache is not None:
        from langchain_community.cache import SQLiteCache
        from langchain_core.globals import set_llm_cache

        reply_cache.parent.mkdir(parents=True, exist_ok=True)
        set_llm_cache(SQLiteCache(database_path=str(reply_cache)))
    corpus = corpus or default_corpus(questions, settings)
    if not corpus.exists():
        fail(f"no such corpus file or folder: {corpus}", 2)
    out_dir = out or Path("eval-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    judge = settings.judge if settings.judge.backend else False

    if retrieval_only:
        import json

        from rich.table import Table

        from app.evaluation.retrieval_modes import compare_modes

        results = compare_modes(items, settings, corpus=corpus)  # the chosen split and --limit only
        table = Table(title=f"retrieval on {questions.name} (split {split})")
        for column in ("mode", "recall@k", "MRR", "turns", "k", "p50 ms"):
            table.add_column(column)
        for name, row in results.items():
            table.add_row(name, f"{row['recall_at_k']:.1%}", f"{row['mrr']:.3f}", str(row["n"]), str(row["k"]),
                          str(row["latency_ms_p50"]))
        out_console.print(table)
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / "retrieval.json").write_text(json.dumps(results, indent=2))
        return

    total_turns = sum(2 if q.follow_up else 1 for q in items)
    console.print(escape(f"evaluating {len(items)} questions ({total_turns} turns, split {split}) "
                         f"from {questions} over {corpus}"))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("preparing the eval index", total=None)
        last = {"done": -1}

        def progress(done: int, total: int, message: str) -> None:
            message = message if len(message) <= 70 else message[:69] + "…"
            bar.update(task, completed=done, total=total or None, description=escape(message))
            if not console.is_terminal and total and done != last["done"] and message.endswith("done"):
                console.print(escape(f"[{done}/{total}] {message}"), highlight=False)
            last["done"] = done

        try:
            result = run_eval(items, settings, corpus=corpus, out_dir=out_dir, judge=judge, progress=progress,
                              source=str(questions), types=types, split=split)
        except (StoreError, FileNotFoundError, ValueError) as err:
            fail(str(err))
    print_summary(result.to_dict(), out_console)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    out_console.print(escape(f"reports: {result.files['json']}  {result.files['md']}  {result.files['html']}"))
    accuracy = result.summary.get("accuracy")
    if fail_under is not None and (accuracy is None or accuracy < fail_under):
        fail(f"accuracy {accuracy if accuracy is not None else 'n/a'} is below --fail-under {fail_under}")


def print_summary(data: dict, console) -> None:
    """The summary table: overall, per kind, first vs follow-up turns, and per split (about 80 columns)."""
    from rich.table import Table

    from app.evaluation.report import KIND_COLUMNS, SHORT, fmt

    summary = data["summary"]
    split = data.get("config", {}).get("split") or "all"
    table = Table(title=f"{summary.get('n_turns')} turns (split {split}): {summary.get('n_correct')} correct, "
                        f"{summary.get('n_wrong')} wrong, {summary.get('n_refused')} refused, "
                        f"{summary.get('n_errors')} errors",
                  box=None, padding=(0, 1, 0, 0), pad_edge=False, header_style="bold underline")
    # F1, MRR and citation recall are in the reports; the terminal table stays within 80 columns.
    columns = [key for key in KIND_COLUMNS if key not in ("f1", "mrr", "citation_recall")]
    table.add_column("kind", no_wrap=True)
    table.add_column("n", justify="right")
    for key in columns:
        table.add_column(SHORT[key].replace(" s", "").replace("false ref", "f.ref"), justify="right", no_wrap=True)

    def cells(part: dict) -> list[str]:
        values = []
        for key in columns:
            value = part.get(key)
            values.append("–" if value is None else f"{value:.1f}" if key.endswith("_s") else f"{value:.0%}")
        return values

    sections = [[("all", summary)], list(summary.get("per_kind", {}).items()),
                [({"first": "first turns", "follow_up": "follow-ups"}.get(name, name), part)
                 for name, part in summary.get("per_turn", {}).items()],
                [(f"split {name}", part) for name, part in summary.get("per_split", {}).items()]]
    sections = [rows for rows in sections if rows]
    for number, rows in enumerate(sections):
        for position, (name, part) in enumerate(rows):
            table.add_row(name, str(part.get("n_turns", "")), *cells(part),
                          end_section=position == len(rows) - 1 and number < len(sections) - 1)
    console.print(table)
    console.print("wrong: answered but not correct, share of turns; truth: (correct - wrong) / turns; "
                  "p50/p95: total seconds per turn; cit P: citation precision; "
                  "ref P/R: refusal precision/recall; f.ref: false-refusal rate", style="dim")
    if summary.get("faithfulness") is not None:
        console.print(f"faithfulness (judge): {fmt('faithfulness', summary['faithfulness'])}")

"""The `newsdesk` command line: ingest, ask, info, articles, reindex, remove, watch, serve, eval."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from app.evaluation.cli import eval_command  # light: heavy imports happen inside the command

app = typer.Typer(
    help="Newsdesk: ask questions about news articles and get answers cited to the exact sentence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


def _settings(**options):
    """The settings with the command's options applied (names from ``config.OPTIONS``)."""
    from pydantic import ValidationError

    from app.config import SettingsError, apply_options, get_settings

    try:
        return apply_options(get_settings(), **options)
    except SettingsError as err:  # newsdesk.toml or NEWSDESK_* names an unknown key, or a bad value
        _fail(str(err), 2)
    except ValidationError as err:  # a bad --mode, --top-k, ...
        _fail("invalid option: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()), 2)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "chromadb", "sentence_transformers", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore")


IndexOpt = Annotated[Optional[Path], typer.Option("--index-dir", help="index folder (default: ./index)")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="log what happens")]


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(
        help="files or folders (.txt .md .html .json .jsonl), RSS/Atom feed URLs or article page URLs")],
    index_dir: IndexOpt = None,
    no_prune: Annotated[bool, typer.Option("--no-prune", help="keep articles whose source file is gone")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Add or update articles in the index. Unchanged articles are skipped; deleted files' articles removed.

    A feed URL brings in every page it lists; pages are stored under the data folder (raw and
    extracted), so re-indexing never needs the network.
    """
    _setup_logging(verbose)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.sources.fetch import is_url
    from app.sources.web import ingest_sources as run_ingest
    from app.store import StoreError

    missing = [p for p in paths if not is_url(p) and not Path(p).exists()]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    settings = _settings(index_dir=index_dir)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=as_json or not console.is_terminal) as bar:
        task = bar.add_task("reading articles", total=None)

        def progress(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total or None, description=message)
            if not console.is_terminal and not as_json and total:
                console.print(message)

        try:
            report = run_ingest(paths, settings, progress=progress, prune=not no_prune)
        except StoreError as err:
            _fail(str(err))
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        for problem in report.failed:
            console.print(f"[yellow]skipped[/] {problem.origin}: {problem.reason}")
        out.print(f"ingest: {report.summary()}")
    if report.failed and not (report.added or report.updated or report.skipped):
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in quotes")],
    as_json: Annotated[bool, typer.Option("--json", help="print the answer (AnswerResponse) as JSON")] = False,
    top_k: Annotated[Optional[int], typer.Option(help="passages to give the model")] = None,
    backend: Annotated[Optional[str], typer.Option(help="llamacpp | ollama | openai")] = None,
    model: Annotated[Optional[str], typer.Option(help="model name, packaged key or GGUF path")] = None,
    mode: Annotated[Optional[str], typer.Option(help="retrieval: hybrid | dense | bm25")] = None,
    source: Annotated[Optional[list[str]], typer.Option(help="only articles from this source")] = None,
    date_from: Annotated[Optional[str], typer.Option(help="only articles dated on/after YYYY-MM-DD")] = None,
    date_to: Annotated[Optional[str], typer.Option(help="only articles dated on/before YYYY-MM-DD")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="the day the question is asked, YYYY-MM-DD (default today): "
                                                      "'now', 'this week', 'so far' mean up to it")] = None,
    index_dir: IndexOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Answer a question from the indexed articles (the shipped corpus is indexed on first use)."""
    _setup_logging(verbose)
    from app.answering import QuestionError, final_answer
    from app.application import Newsdesk
    from app.retrieval import FilterError
    from app.store import StoreError

    newsdesk = Newsdesk(_settings(index_dir=index_dir, top_k=top_k, backend=backend, model=model, mode=mode))
    try:
        answer = final_answer(newsdesk.stream(question, sources=source, date_from=date_from, date_to=date_to,
                                              as_of=as_of))
    except (QuestionError, FilterError) as err:
        _fail(str(err), 2)
    except (StoreError, FileNotFoundError, RuntimeError) as err:
        _fail(str(err))
    if as_json:
        out.print_json(answer.response().model_dump_json())
        return
    out.print(answer.text, highlight=False)
    if answer.citations:
        out.print()
        for citation in answer.citations:
            dates = [d for d in (citation.date, *citation.date_notes) if d]  # "2021-07-08; Tuesday = 6 July 2021"
            where = f" ({'; '.join(dates)})" if dates else ""
            out.print(f"[bold][{citation.number}][/] {citation.title}{where}", highlight=False)
            out.print(f"    > {citation.span.text}", highlight=False)
            if citation.also_in:
                outlets = ", ".join(c.source or c.title for c in citation.also_in)
                out.print(f"    [dim]also carried by: {outlets}[/]", highlight=False)
            out.print(f"    [dim]{citation.article_id}, characters {citation.span.start}-{citation.span.end}"
                      f"{' · ' + citation.url if citation.url else ''}[/]", highlight=False)
    elif answer.refused and answer.passages:
        out.print("\n[dim]Closest passages:[/]")
        for passage in answer.passages[:3]:
            out.print(f"  [dim]- {passage.title}: {passage.text[:160]}…[/]", highlight=False)


def info_data(settings) -> dict:
    """What `newsdesk info` shows, as data: the index and the models in use (one key per line)."""
    from app.llm import model_label
    from app.store import Store

    store = Store(settings)
    try:
        counts = store.counts()
        built_with, embedding_model = store.get_meta("embedding_model"), store.embedding_model()
    finally:
        store.close()
    data = {
        "index_dir": str(settings.index_dir), "chroma_url": settings.chroma_url,
        "articles": counts["articles"], "chunks": counts["chunks"],
        "embedding_model": embedding_model, "index_built_with": built_with,
        "reading_embeddings": f"{settings.embedding.reading_backend} (ranks sentences for answers)",
        "generator": model_label(settings.llm), "retrieval": settings.retrieval.model_dump(),
        "chunking": settings.chunking.model_dump(),
    }
    if settings.llm.backend == "llamacpp":
        from app.runtime import runtime_info

        runtime = runtime_info(settings.llm.n_threads)
        data["generator_runtime"] = {"llama_cpp_python": runtime.version, "threads": runtime.threads,
                                     "cpu_features": [name for name, on in runtime.features.items() if on],
                                     "cpu_library": runtime.cpu_variant or "built in"}
    return data


@app.command()
def info(index_dir: IndexOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show what is indexed and which models are in use."""
    _setup_logging(False)
    from app.store import StoreError

    try:
        data = info_data(_settings(index_dir=index_dir))
    except StoreError as err:
        _fail(str(err))
    if as_json:
        out.print_json(json.dumps(data))
        return
    table = Table(show_header=False, box=None)
    for key, value in data.items():
        if key == "generator_runtime":
            value = (f"llama-cpp-python {value['llama_cpp_python']}, {value['threads']} threads, "
                     f"CPU features: {' '.join(value['cpu_features'])} (CPU library: {value['cpu_library']})")
        table.add_row(key, str(value))
    out.print(table)


@app.command()
def reindex(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="sources to rebuild from (default: the corpus folder and the recorded sources)")] = None,
    index_dir: IndexOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Rebuild the index from scratch (after a corrupt index or an embedding-model change)."""
    _setup_logging(verbose)
    from app.ingest import ingest as run_ingest
    from app.store import Store, StoreError

    settings = _settings(index_dir=index_dir)
    sources = list(paths or [])
    if not sources:
        try:  # re-read from wherever the articles came from, if the old index can still tell us
            roots = {row["root"] for row in Store(settings).article_rows() if row["root"]}
            sources = [Path(r) for r in sorted(roots) if Path(r).exists()]
        except StoreError:
            pass
        sources = sources or [Path(settings.corpus_dir)]
    if not yes and sys.stdin.isatty():
        typer.confirm(f"Delete {settings.index_dir} and rebuild it from {', '.join(map(str, sources))}?", abort=True)
    index = Path(settings.index_dir)
    if index.exists():
        for child in index.iterdir():
            if child.name != "README.md":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    try:
        report = run_ingest(sources, settings)
    except (StoreError, FileNotFoundError) as err:
        _fail(str(err))
    out.print(f"reindex: {report.summary()}")


@app.command()
def remove(article_ids: Annotated[list[str], typer.Argument(help="article ids (see `newsdesk articles`)")],
           index_dir: IndexOpt = None) -> None:
    """Remove articles from the index (and uploaded files left with no article)."""
    _setup_logging(False)
    from app.corpus import Corpus
    from app.store import Store

    settings = _settings(index_dir=index_dir)
    corpus = Corpus(settings, Store(settings))
    known = {row[0] for row in corpus.list()}
    unknown = [a for a in article_ids if a not in known]
    if unknown:
        _fail(f"not in the index: {', '.join(unknown)}")
    result = corpus.delete(article_ids)
    out.print(f"removed {len(result.deleted)} article(s), {result.chunks} chunk(s)")
    for note in result.notes:
        console.print(f"note: {note}")


@app.command()
def articles(query: Annotated[str, typer.Argument(help="only ids, titles, sources or dates containing this")] = "",
             index_dir: IndexOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the indexed articles."""
    _setup_logging(False)
    from app.corpus import ARTICLE_COLUMNS, Corpus
    from app.store import Store

    settings = _settings(index_dir=index_dir)
    rows = Corpus(settings, Store(settings)).list(query)
    if as_json:
        out.print_json(json.dumps([dict(zip(ARTICLE_COLUMNS, row)) for row in rows]))
        return
    table = Table(*ARTICLE_COLUMNS)
    for row in rows:
        table.add_row(*map(str, row))
    out.print(table)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[Optional[int], typer.Option(help="port (default 7860)")] = None,
    workers: Annotated[Optional[int], typer.Option(help="answers generated at once (llama.cpp: model instances)")] = None,
    index_dir: IndexOpt = None,
    watch: Annotated[Optional[list[str]], typer.Option(
        "--watch", help="follow this feed in the background (repeatable; also NEWSDESK_WATCH__FEEDS)")] = None,
    every: Annotated[Optional[str], typer.Option("--every", help="poll interval for --watch (default 15m)")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the chat web UI, the REST API (/api, docs at /docs) and the OpenAI-compatible API (/v1).
    Indexes the shipped corpus first if the index is empty."""
    _setup_logging(verbose)
    from app.service import serve as run_service

    try:
        run_service(_settings(index_dir=index_dir, host=host, port=port, workers=workers, watch=watch or None,
                              every=every))
    except ValueError as err:
        _fail(str(err), 2)


@app.command()
def watch(
    feeds: Annotated[list[str], typer.Argument(help="RSS/Atom feed URLs")],
    every: Annotated[str, typer.Option("--every", help="poll interval: 30s, 15m, 1h")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="poll each feed once and exit")] = False,
    index_dir: IndexOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Follow feeds: poll each one (ETag/Last-Modified), index what is new or changed, one line per poll."""
    _setup_logging(verbose)
    from app.sources.fetch import is_url
    from app.sources.watch import Watcher, parse_interval

    bad = [f for f in feeds if not is_url(f)]
    if bad:
        _fail(f"not a feed URL (http:// or https://): {', '.join(bad)}", 2)
    try:
        interval = parse_interval(every)
    except ValueError as err:
        _fail(str(err), 2)
    # One unwrapped line per poll on stdout (a log, not a rich table).
    watcher = Watcher(feeds, _settings(index_dir=index_dir), interval, log_line=lambda line: print(line, flush=True))
    try:
        watcher.run(polls=1 if once else None)
    except KeyboardInterrupt:
        console.print("stopped")


app.command("eval")(eval_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

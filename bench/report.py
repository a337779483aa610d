"""The tables ``bench.run`` prints from a results JSON."""

from __future__ import annotations


def render(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # a file or a pipe: do not squeeze the tables into 80 columns
        console = Console(width=220)
    machine = results.get("machine", {})
    console.print(f"[bold]Machine[/]: {machine.get('cpu_model')} · {machine.get('nproc')} cores · "
                  f"{machine.get('ram_gb')} GB RAM · load average at start {machine.get('loadavg')}")

    encode = results.get("encode")
    if encode and "backends" in encode:
        table = Table(title=f"Raw encode throughput, {encode['chunks']} chunks, best of {encode['rounds']} interleaved rounds")
        for column in ("backend", "chunks/s (best)", "chunks/s (median)", "chunks per CPU-s", "vs torch (best)",
                       "vs torch (CPU)", "cosine to torch min / mean", "load s"):
            table.add_column(column, justify="right")
        for name, b in encode["backends"].items():
            table.add_row(name, f"{b['best_per_s']:.1f}", f"{b['median_per_s']:.1f}", f"{b['per_cpu_s']:.1f}",
                          f"{b['speedup_best']:.2f}x", f"{b['speedup_cpu']:.2f}x",
                          f"{b['cosine_to_torch_min']:.4f} / {b['cosine_to_torch_mean']:.4f}", f"{b['load_s']:.1f}")
        console.print(table)

    pipeline = results.get("pipeline")
    if pipeline and "ratio_wall" in pipeline:
        table = Table(title=f"Ingest pipeline vs raw encode, {pipeline['chunks']} chunks ({pipeline['backend']})")
        for column in ("", "chunks/s", "chunks per CPU-s"):
            table.add_column(column, justify="right")
        table.add_row("raw encode (mean of 2 runs)", f"{pipeline['raw']['per_s']:.1f}", f"{pipeline['raw']['per_cpu_s']:.1f}")
        table.add_row("app.ingest.ingest", f"{pipeline['pipeline']['per_s']:.1f}", f"{pipeline['pipeline']['per_cpu_s']:.1f}")
        table.add_row("[bold]ratio[/]", f"[bold]{pipeline['ratio_wall']:.2f}x[/]", f"{pipeline['ratio_cpu']:.2f}x")
        console.print(table)
        parts = pipeline["pipeline"]["parts_s"]
        console.print("  ingest time by part (s): " + ", ".join(f"{k} {v}" for k, v in parts.items())
                      + f"; model load {pipeline['pipeline']['model_load_s']} s (not counted)")

    sizes = results.get("sizes") or {}
    if sizes:
        table = Table(title="By corpus size")
        for column in ("chunks", "index / query backend", "build s (chunks/s)", "cold 1st query s", "BM25 build s",
                       "retrieve p50 / p95 ms", "embed / dense / bm25 p50 ms", "filtered p50 ms",
                       "BM25 rebuilds in queries",
                       "1st token p50 / p95 s", "answer total p50 / p95 s", "peak RSS MB (retrieval / +LLM)",
                       "index MB"):
            table.add_column(column, justify="right")
        for size, entry in sizes.items():
            lat = entry.get("latency") or {}
            build = entry.get("build") or {}
            if "retrieval" not in lat:
                table.add_row(size, build.get("backend", "?"), f"{build.get('build_s')} ({build.get('build_per_s')})",
                              lat.get("skipped") or lat.get("error") or "-", *[""] * 9)
                continue
            r = lat["retrieval"]
            p = r["parts_p50_ms"]
            ans = lat.get("answers") or {}

            def fmt(x, spec=".2f"):
                return "-" if x is None else format(x, spec)

            table.add_row(
                size, f"{lat['backend']} / {lat.get('query_backend', lat['backend'])}",
                f"{build.get('build_s')} ({build.get('build_per_s')})",
                fmt(lat["cold_first_query_s"]), fmt(lat["bm25_build_s"]),
                f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}",
                f"{p['embed_query']:.1f} / {p['dense_search']:.1f} / {p['bm25']:.1f}",
                fmt(r.get("filtered_date_from_p50_ms"), ".1f"), str(r["bm25_builds_during_queries"]),
                f"{fmt(ans.get('first_token_p50_s'))} / {fmt(ans.get('first_token_p95_s'))}" if ans else "-",
                f"{fmt(ans.get('total_p50_s'))} / {fmt(ans.get('total_p95_s'))}" if ans else "-",
                f"{lat['peak_rss_retrieval_mb']:.0f} / {fmt(lat.get('peak_rss_with_answers_mb'), '.0f')}",
                f"{lat['index']['total_mb']:.1f}",
            )
        console.print(table)

    recall = results.get("recall")
    if recall and "seed" in recall:
        table = Table(title="Recall@5 (a hit: a gold evidence string inside a retrieved passage)")
        for column in ("question set", "backend", "hybrid", "dense only", "index build s"):
            table.add_column(column, justify="right")
        for name, entry in recall.items():
            if not isinstance(entry, dict) or "backends" not in entry:
                continue
            for backend, b in entry["backends"].items():
                table.add_row(f"{name} ({entry['questions']})", backend, f"{b['hybrid']['recall_at_5']:.1f}",
                              f"{b['dense']['recall_at_5']:.1f}", f"{b['build']['seconds']}")
            mixed = entry.get("mixed_int8_query_on_float_index")
            if mixed:
                table.add_row(f"{name} ({entry['questions']})", "int8 query / float index (diagnostic)",
                              f"{mixed['hybrid']['recall_at_5']:.1f}", f"{mixed['dense']['recall_at_5']:.1f}", "")
        console.print(table)

    for size, scale in (results.get("recall_scale") or {}).items():
        if "sets" not in scale:
            console.print(f"recall over a {size}-chunk archive: {scale.get('skipped')}")
            continue
        table = Table(title=f"Recall@5 alone and inside a real {scale['chunks']:,}-chunk archive ({scale['backend']})")
        for column in ("question set", "hybrid alone", "hybrid in archive", "dense alone", "dense in archive"):
            table.add_column(column, justify="right")
        for name, entry in scale["sets"].items():
            alone, archive = entry["alone"], entry["in_archive"]
            table.add_row(f"{name} ({entry['questions']})", f"{alone['hybrid']['recall_at_5']:.1f}",
                          f"{archive['hybrid']['recall_at_5']:.1f}", f"{alone['dense']['recall_at_5']:.1f}",
                          f"{archive['dense']['recall_at_5']:.1f}")
        console.print(table)

"""Reports of an evaluation run: report.json (everything), report.md (tables), report.html
(one self-contained page: tables, inline SVG charts, every turn with its answer and citations)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from app.evaluation.calibration import calibration
from app.evaluation.metrics import SUMMARY_KEYS, percentile

LABELS = {
    "accuracy": "Answer accuracy", "wrong_rate": "Wrong answers (share of turns)",
    "truthfulness": "Truthfulness (correct - wrong) / turns", "f1": "Token F1", "recall_at_k": "Retrieval recall@k", "mrr": "Retrieval MRR",
    "citation_precision": "Citation precision", "citation_recall": "Citation recall",
    "refusal_precision": "Refusal precision", "refusal_recall": "Refusal recall",
    "false_refusal_rate": "False-refusal rate", "faithfulness": "Faithfulness (judge)",
    "latency_p50_s": "Latency p50", "latency_p95_s": "Latency p95",
}
FRACTIONS = [k for k in SUMMARY_KEYS if not k.startswith("latency")] + ["faithfulness"]
KIND_COLUMNS = ["accuracy", "wrong_rate", "truthfulness", "f1", "recall_at_k", "mrr", "citation_precision", "citation_recall",
                "refusal_precision", "refusal_recall", "false_refusal_rate", "latency_p50_s", "latency_p95_s"]
SHORT = {"accuracy": "acc", "wrong_rate": "wrong", "truthfulness": "truth", "f1": "F1", "recall_at_k": "R@k", "mrr": "MRR", "citation_precision": "cit P",
         "citation_recall": "cit R", "refusal_precision": "ref P", "refusal_recall": "ref R",
         "false_refusal_rate": "false ref", "latency_p50_s": "p50 s", "latency_p95_s": "p95 s"}


def fmt(key: str, value) -> str:
    if value is None:
        return "–"
    if key.endswith("_s") or key in ("p50", "p95", "mean"):
        return f"{value:.2f} s"
    if isinstance(value, float):
        return f"{value:.0%}" if key in FRACTIONS or key == "answerable_accuracy" else f"{value:.3g}"
    return str(value)


def turn_status(turn: dict) -> str:
    """correct | wrong | refused | error - 'refused' only where refusing was wrong."""
    if turn.get("error"):
        return "error"
    if turn.get("correct"):
        return "correct"
    return "refused" if turn.get("refused") else "wrong"


def _data(result) -> dict:
    return result.to_dict() if hasattr(result, "to_dict") else result


def write_reports(result, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _data(result)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(to_markdown(data), encoding="utf-8")
    paths["html"].write_text(to_html(data), encoding="utf-8")
    return paths


# -- Markdown ----------------------------------------------------------------------------------

def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _kind_rows(summary: dict) -> list[list[str]]:
    rows = [["all", summary.get("n_turns", "")] + [fmt(k, summary.get(k)) for k in KIND_COLUMNS]]
    for kind, part in summary.get("per_kind", {}).items():
        rows.append([kind, part.get("n_turns", "")] + [fmt(k, part.get(k)) for k in KIND_COLUMNS])
    for name, part in summary.get("per_turn", {}).items():
        rows.append([f"({name.replace('_', '-')} turns)", part.get("n_turns", "")]
                    + [fmt(k, part.get(k)) for k in KIND_COLUMNS])
    return rows


def _split_rows(summary: dict) -> list[list[str]]:
    """One row per split and kind: what was developed on (dev) and what was held out (test)."""
    rows = []
    for split, part in summary.get("per_split", {}).items():
        rows.append([split, "all", part.get("n_turns", "")] + [fmt(k, part.get(k)) for k in KIND_COLUMNS])
        for kind, sub in part.get("per_kind", {}).items():
            rows.append([split, kind, sub.get("n_turns", "")] + [fmt(k, sub.get(k)) for k in KIND_COLUMNS])
    return rows


def split_label(config: dict) -> str:
    split = config.get("split") or "all"
    return {"dev": "split dev (the development half)", "test": "split test (the held-out half)",
            "all": "split all (dev + test)"}.get(split, f"split {split}")


def to_markdown(data: dict) -> str:
    summary, config, turns = data["summary"], data["config"], data["turns"]
    out = [f"# Newsdesk evaluation: {Path(str(config.get('questions'))).name}", "",
           f"{config.get('started', '')} · {summary.get('n_questions', '?')} questions, {summary.get('n_turns')} turns "
           f"· generator {config.get('generator')} · retrieval {config.get('retrieval', {}).get('mode')} "
           f"top-{summary.get('k')} · {split_label(config)} · corpus `{config.get('corpus')}` · {config.get('seconds')} s", ""]
    for note in data.get("notes", []):
        out.append(f"> {note}")
    out += ["", "## Summary", ""]
    keys = list(SUMMARY_KEYS) + (["faithfulness"] if "faithfulness" in summary else [])
    out.append(_md_table(["metric", "value"], [[LABELS.get(k, k), fmt(k, summary.get(k))] for k in keys]
                         + [["Correct / refused / errors",
                             f"{summary.get('n_correct')} / {summary.get('n_refused')} / {summary.get('n_errors')}"],
                            ["Wrong answers (turns)", summary.get("n_wrong", "–")]]))
    out += ["", "## Per kind", "", _md_table(["kind", "n"] + [SHORT[k] for k in KIND_COLUMNS], _kind_rows(summary))]
    if summary.get("per_split"):
        out += ["", "## Per split (dev = developed on, test = held out)", "",
                _md_table(["split", "kind", "n"] + [SHORT[k] for k in KIND_COLUMNS], _split_rows(summary))]
    calibrated = calibration(turns)
    if calibrated["n"]:
        out += ["", "## Calibration of the answer decision", "",
                f"Expected calibration error {calibrated['ece']:.3f} over {calibrated['n']} weighed candidates "
                "(right = the candidate gives a gold answer).", "",
                _md_table(["confidence", "n", "mean confidence", "share right"],
                          [[r["bin"], r["n"], f"{r['confidence']:.2f}", f"{r['right']:.2f}"] for r in calibrated["table"]])]
    latency = summary.get("latency", {})
    out += ["", "## Latency per stage", "", _md_table(
        ["stage", "p50", "p95", "mean", "n"],
        [[stage, fmt("p50", v.get("p50")), fmt("p95", v.get("p95")), fmt("mean", v.get("mean")), v.get("n")]
         for stage, v in latency.items()])]
    out += ["", "## Turns", "", _md_table(
        ["id", "split", "kind", "result", "F1", "R@k", "answer"],
        [[t["id"], t.get("split", ""), t["kind"], turn_status(t), fmt("f1", t.get("f1")), fmt("recall_at_k", t.get("recall_at_k")),
          _shorten(t.get("error") or t.get("answer", ""), 160)] for t in turns])]
    wrong = [t for t in turns if turn_status(t) != "correct"]
    if wrong:
        out += ["", "## Not correct", ""]
        for t in wrong:
            out += [f"### {t['id']} ({t['kind']}, {turn_status(t)})", "",
                    f"- question: {t['question']}"]
            if t.get("standalone_question"):
                out.append(f"- rewritten: {t['standalone_question']}")
            out += [f"- gold: {', '.join(t['gold_answers']) or '(unanswerable)'}",
                    f"- answer: {t.get('error') or t.get('answer')}"]
            if t.get("refusal_reason"):
                out.append(f"- refusal reason: {t['refusal_reason']}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- SVG ---------------------------------------------------------------------------------------

def svg_bars(items: Sequence[tuple[str, float | None]], *, max_value: float = 1.0, percent: bool = True,
             width: int = 560, bar_height: int = 20, label_width: int = 170, title: str = "") -> str:
    """Horizontal bars; None is drawn as 'n/a'."""
    gap = 6
    top = 24 if title else 4
    height = top + len(items) * (bar_height + gap) + 4
    plot = width - label_width - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="15" class="t">{html.escape(title)}</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">'
                     f'{html.escape(str(label))}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" class="bg"/>')
        if value is None:
            parts.append(f'<text x="{label_width + 6}" y="{y + bar_height * 0.7:.1f}" class="na">n/a</text>')
            continue
        share = max(0.0, min(1.0, value / max_value if max_value else 0.0))
        parts.append(f'<rect x="{label_width}" y="{y}" width="{share * plot:.1f}" height="{bar_height}" class="bar">'
                     f'<title>{html.escape(str(label))}: {value:.3g}</title></rect>')
        text = f"{value:.0%}" if percent else f"{value:.2f} s"
        parts.append(f'<text x="{label_width + plot + 6}" y="{y + bar_height * 0.7:.1f}">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(values: Sequence[float], *, bins: int = 12, width: int = 560, height: int = 200,
                  title: str = "", unit: str = "s") -> str:
    """A histogram with p50/p95 lines; an empty plot when there are no values."""
    values = [float(v) for v in values if v is not None]
    left, bottom, top = 40, 30, 24 if title else 8
    plot_w, plot_h = width - left - 10, height - bottom - top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="15" class="t">{html.escape(title)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>')
    if not values:
        parts.append(f'<text x="{left + 10}" y="{top + plot_h / 2}" class="na">no data</text></svg>')
        return "".join(parts)
    low, high = min(values), max(values)
    if high == low:
        high = low + 1.0
    step = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / step))] += 1
    peak = max(counts)
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * bar_w
        parts.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                     f'class="bar"><title>{low + i * step:.2f}–{low + (i + 1) * step:.2f} {unit}: {count}</title></rect>')
    parts.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}">{low:.1f} {unit}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{low + bins * step:.1f} {unit}</text>')
    for row, (name, q) in enumerate((("p50", 50), ("p95", 95))):
        value = percentile(values, q)
        x = left + plot_w * (value - low) / (bins * step)
        anchor = "end" if x > left + plot_w * 0.8 else "start"
        label_x = x - 3 if anchor == "end" else x + 3
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" class="mark"/>'
                     f'<text x="{label_x:.1f}" y="{top + 12 + 14 * row}" text-anchor="{anchor}" class="m">'
                     f'{name} {value:.1f} {unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


# -- HTML --------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f4f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555}.note{background:#fff8e1;border-left:3px solid #f0b400;padding:4px 8px;margin:4px 0}
.charts{display:flex;flex-wrap:wrap;gap:24px}
svg text{font-size:12px;fill:#1b1f24}svg .t{font-weight:600;font-size:13px}svg .na{fill:#888}
svg .bg{fill:#eef0f3}svg .bar{fill:#3b73b9}svg .axis{stroke:#999}svg .mark{stroke:#c0392b;stroke-dasharray:3 2}svg .m{fill:#c0392b;paint-order:stroke;stroke:#fff;stroke-width:3px}
.correct{color:#17702e;font-weight:600}.wrong{color:#b3261e;font-weight:600}.refused{color:#8a5a00;font-weight:600}.error{color:#fff;background:#b3261e;padding:0 4px}
details{margin:2px 0}summary{cursor:pointer}.ans{white-space:pre-wrap}code{background:#f4f5f7;padding:0 3px}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _turn_details(t: dict) -> str:
    status = turn_status(t)
    rows = [f"<b>Question</b>: {_e(t['question'])}"]
    if t.get("standalone_question"):
        rows.append(f"<b>Rewritten</b>: {_e(t['standalone_question'])}")
    rows.append(f"<b>Gold</b>: {_e(', '.join(t['gold_answers']) or '(unanswerable: should refuse)')}")
    if t.get("evidence"):
        rows.append("<b>Evidence</b>: " + " · ".join(f"“{_e(e)}”" for e in t["evidence"]))
    rows.append(f'<b>Answer</b>: <span class="ans">{_e(t.get("error") or t.get("answer"))}</span>')
    if t.get("refusal_reason"):
        rows.append(f"<b>Refusal reason</b>: {_e(t['refusal_reason'])}")
    for c in t.get("citations", []):
        mark = "✓" if c.get("correct") else "✗"
        rows.append(f"[{c['number']}] {mark} <code>{_e(c['article_id'])}</code> "
                    f"chars {c['start']}-{c['end']}: “{_e(c['span'])}”")
    if t.get("retrieved"):
        rows.append("<b>Retrieved</b>: " + ", ".join(
            f"{p['rank']}. <code>{_e(p['chunk_id'])}</code>{' ★' if p.get('holds_evidence') else ''}"
            for p in t["retrieved"]))
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.2f} s" for k, v in t.get("timings", {}).items())
    if timing:
        rows.append(f"<b>Timings</b>: {_e(timing)}")
    if "faithful" in t:
        rows.append(f"<b>Judge</b>: {_e({True: 'supported', False: 'not supported', None: 'no verdict'}[t['faithful']])}")
    summary = (f'<span class="{status}">{status}</span> <code>{_e(t["id"])}</code> '
               f'<span class="meta">{_e(t["kind"])} · {_e(t.get("split", ""))}</span> {_e(_shorten(t["question"], 110))}')
    return f"<details><summary>{summary}</summary><div>" + "<br>".join(rows) + "</div></details>"


def to_html(data: dict) -> str:
    summary, config, turns = data["summary"], data["config"], data["turns"]
    title = f"Newsdesk evaluation: {Path(str(config.get('questions'))).name}"
    keys = list(SUMMARY_KEYS) + (["faithfulness"] if "faithfulness" in summary else [])
    summary_rows = [[_e(LABELS.get(k, k)), _e(fmt(k, summary.get(k)))] for k in keys]
    summary_rows.append(["Correct / refused / errors",
                         _e(f"{summary.get('n_correct')} / {summary.get('n_refused')} / {summary.get('n_errors')}")])
    summary_rows.append(["Wrong answers (turns)", _e(summary.get("n_wrong", "–"))])
    metric_chart = svg_bars([(LABELS[k], summary.get(k)) for k in FRACTIONS if k in summary],
                            title="Overall metrics")
    per_kind = summary.get("per_kind", {})
    kind_chart = svg_bars([(f"{kind} (n={part.get('n_turns')})", part.get("accuracy")) for kind, part in per_kind.items()],
                          title="Answer accuracy per kind")
    totals = [t.get("timings", {}).get("total_s") for t in turns]
    histogram = svg_histogram([v for v in totals if v is not None], title="Total latency per turn (s)")
    latency = summary.get("latency", {})
    stage_items = [(f"{stage} p50", v.get("p50")) for stage, v in latency.items() if v.get("p50") is not None]
    stage_max = max([v.get("p95") or 0 for v in latency.values()] + [1e-9])
    stage_chart = svg_bars([(label, value) for label, value in stage_items], max_value=stage_max, percent=False,
                           title="Median latency per stage")
    kind_table = _html_table(["kind", "n"] + [SHORT[k] for k in KIND_COLUMNS],
                             [[_e(c) for c in row] for row in _kind_rows(summary)])
    stage_table = _html_table(["stage", "p50", "p95", "mean", "n"], [
        [_e(stage), _e(fmt("p50", v.get("p50"))), _e(fmt("p95", v.get("p95"))), _e(fmt("mean", v.get("mean"))),
         _e(v.get("n"))] for stage, v in latency.items()])
    notes = "".join(f'<div class="note">{_e(n)}</div>' for n in data.get("notes", []))
    split_table = ("<h2>Per split (dev = developed on, test = held out)</h2>" + _html_table(
        ["split", "kind", "n"] + [SHORT[k] for k in KIND_COLUMNS],
        [[_e(c) for c in row] for row in _split_rows(summary)], numeric_from=2)) if summary.get("per_split") else ""
    meta = (f"{_e(config.get('started'))} · {_e(summary.get('n_questions'))} questions, {_e(summary.get('n_turns'))} turns"
            f" · generator {_e(config.get('generator'))} · embedding {_e(config.get('embedding_model'))}"
            f" · retrieval {_e(config.get('retrieval', {}).get('mode'))} top-{_e(summary.get('k'))}"
            f" · {_e(split_label(config))}"
            f" · corpus <code>{_e(config.get('corpus'))}</code> · {_e(config.get('seconds'))} s")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="meta">{meta}</p>
{notes}
<h2>Summary</h2>
<div class="charts"><div>{_html_table(["metric", "value"], summary_rows)}</div><div>{metric_chart}</div></div>
<h2>Per kind</h2>
{kind_table}
<div class="charts"><div>{kind_chart}</div></div>
{split_table}
<h2>Latency</h2>
<div class="charts"><div>{histogram}</div><div>{stage_chart}</div></div>
{stage_table}
<h2>Turns</h2>
<p class="meta">Click a turn for its answer, citations (✓ = holds gold evidence or answer) and retrieved chunks (★ = holds gold evidence).</p>
{"".join(_turn_details(t) for t in turns)}
</body></html>
"""

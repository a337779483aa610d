"""Comparing two evaluation runs: what changed, turn by turn, and by how much each metric moved."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from app.evaluation.metrics import SUMMARY_KEYS
from app.evaluation.report import fmt, turn_status

_RANK = {"correct": 3, "refused": 1, "wrong": 1, "error": 0}


def load_report(path: Path | str) -> dict:
    """A report.json, or a run folder holding one."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    if not path.is_file():
        raise FileNotFoundError(f"no report at {path} (give a report.json or an eval run folder)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "summary" not in data or "turns" not in data:
        raise ValueError(f"{path} is not an evaluation report (no 'summary' and 'turns')")
    data.setdefault("_path", str(path))
    return data


def _delta(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return round(b - a, 4)
    return None


def compare_reports(before: dict, after: dict) -> dict:
    """Turn-by-turn status changes (correct/wrong/refused/error) and metric deltas, after - before."""
    turns_a = {t["id"]: t for t in before["turns"]}
    turns_b = {t["id"]: t for t in after["turns"]}
    changes, transitions = [], Counter()
    for turn_id in [i for i in turns_a if i in turns_b]:  # turns of only one run are listed apart
        a, b = turns_a[turn_id], turns_b[turn_id]
        status_a, status_b = turn_status(a), turn_status(b)
        transitions[f"{status_a}->{status_b}"] += 1
        if status_a != status_b:
            changes.append({
                "id": turn_id, "kind": b["kind"], "question": b["question"],
                "before": status_a, "after": status_b,
                "direction": "better" if _RANK[status_b] > _RANK[status_a] else
                             "worse" if _RANK[status_b] < _RANK[status_a] else "changed",
                "answer_before": a.get("error") or a.get("answer"),
                "answer_after": b.get("error") or b.get("answer"),
            })
    sa, sb = before["summary"], after["summary"]
    keys = list(SUMMARY_KEYS) + [k for k in ("faithfulness", "answerable_accuracy") if k in sa or k in sb]
    deltas = {k: {"before": sa.get(k), "after": sb.get(k), "delta": _delta(sa.get(k), sb.get(k))} for k in keys}
    kinds = sorted(set(sa.get("per_kind", {})) | set(sb.get("per_kind", {})))
    per_kind = {}
    for kind in kinds:
        ka, kb = sa.get("per_kind", {}).get(kind, {}), sb.get("per_kind", {}).get(kind, {})
        per_kind[kind] = {"n_before": ka.get("n_turns"), "n_after": kb.get("n_turns"),
                          "accuracy_before": ka.get("accuracy"), "accuracy_after": kb.get("accuracy"),
                          "delta": _delta(ka.get("accuracy"), kb.get("accuracy"))}
        for key in ("wrong_rate", "truthfulness"):
            per_kind[kind].update({f"{key}_before": ka.get(key), f"{key}_after": kb.get(key),
                                   f"{key}_delta": _delta(ka.get(key), kb.get(key))})
    splits = [(side.get("config") or {}).get("split") or "all" for side in (before, after)]
    return {
        "before": before.get("_path"), "after": after.get("_path"), "splits": splits,
        "changes": changes, "transitions": dict(transitions),
        "only_before": [i for i in turns_a if i not in turns_b],
        "only_after": [i for i in turns_b if i not in turns_a],
        "better": sum(c["direction"] == "better" for c in changes),
        "worse": sum(c["direction"] == "worse" for c in changes),
        "deltas": deltas, "per_kind": per_kind,
    }


def _signed(key: str, delta) -> str:
    if delta is None:
        return "–"
    if key.endswith("_s"):
        return f"{delta:+.2f} s"
    return f"{delta * 100:+.1f} pts"


def print_comparison(comparison: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]before[/] {escape(str(comparison['before']))}\n[bold]after[/]  {escape(str(comparison['after']))}")
    splits = comparison.get("splits") or ["all", "all"]
    if splits[0] != splits[1]:
        console.print(f"[yellow]the runs cover different splits[/] ({splits[0]} vs {splits[1]}): "
                      "only the turns in both are compared")
    if comparison["changes"]:
        table = Table(title=f"{len(comparison['changes'])} turn(s) changed: "
                            f"{comparison['better']} better, {comparison['worse']} worse")
        for column in ("id", "kind", "change", "question"):
            table.add_column(column)
        for change in comparison["changes"]:
            colour = {"better": "green", "worse": "red"}.get(change["direction"], "yellow")
            table.add_row(escape(change["id"]), escape(change["kind"]),
                          f"[{colour}]{change['before']} → {change['after']}[/]", escape(change["question"][:80]))
        console.print(table)
    else:
        console.print("No turn changed its result.")
    for side in ("before", "after"):
        only = comparison[f"only_{side}"]
        if only:
            console.print(f"[yellow]{len(only)} turn(s) only in the {side} run[/] (not compared; metrics cover "
                          f"different questions): {escape(', '.join(only[:8]))}{' …' if len(only) > 8 else ''}")
    moved = {k: v for k, v in comparison["transitions"].items() if k.split("->")[0] != k.split("->")[1]}
    if moved:
        console.print("transitions: " + ", ".join(f"{k} {v}" for k, v in sorted(moved.items())))
    table = Table(title="Metrics (after - before)")
    for column in ("metric", "before", "after", "delta"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for key, row in comparison["deltas"].items():
        table.add_row(key, fmt(key, row["before"]), fmt(key, row["after"]), _signed(key, row["delta"]))
    for kind, row in comparison["per_kind"].items():
        table.add_row(escape(f"accuracy ({kind})"), fmt("accuracy", row["accuracy_before"]),
                      fmt("accuracy", row["accuracy_after"]), _signed("accuracy", row["delta"]))
        for key in ("wrong_rate", "truthfulness"):
            table.add_row(escape(f"{key} ({kind})"), fmt(key, row.get(f"{key}_before")),
                          fmt(key, row.get(f"{key}_after")), _signed(key, row.get(f"{key}_delta")))
    console.print(table)

"""The calibrated decision's fit and its calibration.

``fit`` reads evaluation reports (report.json) of the development sets, takes every turn with a
weighed candidate (its evidence, and whether the candidate gives a gold answer), fits scikit-learn's
logistic regression, and chooses the threshold that maximises truthfulness on those turns: right
answers minus wrong ones, a refusal counting zero (on an unanswerable question every candidate is
wrong). It writes app/data/answer_scorer.json (weights, threshold, what it was fitted on).

``calibration`` is what every eval report shows: expected calibration error (ECE) and a reliability
table, over the turns whose answer carries a confidence.

    python -m app.evaluation.calibration fit runs/dev2/report.json runs/dev3/report.json ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.answering.decision import DEFAULT_SCORER
from app.answering.evidence import FEATURES, relation_evidence, vector

BINS = 5


def examples(turns: Sequence[dict], confirms: bool = False) -> tuple[list[list[float]], list[int], list[bool]]:
    """Feature rows, labels (the candidate is right) and whether a soft check objected (the turn was
    refused with a weighed candidate), of every turn whose candidate the decision could weigh.
    Without ``confirms`` the generator's confirmation of the checks' own answers, where a report
    holds it, is left out: the decision is fitted as it will run, asking the generator nothing more."""
    rows, labels, objected = [], [], []
    for turn in turns:
        evidence = turn.get("evidence")
        if evidence and "candidate_correct" in turn and (not turn.get("refused") or relation_evidence(evidence)):
            if not confirms and not evidence.get("model_pick"):
                evidence = {**evidence, "model_asked": 0.0, "model_confidence": 0.0}
            rows.append(vector(evidence))
            labels.append(int(bool(turn["candidate_correct"])))
            objected.append(bool(turn.get("refused")) and "calibrated" not in (turn.get("refusal_reason") or ""))
    return rows, labels, objected


def best_threshold(probabilities: Sequence[float], labels: Sequence[int], never: float = 1.01
                   ) -> tuple[float, float]:
    """The threshold maximising (right - wrong) answered, and that truthfulness per example; of
    equal ones the highest (the fewest answers). ``never`` (answering none) is a candidate too."""
    best, best_score = never, 0.0
    for threshold in sorted({round(p, 3) for p in probabilities}, reverse=True):
        score = sum((1 if y else -1) for p, y in zip(probabilities, labels) if p >= threshold)
        if score > best_score:
            best, best_score = threshold, score
    return best, best_score / max(len(labels), 1)


def _veto_threshold(checked: Sequence[tuple[float, int]]) -> float:
    """The probability below which refusing the checked answers gains most (wrong ones removed minus
    right ones lost); 0 when refusing any loses."""
    best, best_gain = 0.0, 0
    for threshold in sorted({round(p, 3) for p, _ in checked}):
        gain = sum((-1 if y else 1) for p, y in checked if p < threshold)
        if gain > best_gain:
            best, best_gain = threshold, gain
    return best


def fit(turns: Sequence[dict], sources: Sequence[str], confirms: bool = False) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    rows, labels, objected = examples(turns, confirms)
    if len(set(labels)) < 2:
        raise ValueError(f"{len(rows)} examples with one label only: nothing to fit")
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(rows, labels)
    probabilities = model.predict_proba(rows)[:, 1].tolist()
    # The thresholds are chosen on out-of-fold probabilities (5 folds): on candidates the model
    # was not fitted on, as at first contact. A checked answer is refused below ``threshold``
    # (0: never); a candidate a soft check objected to is answered from ``override_threshold``.
    held_out = cross_val_predict(LogisticRegression(C=1.0, max_iter=1000), rows, labels, cv=5,
                                 method="predict_proba")[:, 1].tolist()
    checked = [(p, y) for p, y, o in zip(held_out, labels, objected) if not o]
    soft = [(p, y) for p, y, o in zip(held_out, labels, objected) if o]
    threshold = _veto_threshold(checked)
    override, _ = best_threshold([p for p, _ in soft], [y for _, y in soft])
    decided = [(p >= (override if o else threshold), y) for p, y, o in zip(held_out, labels, objected)]
    checks_alone = [(not o, y) for o, y in zip(objected, labels)]
    score = lambda pairs: round(sum((1 if y else -1) for answered, y in pairs if answered) / len(labels), 4)
    return {"features": list(FEATURES), "confirms": "undecided" if confirms else "never",
            "weights": [round(float(w), 5) for w in model.coef_[0]],
            "bias": round(float(model.intercept_[0]), 5), "threshold": threshold, "override_threshold": override,
            "fitted_on": {"reports": list(sources), "examples": len(rows), "right": sum(labels),
                          "objected": sum(objected), "objected_right": sum(y for y, o in zip(labels, objected) if o),
                          "truthfulness_checks_alone": score(checks_alone),
                          "truthfulness_out_of_fold": score(decided),
                          "date": dt.date.today().isoformat()},
            "calibration": calibration([{"confidence": p, "candidate_correct": y} for p, y in zip(probabilities, labels)]),
            "calibration_out_of_fold": calibration([{"confidence": p, "candidate_correct": y}
                                                    for p, y in zip(held_out, labels)])}


def calibration(turns: Sequence[dict], bins: int = BINS) -> dict:
    """ECE and the reliability table (per confidence bin: count, mean confidence, share right) of
    the turns that carry a confidence; right = the candidate gives a gold answer."""
    pairs = [(float(t["confidence"]), int(bool(t.get("candidate_correct")))) for t in turns
             if t.get("confidence") is not None]
    table = []
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if not inside:
            continue
        confidence = sum(p for p, _ in inside) / len(inside)
        accuracy = sum(y for _, y in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(confidence - accuracy)
        table.append({"bin": f"{low:.1f}-{high:.1f}", "n": len(inside), "confidence": round(confidence, 3),
                      "right": round(accuracy, 3)})
    return {"n": len(pairs), "ece": round(ece, 4) if pairs else None, "table": table}


def _turns(paths: Sequence[str]) -> list[dict]:
    turns = []
    for path in paths:
        turns += json.loads(Path(path).read_text(encoding="utf-8"))["turns"]
    return turns


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the calibrated answer decision on evaluation reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    fitting = sub.add_parser("fit", help="fit on development-set reports and write the scorer")
    fitting.add_argument("reports", nargs="+", help="report.json files of development sets")
    fitting.add_argument("--out", default=str(DEFAULT_SCORER))
    fitting.add_argument("--confirms", action="store_true",
                         help="the reports were run with the generator confirming every answer of the checks "
                              "(a scorer file with \"confirms\": \"always\"); the fitted decision asks for it "
                              "where it can change the decision")
    show = sub.add_parser("show", help="the calibration of reports (ECE, reliability table)")
    show.add_argument("reports", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "fit":
        scorer = fit(_turns(args.reports), args.reports, confirms=args.confirms)
        Path(args.out).write_text(json.dumps(scorer, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: scorer[k] for k in ("threshold", "override_threshold", "fitted_on", "calibration")}, indent=2))
    else:
        print(json.dumps(calibration(_turns(args.reports)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CI quality gate: the seed question set with the default models must not regress.

Thresholds sit a little below what was measured (docs/quality-history.md), so that a change that makes
answers, retrieval, citations or refusals worse fails CI. Raise them as the pipeline improves.
"""

import json

import pytest

from app.evaluation import run_eval

from conftest import REPO, make_settings

pytestmark = pytest.mark.slow

# Measured on 2026-12-02 with the verified answer flow (issue 10), fourth round (pronouns,
# follow-ups by rule, open slots), with both packaged generators (the default Qwen2.5-Coder-1.5B and
# the 0.5B gave the same figures): accuracy 1.00 (third round 0.76, first 0.59), wrong answers 0.00
# (the free-text flow gave 6 of 29), truthfulness 1.00 (0.76; free text 0.38), refusal recall 1.00,
# recall@5 1.00, MRR 0.93, citation precision 1.00, false refusals 0.00 (0.30),
# citation recall 0.98 (0.67) - docs/quality-history.md. This round read every failed seed turn, so the
# figures are not held-out ones; the bounds guard against regressions, not for generalisation.
# Each bound leaves room for three or four turns of noise (of 29 turns, 6 unanswerable; another
# machine's llama.cpp build may choose differently where the generator chooses): a turn that goes
# from right to wrong moves truthfulness by 2/29.
AT_LEAST = {"accuracy": 0.86, "truthfulness": 0.79, "recall_at_k": 0.95, "mrr": 0.85, "citation_precision": 0.93,
            "citation_recall": 0.8, "refusal_recall": 0.83}
AT_MOST = {"wrong_rate": 0.07, "false_refusal_rate": 0.18}


def test_seed_question_set_meets_the_quality_thresholds(tmp_path):
    settings = make_settings(tmp_path / "index")
    result = run_eval(REPO / "tests" / "questions" / "seed.yaml", settings, corpus=REPO / "corpus",
                      index_dir=tmp_path / "eval-index", out_dir=tmp_path / "report", judge=False)
    summary = result.summary
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "seed-eval-summary.json").write_text(
        json.dumps({k: v for k, v in summary.items() if k not in ("per_kind", "per_turn")}, indent=2, default=str))
    failures = [f"{k} = {summary[k]:.3f} < {v}" for k, v in AT_LEAST.items() if summary[k] < v]
    failures += [f"{k} = {summary[k]:.3f} > {v}" for k, v in AT_MOST.items() if summary[k] > v]
    assert not failures, "quality regressed: " + "; ".join(failures)

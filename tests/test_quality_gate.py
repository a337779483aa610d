"""CI quality gate: the seed question set with the default models must not regress.

Thresholds sit a little below what was measured (docs/quality.md), so that a change that makes
answers, retrieval, citations or refusals worse fails CI. Raise them as the pipeline improves.
"""

import json

import pytest

from app.evaluation import run_eval

from conftest import REPO, make_settings

pytestmark = pytest.mark.slow

# Measured on 2026-11-24 with Qwen2.5-Coder-0.5B (docs/quality.md): accuracy 0.59, recall@5 1.00,
# MRR 0.93, citation precision 0.94 / recall 0.67, refusal recall 0.83, false refusals 0.26;
# measured again on 2026-12-01 with the same figures, and wrong answers 0.21 (6 of 29 turns),
# truthfulness 0.38 ((17 correct - 6 wrong) / 29).
# Thresholds sit a few turns below, as the model's output differs slightly between machines.
# Each bound leaves room for two or three turns of noise (of 29 turns, 6 unanswerable): a turn
# that goes from right to wrong moves truthfulness by 2/29.
AT_LEAST = {"accuracy": 0.50, "truthfulness": 0.24, "recall_at_k": 0.95, "mrr": 0.85, "citation_precision": 0.85,
            "citation_recall": 0.55, "refusal_recall": 0.66}
AT_MOST = {"wrong_rate": 0.28, "false_refusal_rate": 0.40}


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

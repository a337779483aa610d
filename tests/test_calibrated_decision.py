"""The calibrated decision (app/answering/decision.py, app/answering/evidence.py,
app/evaluation/calibration.py): evidence with strengths, one fitted probability, two thresholds
chosen on out-of-fold probabilities, and the calibration every eval report shows.
"""

from __future__ import annotations

import json

import pytest

from app.answering.decision import DEFAULT_SCORER, Scorer
from app.answering.evidence import FEATURES, relation_evidence
from app.evaluation.calibration import best_threshold, calibration, examples, fit


def test_the_shipped_scorer_names_every_feature_and_says_what_it_was_fitted_on():
    scorer = Scorer.load(DEFAULT_SCORER)
    data = json.loads(DEFAULT_SCORER.read_text())
    assert scorer is not None and scorer.names == FEATURES and len(scorer.weights) == len(FEATURES)
    assert data["fitted_on"]["examples"] >= 50 and data["fitted_on"]["reports"]
    assert 0.0 <= scorer.threshold <= scorer.override_threshold <= 1.01


def test_a_soft_objection_needs_the_higher_threshold():
    scorer = Scorer(weights=(0.0,) * len(FEATURES), bias=0.0, threshold=0.3, override_threshold=0.7)  # p = 0.5
    assert scorer.answers({}, objected=False) == (True, 0.5)
    assert scorer.answers({}, objected=True) == (False, 0.5)


def test_no_missing_scorer_file_means_the_checks_decide_alone(tmp_path):
    assert Scorer.load(tmp_path / "none.json") is None


@pytest.mark.parametrize("evidence, stated", [
    ({"wrong_relation": 0.0}, True),  # the checks found the relation
    ({"wrong_relation": 1.0, "relation_lexicon": 1.0}, True),  # WordNet relates a word of the sentence
    ({"wrong_relation": 1.0, "relation_embedding": 0.62}, True),  # the embedder does
    ({"wrong_relation": 1.0, "relation_embedding": 0.31, "relation_lexicon": 0.0}, False),  # nothing does: a veto
])
def test_a_missing_relation_is_a_certainty_only_when_no_resource_finds_it(evidence, stated):
    assert relation_evidence(evidence) is stated


def test_the_threshold_maximises_right_minus_wrong_and_may_answer_nothing():
    assert best_threshold([0.9, 0.8, 0.4, 0.3], [1, 1, 0, 0])[0] == 0.8
    assert best_threshold([0.9, 0.8], [0, 0])[0] > 1  # answering any loses: never answer


def test_calibration_reports_ece_and_a_reliability_table():
    turns = [{"confidence": 0.9, "candidate_correct": True}] * 9 + [{"confidence": 0.9, "candidate_correct": False}] \
        + [{"confidence": 0.1, "candidate_correct": False}] * 10
    report = calibration(turns)
    assert report["n"] == 20 and report["ece"] == 0.05  # |0.1 - 0| for half the candidates
    assert [(row["bin"], row["n"], row["right"]) for row in report["table"]] == [("0.0-0.2", 10, 0.0), ("0.8-1.0", 10, 0.9)]


def _turn(right: bool, refused: bool, strength: float) -> dict:
    evidence = {name: 0.0 for name in FEATURES} | {"strength": strength, "rules_agree": float(right),
                                                    "relation_embedding": 0.7, "wrong_relation": float(refused)}
    return {"evidence": evidence, "candidate_correct": right, "refused": refused}


def test_fitting_reads_weighed_candidates_and_chooses_both_thresholds_out_of_fold():
    turns = [_turn(True, False, 1.0)] * 30 + [_turn(False, False, 0.5)] * 10 + [_turn(True, True, 1.0)] * 6 \
        + [_turn(False, True, 0.5)] * 10 + [{"evidence": {}, "refused": True}]  # no candidate: not an example
    rows, labels, objected = examples(turns)
    assert len(rows) == 56 and sum(objected) == 16
    scorer = fit(turns, ["dev.json"])
    assert scorer["fitted_on"]["examples"] == 56
    # The evidence separates right from wrong: the fitted decision beats the checks alone out of fold.
    assert scorer["fitted_on"]["truthfulness_out_of_fold"] > scorer["fitted_on"]["truthfulness_checks_alone"]

"""The calibrated decision (app/answering/decision.py, app/answering/evidence.py,
app/evaluation/calibration.py): evidence with strengths, one fitted probability, two thresholds
chosen on out-of-fold probabilities, and the calibration every eval report shows.
"""

from __future__ import annotations

import json
import math

import pytest

from app.answering.decision import DEFAULT_SCORER, Scorer
from app.answering.evidence import FEATURES, relation_evidence
from app.answering.picking import Reply, number_confidence, parse_pick
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


def _reply(*tokens: tuple[str, float, dict[str, float]]) -> Reply:
    return Reply("".join(t for t, _, _ in tokens),
                 tuple({"token": t, "logprob": lp, "top_logprobs": [{"token": a, "logprob": v} for a, v in top.items()]}
                       for t, lp, top in tokens))


def test_the_models_confidence_is_its_numbers_probability_among_the_numbers_it_could_write():
    # The raw distribution preferred a quote (the grammar forbade it); of the numbers, "2" held 0.6
    # of the mass, "1" 0.3 and "4" 0.1 (not a sentence shown: left out).
    number = ("2", math.log(0.3), {' "': math.log(0.4), "2": math.log(0.3), "1": math.log(0.15),
                                   "4": math.log(0.05)})
    reply = _reply(('{"', -0.1, {}), ("sentence", 0.0, {}), ('":', 0.0, {}), (" ", -0.2, {}), number,
                   (', "answer": "40"}', -0.1, {}))
    assert number_confidence(reply, "sentence", range(4)) == pytest.approx(0.3 / 0.45, abs=1e-4)
    assert parse_pick(reply, 3).confidence == pytest.approx(0.6667, abs=1e-4)


def test_without_log_probabilities_there_is_no_confidence_and_the_pick_still_reads():
    assert number_confidence('{"sentence": 2, "answer": "40"}', "sentence", range(4)) is None
    pick = parse_pick('{"sentence": 2, "answer": "40"}', 3)
    assert pick.sentences == (2,) and pick.answer == "40" and pick.confidence is None


@pytest.mark.slow
def test_the_llama_cpp_generator_reports_how_sure_it_is_of_its_pick(seed_newsdesk):
    from app.answering.picking import factoid_schema

    ask = seed_newsdesk.pipeline.picker()
    sentences = ("[1] (Storm, 2020-09-01) The storm destroyed 120 homes.\n"
                 "[2] (Storm, 2020-09-01) At least 12 people were killed and 40 were injured.")
    prompts = seed_newsdesk.pipeline.pick_prompts
    stated = ask(prompts.pick_system, prompts.pick_user.format(sentences=sentences,
                 question="How many people were injured by the storm?"), factoid_schema(2))
    unstated = ask(prompts.pick_system, prompts.pick_user.format(sentences=sentences,
                   question="How many dogs did the firefighters rescue?"), factoid_schema(2))
    sure, unsure = parse_pick(stated, 2), parse_pick(unstated, 2)
    assert isinstance(stated, Reply) and stated.tokens and sure.sentences == (2,)
    # The generated tokens read back as the reply, each with a log-probability.
    assert "".join(t["token"] for t in stated.tokens) in stated.text and all(t["logprob"] <= 0 for t in stated.tokens)
    assert sure.confidence is not None and sure.confidence > 0.8
    assert unsure.confidence is None or unsure.confidence < sure.confidence


def test_the_generator_confirms_an_answer_only_where_its_confidence_can_change_the_decision():
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("model_confidence")] = 4.0
    unsure = Scorer(weights=tuple(weights), bias=-2.0, threshold=0.5, confirms="undecided")  # p from 0.12 to 0.88
    assert unsure.undecided({})
    settled = Scorer(weights=tuple(weights), bias=3.0, threshold=0.5, confirms="undecided")  # p >= 0.95 either way
    assert not settled.undecided({})
    assert not Scorer(weights=tuple(weights), bias=-2.0, threshold=0.5).undecided({})  # fitted without it
    assert Scorer(weights=tuple(weights), bias=3.0, threshold=0.5, confirms="always").undecided({})  # collecting


def test_a_scorer_file_says_whether_the_generator_confirms(tmp_path):
    path = tmp_path / "scorer.json"
    base = {"features": list(FEATURES), "weights": [0.0] * len(FEATURES), "bias": 0.0, "threshold": 0.5}
    for written, read in [(None, "never"), (True, "undecided"), ("always", "always"), ("undecided", "undecided")]:
        path.write_text(json.dumps({**base, **({"confirms": written} if written is not None else {})}))
        assert Scorer.load(path).confirms == read


def test_a_llama_cpp_model_that_refuses_log_probabilities_is_asked_without_them():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from app.answering.picking import constrained_caller, factoid_schema

    class Plain(FakeListChatModel):  # LangChain's ChatLlamaCpp without app/llm.py's recorder
        def _call(self, messages, stop=None, run_manager=None, **kwargs):
            if kwargs.get("logprobs"):
                raise ValueError("logprobs is not supported for models created with logits_all=False")
            return super()._call(messages, stop, run_manager, **kwargs)

    call = constrained_caller(Plain(responses=['{"sentence": 1, "answer": "40"}'] * 2), "llamacpp")
    for _ in range(2):
        reply = call("system", "user", factoid_schema(2))
        assert reply.text == '{"sentence": 1, "answer": "40"}' and reply.tokens == ()

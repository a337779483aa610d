"""One calibrated decision: answer when the fitted probability that the candidate is right clears a
threshold, else refuse.

The model is a logistic regression over the evidence of app/answering/evidence.py, fitted on the
development sets' turns (``python -m app.evaluation.calibration fit``), its weights and thresholds
kept in app/data/answer_scorer.json with what it was fitted on. Two thresholds, each maximising
truthfulness (right answers minus wrong ones, refusals count zero) on out-of-fold probabilities:
one for a candidate every check accepted (below it, refused), one for a candidate a soft check
objected to (above it, answered). Without the file the checks decide alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from app.answering.evidence import FEATURES, vector

DEFAULT_SCORER = Path(__file__).resolve().parent.parent / "data" / "answer_scorer.json"


@dataclass(frozen=True)
class Scorer:
    weights: tuple[float, ...]
    bias: float
    threshold: float  # for a candidate every check accepted
    override_threshold: float = 1.01  # for a candidate a soft check objected to (above 1: never)
    names: tuple[str, ...] = FEATURES

    def probability(self, evidence: dict[str, float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, vector(evidence, self.names)))
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, evidence: dict[str, float], objected: bool = False) -> tuple[bool, float]:
        p = self.probability(evidence)
        return p >= (self.override_threshold if objected else self.threshold), p

    @classmethod
    def load(cls, path: Path | str = DEFAULT_SCORER) -> Scorer | None:
        path = Path(path)
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        names = tuple(data["features"])
        return cls(weights=tuple(data["weights"]), bias=float(data["bias"]), threshold=float(data["threshold"]),
                   override_threshold=float(data.get("override_threshold", 1.01)), names=names)

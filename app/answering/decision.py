"""One calibrated decision: answer when the fitted probability that the candidate is right clears a
threshold, else refuse.

The model is a logistic regression over the evidence of app/answering/evidence.py, fitted on the
development sets' turns (``python -m app.evaluation.calibration fit``), its weights and threshold
kept in app/data/answer_scorer.json with what it was fitted on. The threshold maximises
truthfulness (right answers minus wrong ones, refusals count zero) on those turns. Without the
file the checks decide alone, as they did before the scorer existed.
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
    threshold: float
    names: tuple[str, ...] = FEATURES

    def probability(self, evidence: dict[str, float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, vector(evidence, self.names)))
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, evidence: dict[str, float]) -> tuple[bool, float]:
        p = self.probability(evidence)
        return p >= self.threshold, p

    @classmethod
    def load(cls, path: Path | str = DEFAULT_SCORER) -> Scorer | None:
        path = Path(path)
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        names = tuple(data["features"])
        return cls(weights=tuple(data["weights"]), bias=float(data["bias"]), threshold=float(data["threshold"]),
                   names=names)

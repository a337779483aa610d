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
    # Fitted with the generator's confirmation of the checks' own answers (one short generation,
    # app/answering/weighing.py ``confirmed``): "undecided" asks for it only where its answer can
    # change the decision, "always" for every such answer (collecting the evidence to fit on),
    # "never" not at all.
    confirms: str = "never"

    def undecided(self, evidence: dict[str, float], objected: bool = False) -> bool:
        """Whether the generator's confidence could change the decision on this evidence: the
        probability is monotone in it, so whether the threshold lies between its two extremes."""
        if self.confirms == "always":
            return True
        if self.confirms != "undecided":
            return False
        asked = {**evidence, "model_asked": 1.0}
        low = self.probability({**asked, "model_confidence": 0.0})
        high = self.probability({**asked, "model_confidence": 1.0})
        threshold = self.override_threshold if objected else self.threshold
        return min(low, high) < threshold <= max(low, high)

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
                   override_threshold=float(data.get("override_threshold", 1.01)), names=names,
                   confirms=_confirms(data.get("confirms")))


def _confirms(value) -> str:
    if value is True:
        return "undecided"
    return value if value in ("always", "undecided") else "never"

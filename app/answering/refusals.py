"""Every refusal the pipeline gives, built in one place: the reader sees the same sentence and
the closest passages whatever the cause; ``refusal_kind`` says the cause to programs and
``refusal_reason`` to people."""

from __future__ import annotations

from collections.abc import Sequence

from app.types import Answer, Passage, RefusalKind

REASONS: dict[RefusalKind, str] = {
    "empty_index": "the index is empty",
    "weak_evidence": "no passage is close to the question",
    "not_stated": "no sentence of the passages states the answer",
}


def refusal_text(question: str, has_passages: bool) -> str:
    closest = " The closest passages are listed below." if has_passages else ""
    return f"The articles don't say. Nothing in them answers “{question}”.{closest}"


def refusal(kind: RefusalKind, *, question: str, passages: Sequence[Passage], detail: str | None = None,
            **fields) -> Answer:
    """A refusal ``Answer``; ``detail`` adds specifics to the reason, ``fields`` the rest of the
    answer (``retrieved``, ``raw_answer``, ``timings``, ``model``, ``standalone_question``)."""
    reason = REASONS[kind] + (f" ({detail})" if detail else "")
    return Answer(question=question, text=refusal_text(question, bool(passages)), passages=list(passages),
                  refused=True, refusal_kind=kind, refusal_reason=reason, **fields)

"""Held-out means unseen: no unit test quotes a test-split question or its evidence. A unit test
states a principle on a sentence of its own; a test-split item quoted in tests/ was developed on,
and belongs to the dev split (its item says so). The seed article is exempt: it is the product's
worked example (README), quoted throughout, and its sets measure forms rather than unseen facts.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parent
SEED = "ain-al-asad-rocket-attack"
# Shorter strings ("Who said that?") are phrasings, not items; evidence is matched on its opening.
MIN_QUESTION, EVIDENCE_PREFIX = 20, 50


def _spans(value) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)] if value else []


def held_out_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((TESTS / "questions").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if item.get("split") != "test" or item.get("article_ids") == [SEED]:
                continue
            turns = [item] + ([item["follow_up"]] if item.get("follow_up") else [])
            for turn in turns:
                if len(turn["question"]) >= MIN_QUESTION:
                    found[turn["question"]] = f"{path.name}:{item['id']}"
                for span in _spans(turn.get("evidence")):
                    if len(span) >= EVIDENCE_PREFIX // 2:
                        found[span[:EVIDENCE_PREFIX]] = f"{path.name}:{item['id']}"
    return found


def test_no_unit_test_quotes_a_held_out_question_or_its_evidence():
    strings = held_out_strings()
    assert len(strings) > 300  # the sets were read
    quoted = sorted(f"{test.name} quotes {item}: {text!r}"
                    for test in TESTS.glob("*.py") if test.name != Path(__file__).name
                    for text, item in strings.items() if text in test.read_text(encoding="utf-8"))
    assert not quoted, "\n".join(quoted)

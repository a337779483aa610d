"""Question sets: the YAML format of tests/questions/*.yaml, and QuAIL JSONL converted to it.

YAML: a list of items with exactly these fields::

    - id: s-01
      question: How many rockets hit the base?
      answers: ["14", "fourteen"]       # acceptable short answers; [] for unanswerable
      kind: factoid-number              # see KINDS
      article_ids: [ain-al-asad-rocket-attack]     # optional
      evidence: "Fourteen of the projectiles hit the target"   # a string or a list; omit for unanswerable
      asked_on: 2021-07-10              # optional: the day it is asked ("now", "this week" are then)
      tags: [latest]                    # optional: what the item tests (reported per tag)
      follow_up:                        # optional second turn, asked in the same chat
        question: And how many were launched?
        answers: ["24", "two dozen"]
        evidence: "launched a total of 24 rockets"

A follow-up has the kind of its item (``unanswerable`` when its ``answers`` is empty); it may
name its own ``kind``. Every problem in a file is reported at once, with the item it is in.

Development and held-out halves: every question is in split ``dev`` or ``test``. An item may say
``split: dev|test``; otherwise ``split_of(id)`` decides, from a stable hash of its id (SHA-256:
even first byte = dev), so a question keeps its split when others are added or removed. A
follow-up is in its item's split. Tune on ``dev``; report ``test`` (``newsdesk eval --split``).

QuAIL JSONL (``id, question, answers, question_type, article_ids``): the correct option text
is the answer; ``Unanswerable`` questions become kind ``unanswerable`` with no answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("factoid-number", "factoid-entity", "factoid-date", "factoid-place", "why", "multi-article",
         "yes-no", "summary", "unanswerable")
ITEM_KEYS = {"id", "question", "answers", "kind", "article_ids", "evidence", "follow_up", "split", "asked_on", "tags"}
SPLITS = ("dev", "test")
REQUIRED_KEYS = ("id", "question", "answers", "kind")
FOLLOW_UP_KEYS = {"question", "answers", "evidence", "kind", "tags"}

# QuAIL question types and the kinds they are scored as.
QUAIL_KINDS = {
    "Factual": "factoid-entity",
    "Character_identity": "factoid-entity",
    "Entity_properties": "factoid-entity",
    "Temporal_order": "factoid-date",
    "Event_duration": "factoid-date",
    "Causality": "why",
    "Belief_states": "why",
    "Subsequent_state": "why",
    "Unanswerable": "unanswerable",
}
DEFAULT_QUAIL_TYPES = ("Factual", "Character_identity", "Temporal_order", "Unanswerable")


class QuestionSetError(ValueError):
    """The question file cannot be used; ``problems`` lists every reason, one per item."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.source = source
        self.problems = list(problems)
        shown = self.problems[:20]
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n  " + "\n  ".join(shown) + more)


@dataclass
class Question:
    id: str
    question: str
    answers: list[str]
    kind: str
    article_ids: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    follow_up: Question | None = None
    meta: dict = field(default_factory=dict)  # e.g. {"quail_type": "Factual"}
    split: str = ""  # "dev" | "test"; "" = from split_of(id)
    asked_on: str | None = None  # YYYY-MM-DD: the day the question is asked (its follow-up too)
    tags: list[str] = field(default_factory=list)  # what the item tests: "latest", "conflict", "typo" …

    def __post_init__(self):
        if not self.split:
            self.split = split_of(self.meta.get("parent_id") or self.id)

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def to_dict(self) -> dict:
        data = {"id": self.id, "question": self.question, "answers": list(self.answers), "kind": self.kind,
                "article_ids": list(self.article_ids), "evidence": list(self.evidence), "split": self.split}
        if self.asked_on:
            data["asked_on"] = self.asked_on
        if self.tags:
            data["tags"] = list(self.tags)
        if self.follow_up is not None:
            data["follow_up"] = self.follow_up.to_dict()
        if self.meta:
            data["meta"] = dict(self.meta)
        return data


def split_of(question_id: str) -> str:
    """The documented default split: 'dev' when the SHA-256 of the id starts with an even byte."""
    return SPLITS[hashlib.sha256(str(question_id).encode("utf-8")).digest()[0] % 2]


def select_split(questions: Sequence[Question], split: str | None) -> list[Question]:
    """The questions of one split; None or "all" keeps them all."""
    if split in (None, "", "all"):
        return list(questions)
    if split not in SPLITS:
        raise QuestionSetError("--split", [f"unknown split {split!r}; use dev, test or all"])
    return [q for q in questions if q.split == split]


# -- YAML --------------------------------------------------------------------------------------

def _answers(value, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list):
        problems.append(f"{where}: 'answers' must be a list of strings ([] for unanswerable), "
                        f"got {type(value).__name__}")
        return []
    answers = []
    for answer in value:
        if isinstance(answer, bool) or not isinstance(answer, (str, int, float)) or not str(answer).strip():
            problems.append(f"{where}: answer {answer!r} is not a non-empty string")
            continue
        answers.append(str(answer).strip())
    return answers


def _evidence(value, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    spans = []
    for span in items:
        if not isinstance(span, str) or not span.strip():
            problems.append(f"{where}: evidence {span!r} is not a non-empty string")
            continue
        spans.append(span.strip())
    return spans


def _check_consistency(kind: str, answers: list[str], evidence: list[str], raw: dict, where: str,
                       problems: list[str]) -> None:
    if kind == "unanswerable":
        if answers:
            problems.append(f"{where}: an unanswerable question must have 'answers: []'")
        if evidence:
            problems.append(f"{where}: an unanswerable question must have no 'evidence'")
    elif not answers and isinstance(raw.get("answers"), list):
        problems.append(f"{where}: 'answers' is empty but kind is '{kind}' (use kind: unanswerable)")


def parse_item(raw, position: int, problems: list[str]) -> Question | None:
    where = f"item {position}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with {', '.join(REQUIRED_KEYS)}, got {type(raw).__name__}")
        return None
    if isinstance(raw.get("id"), (str, int)) and str(raw["id"]).strip():
        where = f"item {position} (id {raw['id']})"
    before = len(problems)
    unknown = sorted(set(map(str, raw)) - ITEM_KEYS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ITEM_KEYS))}")
    for key in REQUIRED_KEYS:
        if key not in raw:
            problems.append(f"{where}: missing '{key}'")
    qid = str(raw.get("id", "")).strip()
    if "id" in raw and (not isinstance(raw["id"], (str, int)) or not qid):
        problems.append(f"{where}: 'id' must be a non-empty string")
    question = raw.get("question")
    if "question" in raw and (not isinstance(question, str) or not question.strip()):
        problems.append(f"{where}: 'question' must be non-empty text")
    kind = raw.get("kind")
    if "kind" in raw and kind not in KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    answers = _answers(raw.get("answers", []), where, problems) if "answers" in raw else []
    evidence = _evidence(raw.get("evidence"), where, problems)
    article_ids = raw.get("article_ids") or []
    if not isinstance(article_ids, list) or not all(isinstance(a, str) and a.strip() for a in article_ids):
        problems.append(f"{where}: 'article_ids' must be a list of article ids")
        article_ids = []
    if kind in KINDS:
        _check_consistency(kind, answers, evidence, raw, where, problems)
    split = raw.get("split") or ""
    if split and split not in SPLITS:
        problems.append(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
    asked_on = raw.get("asked_on")
    if asked_on is not None:
        try:
            asked_on = dt.date.fromisoformat(str(asked_on)).isoformat()
        except ValueError:
            problems.append(f"{where}: asked_on {asked_on!r} is not a date (YYYY-MM-DD)")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}: 'tags' must be a list of words")
        tags = []

    follow_up = None
    if raw.get("follow_up") is not None:
        follow_up = _parse_follow_up(raw["follow_up"], qid, kind, article_ids, f"{where} follow_up", problems)
    if len(problems) > before:
        return None
    split = split or split_of(qid)
    if follow_up is not None:
        follow_up.split = split
        follow_up.asked_on = asked_on
    return Question(id=qid, question=" ".join(question.split()), answers=answers, kind=kind,
                    article_ids=list(article_ids), evidence=evidence, follow_up=follow_up, split=split,
                    asked_on=asked_on, tags=list(tags))


def _parse_follow_up(raw, parent_id: str, parent_kind, article_ids: list[str], where: str,
                     problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with question, answers, evidence")
        return None
    unknown = sorted(set(map(str, raw)) - FOLLOW_UP_KEYS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(FOLLOW_UP_KEYS))}")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}: 'question' must be non-empty text")
        return None
    if "answers" not in raw:
        problems.append(f"{where}: missing 'answers' ([] when it is unanswerable)")
        return None
    answers = _answers(raw.get("answers", []), where, problems)
    evidence = _evidence(raw.get("evidence"), where, problems)
    kind = raw.get("kind") or ("unanswerable" if not answers and "answers" in raw else parent_kind)
    if kind not in KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        return None
    if kind == "unanswerable" and answers:
        problems.append(f"{where}: an unanswerable follow-up must have 'answers: []'")
    elif kind == "unanswerable" and evidence:
        problems.append(f"{where}: an unanswerable follow-up must have no 'evidence'")
    elif kind != "unanswerable" and not answers:
        problems.append(f"{where}: 'answers' is empty (give kind: unanswerable on the follow-up)")
    return Question(id=f"{parent_id}/follow-up", question=" ".join(question.split()), answers=answers,
                    kind=kind, article_ids=list(article_ids), evidence=evidence,
                    meta={"parent_id": parent_id, "turn": 2})


def parse_questions(data, source: str = "<questions>") -> list[Question]:
    """Validate parsed YAML (a list of items); raises ``QuestionSetError`` listing every problem."""
    if data is None:
        raise QuestionSetError(source, ["the file is empty: expected a list of questions"])
    if not isinstance(data, list):
        raise QuestionSetError(source, [f"expected a list of questions at the top level, got {type(data).__name__}"])
    problems: list[str] = []
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(data, start=1):
        item = parse_item(raw, position, problems)
        qid = str(raw.get("id", "")).strip() if isinstance(raw, dict) else ""
        if qid and qid in seen:
            problems.append(f"item {position}: duplicate id '{qid}' (first used by item {seen[qid]})")
            continue
        if qid:
            seen[qid] = position
        if item is not None:
            questions.append(item)
    if problems:
        raise QuestionSetError(source, problems)
    if not questions:
        raise QuestionSetError(source, ["no questions in the file"])
    return questions


def load_yaml(path: Path) -> list[Question]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise QuestionSetError(str(path), [f"not valid YAML: {err}"]) from None
    return parse_questions(data, str(path))


# -- QuAIL -------------------------------------------------------------------------------------

def _normalise_types(types: Iterable[str] | None) -> list[str]:
    """``["Factual,Temporal_order", "unanswerable"]`` -> canonical QuAIL type names."""
    if not types:
        return list(DEFAULT_QUAIL_TYPES)
    canonical = {name.lower(): name for name in QUAIL_KINDS}
    names, unknown = [], []
    for item in types:
        for name in str(item).replace(";", ",").split(","):
            name = name.strip()
            if not name:
                continue
            if name.lower() == "all":
                names.extend(QUAIL_KINDS)
            elif name.lower() in canonical:
                names.append(canonical[name.lower()])
            else:
                unknown.append(name)
    if unknown:
        raise QuestionSetError("--types", [f"unknown QuAIL question type(s) {', '.join(unknown)}; "
                                           f"known: {', '.join(QUAIL_KINDS)} (or all)"])
    return list(dict.fromkeys(names))


def from_quail(records: Iterable[dict], types: Iterable[str] | None = None,
               source: str = "<quail>") -> list[Question]:
    """QuAIL records -> questions, keeping only ``types`` (default: DEFAULT_QUAIL_TYPES)."""
    wanted = set(_normalise_types(types))
    problems: list[str] = []
    questions: list[Question] = []
    for line, record in enumerate(records, start=1):
        qtype = record.get("question_type")
        if qtype not in QUAIL_KINDS:
            problems.append(f"line {line}: unknown question_type {qtype!r}")
            continue
        if qtype not in wanted:
            continue
        answers = [str(a).strip() for a in record.get("answers") or [] if str(a).strip()]
        text = record.get("question")
        if not record.get("id") or not isinstance(text, str) or not text.strip():
            problems.append(f"line {line}: a QuAIL record needs 'id' and 'question'")
            continue
        kind = QUAIL_KINDS[qtype]
        if kind != "unanswerable" and not answers:
            problems.append(f"line {line} (id {record['id']}): no correct answer")
            continue
        evidence = record.get("evidence_text")
        questions.append(Question(
            id=str(record["id"]), question=" ".join(text.split()),
            answers=[] if kind == "unanswerable" else answers, kind=kind,
            article_ids=[str(a) for a in record.get("article_ids") or []],
            evidence=_evidence(evidence, f"line {line}", problems) if evidence else [],
            meta={"quail_type": qtype},
        ))
    if problems:
        raise QuestionSetError(source, problems)
    return questions


def _read_records(path: Path) -> list:
    text = Path(path).read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise QuestionSetError(str(path), [f"not JSON ({err})"]) from None
        if not isinstance(data, list):
            raise QuestionSetError(str(path), ["expected a JSON list of questions"])
        return data
    records, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            problems.append(f"line {number}: not JSON ({err})")
    if problems:
        raise QuestionSetError(str(path), problems)
    return records


def load_jsonl(path: Path, types: Iterable[str] | None = None) -> list[Question]:
    """JSONL (or a JSON list): QuAIL records when they carry ``question_type``, else YAML-format items."""
    path = Path(path)
    records = _read_records(path)
    if records and all(isinstance(r, dict) and "question_type" in r for r in records):
        questions = from_quail(records, types, str(path))
        if not questions:
            raise QuestionSetError(str(path), ["no question of the chosen --types"])
        return questions
    return parse_questions(records, str(path))  # JSONL in the YAML item format


def is_quail_file(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() not in (".jsonl", ".json") or not path.is_file():
        return False
    try:
        records = _read_records(path)
    except QuestionSetError:
        return False
    return bool(records) and isinstance(records[0], dict) and "question_type" in records[0]


def load_questions(path: Path | str, types: Iterable[str] | None = None, limit: int | None = None,
                   split: str | None = None) -> list[Question]:
    """Questions from a YAML file or a JSONL file (QuAIL or the YAML item format); ``split``:
    dev, test, or None/"all" for both (applied before ``limit``)."""
    path = Path(path)
    if not path.is_file():
        raise QuestionSetError(str(path), ["no such file"])
    if path.suffix.lower() in (".jsonl", ".json"):
        questions = load_jsonl(path, types)
    else:
        questions = load_yaml(path)
    questions = select_split(questions, split)
    if not questions:
        raise QuestionSetError(str(path), [f"no question in split {split!r}"])
    if limit is not None:
        if limit < 1:
            raise QuestionSetError(str(path), [f"--limit must be at least 1, got {limit}"])
        questions = questions[:limit]
    return questions

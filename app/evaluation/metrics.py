"""Evaluation metrics. Each is computed per turn (a question or its follow-up), then averaged
over the turns where it is defined, overall and per kind. Fractions are in 0..1, times in seconds.

**Answer accuracy** (``accuracy``) - the share of turns answered correctly.
An answerable turn is correct when the answer is not a refusal and matches any one of the gold
answers. Matching works on the answer text without its ``[n]`` citation markers:
- *Text answers*: the normalised gold is a contiguous run of tokens in the normalised answer.
  Normalisation lowercases, folds accents and curly quotes, drops thousands separators,
  turns every other punctuation mark into a space (so "twenty-four" = "twenty four"), drops the
  articles a/an/the, and ignores a plural -s ("authorizations" contains "authorization").
- *Date answers* (the gold is one calendar date with a month name, or ISO yyyy-mm-dd; read
  with dateparser in ``app.evaluation.matching``): correct when some date in the answer has the
  gold's month and every part the gold states: "20th April 2018" = "April 20, 2018" =
  "2018-04-20"; a gold without a year ("April 20") matches "April 20, 2018"; a gold with a year
  is matched by an answer date without one only when the question or the answer states that year.
- *Number answers* (the gold holds one number, as digits or words, with its scale and unit:
  "14", "fourteen", "two dozen", "1,602.54", "$5 million", "12%", "3.5 km"): numbers are compared
  as values ("$5 million" = "5,000,000 dollars" = "US$5m") and units by their canonical name
  ("12%" = "12 per cent", "3.5 km" = "3.5 kilometres"); a different unit is wrong ("12.7 points"
  is not "12.7%"), a unit the answer leaves out is not. For kind ``factoid-number`` the answer
  is correct only if the **first number it states** equals the gold, leaving out citation markers
  and numbers the question already states (unless equal to the gold): "Of the 24 rockets, 14
  hit" answers "Of the 24 rockets, how many hit?" with 14. So "14 of the 24 rockets hit" is
  correct for gold 14 and wrong for gold 24. The source date a "latest" answer opens with ("As
  of 20 February 2019, Eleven.") is not a number it states. For other kinds the gold number must
  be among the answer's numbers. Gold words besides the number and unit ("14 rockets") must appear in the
  answer as well. A score ("45 points to 24", "45-24") needs both numbers next to each other in
  the answer, in either order; any other gold with several numbers is matched as text.
An unanswerable turn is correct when the answer is a refusal. A refusal is never correct on an
answerable turn. A failed turn (an exception) is wrong and not a refusal.

**Wrong answers** (``wrong_rate``) - the share of all turns that were answered (not refused)
and not correct: a wrong answer to an answerable question, any answer to an unanswerable one,
and a failed turn. **Truthfulness** (``truthfulness``, as in Meta's CRAG benchmark) = (correct -
wrong) / turns, in -1..1: a right answer scores 1, a refusal 0 (on an answerable question), a
wrong answer -1. It rewards refusing over guessing; accuracy alone does not.

**Token F1** (``f1``) - SQuAD-style: precision/recall of the bag of normalised tokens of the
answer against a gold answer, best over the gold answers. A refusal scores 0 on an answerable
turn; on an unanswerable turn F1 is 1 for a refusal and 0 otherwise.

**Retrieval recall@k and MRR** (``recall_at_k``, ``mrr``) - measured on the retriever's top-k
passages for the query the pipeline retrieved with (the rewritten question for a follow-up),
k = ``retrieval.top_k``. A passage *holds* a gold evidence span when the span, whitespace-,
quote- and case-normalised, lies inside the passage text. recall@k = the share of the turn's
evidence spans held by some top-k passage; MRR = 1/rank of the first passage holding any span
(0 if none). Turns without evidence spans but with ``article_ids`` (QuAIL) use the articles
instead: recall@k = share of gold articles with a passage in the top k, MRR = 1/rank of the first
passage from a gold article. Unanswerable turns are not scored.

**Citation precision** (``citation_precision``) - over the citations of answerable, answered
turns: the share of citations whose cited chunk holds a gold evidence span, or whose highlighted
span overlaps one (one contains the other, or they share a run of at least 12 characters and at
least half the shorter one's length), or whose span contains a gold answer. Without evidence spans, a citation of
one of the turn's ``article_ids`` counts as correct. Averaged per turn over turns with citations.

**Citation recall** (``citation_recall``) - over answerable turns with evidence: the share of
gold evidence spans held by the chunk of some citation or overlapping some cited span (a refusal
cites nothing: 0). Without evidence spans: the share of ``article_ids`` cited.

**Refusal precision / recall** (``refusal_precision``, ``refusal_recall``) - refusal is the
positive class and unanswerable turns are the true positives: precision = refused unanswerable /
all refused; recall = refused unanswerable / all unanswerable. **False-refusal rate**
(``false_refusal_rate``) = refused answerable / all answerable. Undefined values are ``null``.

**Latency** (``latency_p50_s``, ``latency_p95_s``) - percentiles of the turn's total time
(``Answer.timings.total_s``); ``latency`` holds p50/p95/mean for each stage (rewrite, retrieval,
generation, first token, total). Percentiles interpolate linearly between the closest ranks.

**Faithfulness** (``faithfulness``, only with a judge model) - the share of answered turns for
which the judge says every claim of the answer is supported by its cited passages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from app.evaluation import matching
from app.text import strip_markers

SUMMARY_KEYS = ("accuracy", "wrong_rate", "truthfulness", "f1", "recall_at_k", "mrr", "citation_precision", "citation_recall",
                "refusal_precision", "refusal_recall", "false_refusal_rate", "latency_p50_s", "latency_p95_s")
STAGES = ("rewrite_s", "retrieval_s", "generation_s", "first_token_s", "total_s")

_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
_PUNCT_RE = re.compile(r"[^\w\s]|_")
_ARTICLES = {"a", "an", "the"}
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


# -- normalisation -----------------------------------------------------------------------------

def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").translate(_QUOTES))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalize_text(text: str) -> str:
    """SQuAD-style: lowercase, no punctuation (as spaces), no articles, single spaces."""
    text = _THOUSANDS_RE.sub("", _fold(text).lower())
    tokens = _PUNCT_RE.sub(" ", text).split()
    return " ".join(t for t in tokens if t not in _ARTICLES)


def _depluralise(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token


def match_tokens(text: str) -> list[str]:
    return [_depluralise(t) for t in normalize_text(text).split()]


def contains_text(text: str, gold: str) -> bool:
    """Is the normalised gold a contiguous run of tokens in the normalised text?"""
    needle, hay = match_tokens(gold), match_tokens(text)
    if not needle:
        return False
    n = len(needle)
    return any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


def normalize_span(text: str) -> str:
    """For evidence lookups: whitespace collapsed, quotes folded, case ignored."""
    return " ".join(_fold(text).split()).casefold()


def span_in(span: str, text: str) -> bool:
    span = normalize_span(span)
    return bool(span) and span in normalize_span(text)


def spans_overlap(a: str, b: str, min_share: float = 0.5) -> bool:
    """One contains the other, or they share a run of characters >= min_share of the shorter."""
    a, b = normalize_span(a), normalize_span(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= max(12, min_share * min(len(a), len(b)))


# -- numbers, quantities, dates ---------------------------------------------------------------

def number_mentions(text: str) -> list[float]:
    """Numbers in the order they are written, digits or words, with their scale:
    'fourteen of the 24' -> [14, 24]; '$2.5 billion' -> [2500000000]."""
    return matching.number_values(text)


_SCORE_GLUE = {"to", "point", "points", "and", "by"}


def _rest_after(gold: str, spans: Sequence[tuple[int, int]]) -> str:
    """The gold's words outside the given spans of ``fold(gold)`` (its quantity or date)."""
    text = matching.fold(gold)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _is_score(gold: str, golds: Sequence[matching.Quantity]) -> bool:
    rest = normalize_text(_rest_after(gold, [(q.start, q.end) for q in golds])).split()
    return len(golds) == 2 and all(token in _SCORE_GLUE for token in rest)


def _match_score(answer: str, golds: Sequence[matching.Quantity]) -> bool:
    """'45 points to 24' = '45-24' = '45 to 24': the two numbers next to each other, either order."""
    values = matching.number_values(answer)
    pair = [golds[0].value, golds[1].value]
    return any(values[i:i + 2] in (pair, pair[::-1]) for i in range(len(values) - 1))


def _match_date(answer: str, gold: matching.Date, question: str) -> bool:
    years = set(number_mentions(question)) | set(number_mentions(answer))
    return any(d.agrees_with(gold, year_known=gold.year in years) for d in matching.dates(answer))


# -- answers -----------------------------------------------------------------------------------

_AS_OF_RE = re.compile(r"^As of \d{1,2} [A-Z][a-z]+ \d{4}, ")


def match_answer(answer: str, gold: str, kind: str = "", question: str = "") -> bool:
    """Does ``answer`` give ``gold``? See the module docstring for the date, number and unit rules."""
    answer = strip_markers(answer)
    date = matching.gold_date(gold)
    if date is not None:
        return _match_date(answer, date, question)
    answer = _AS_OF_RE.sub("", answer)  # the source's date (app/answering/dated_answers.py), not the answer
    golds = matching.quantities(gold)
    if not golds:
        return contains_text(answer, gold)
    if len({q.value for q in golds}) != 1:
        return _match_score(answer, golds) if _is_score(gold, golds) else contains_text(answer, gold)
    target = next((q for q in golds if q.unit), golds[0])
    stated = matching.quantities(answer)
    if kind == "factoid-number":
        restated = set(number_mentions(question)) - {target.value}
        stated = [q for q in stated if q.value not in restated]
        number_ok = bool(stated) and matching.same_quantity(stated[0], target)
    else:
        number_ok = any(matching.same_quantity(q, target) for q in stated)
    rest = _rest_after(gold, [(q.start, q.end) for q in golds])
    return number_ok and (not normalize_text(rest) or contains_text(answer, rest))


def answer_correct(answer: str, golds: Sequence[str], kind: str, refused: bool, question: str = "") -> bool:
    """Whether the answer gives one of the golds. A yes/no answer must open with the gold verdict;
    a summary must hold at least half of the gold key facts."""
    if kind == "unanswerable" or not golds:
        return bool(refused)
    if refused:
        return False
    if kind == "yes-no":
        verdict = normalize_text(strip_markers(answer)).split()[:1]
        return bool(verdict) and verdict[0] in {normalize_text(g) for g in golds}
    if kind == "summary":
        return 2 * sum(match_answer(answer, gold, kind, question) for gold in golds) >= len(golds)
    return any(match_answer(answer, gold, kind, question) for gold in golds)


def token_f1(prediction: str, gold: str) -> float:
    pred, truth = normalize_text(strip_markers(prediction)).split(), normalize_text(gold).split()
    if not pred or not truth:
        return float(pred == truth)
    common = sum((Counter(pred) & Counter(truth)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(truth)
    return 2 * precision * recall / (precision + recall)


def best_f1(answer: str, golds: Sequence[str], kind: str, refused: bool) -> float:
    if kind == "unanswerable" or not golds:
        return 1.0 if refused else 0.0
    if refused:
        return 0.0
    return max(token_f1(answer, gold) for gold in golds)


# -- retrieval ---------------------------------------------------------------------------------

def retrieval_scores(evidence: Sequence[str], passages: Sequence[str], k: int | None = None
                     ) -> tuple[float | None, float | None]:
    """(recall@k, MRR) of evidence spans over passage texts in rank order; (None, None) without evidence."""
    if not evidence:
        return None, None
    top = list(passages)[:k] if k else list(passages)
    found = [any(span_in(span, text) for text in top) for span in evidence]
    recall = sum(found) / len(evidence)
    first = next((rank for rank, text in enumerate(top, start=1) if any(span_in(s, text) for s in evidence)), None)
    return recall, (1.0 / first if first else 0.0)


def article_retrieval_scores(article_ids: Sequence[str], passage_articles: Sequence[str], k: int | None = None
                             ) -> tuple[float | None, float | None]:
    """(recall@k, MRR) with gold articles instead of spans: a passage hits when it is from one."""
    if not article_ids:
        return None, None
    top = list(passage_articles)[:k] if k else list(passage_articles)
    gold = set(article_ids)
    recall = len(gold & set(top)) / len(gold)
    first = next((rank for rank, article in enumerate(top, start=1) if article in gold), None)
    return recall, (1.0 / first if first else 0.0)


# -- citations ---------------------------------------------------------------------------------

def citation_correct(span_text: str, chunk_text: str, article_id: str | None, evidence: Sequence[str],
                     golds: Sequence[str], article_ids: Sequence[str] = ()) -> bool:
    if any(span_in(e, chunk_text) or spans_overlap(span_text, e) for e in evidence):
        return True
    if any(match_answer(span_text, gold) for gold in golds):
        return True
    return not evidence and bool(article_ids) and article_id in set(article_ids)


def citation_scores(citations: Sequence[tuple[str, str, str | None]], evidence: Sequence[str],
                    golds: Sequence[str], article_ids: Sequence[str] = ()) -> tuple[float | None, float | None]:
    """(precision, recall) for one answer; citations are (span text, chunk text, article id).

    Precision is None without citations; recall is None without evidence and article ids.
    """
    precision = None
    if citations:
        good = [citation_correct(span, chunk, article, evidence, golds, article_ids)
                for span, chunk, article in citations]
        precision = sum(good) / len(good)
    if evidence:
        covered = [any(span_in(e, chunk) or spans_overlap(span, e) for span, chunk, _ in citations)
                   for e in evidence]
        recall = sum(covered) / len(evidence)
    elif article_ids:
        cited = {article for _, _, article in citations}
        recall = len(set(article_ids) & cited) / len(set(article_ids))
    else:
        recall = None
    return precision, recall


# -- refusals ----------------------------------------------------------------------------------

def refusal_scores(turns: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """From (answerable, refused) pairs: refusal precision/recall (positive = refused, truth =
    unanswerable) and the false-refusal rate on answerable turns; None where undefined."""
    turns = list(turns)
    refused = [answerable for answerable, was_refused in turns if was_refused]
    unanswerable = [was_refused for answerable, was_refused in turns if not answerable]
    answerable = [was_refused for is_answerable, was_refused in turns if is_answerable]
    true_positives = sum(1 for a in refused if not a)
    return {
        "refusal_precision": true_positives / len(refused) if refused else None,
        "refusal_recall": true_positives / len(unanswerable) if unanswerable else None,
        "false_refusal_rate": sum(answerable) / len(answerable) if answerable else None,
    }


def is_wrong(turn: dict) -> bool:
    """Answered but not correct (a failed turn counts as wrong: it gave the reader nothing right)."""
    return not turn["correct"] and (bool(turn.get("error")) or not turn["refused"])


def truthfulness(turns: Sequence[dict]) -> float | None:
    """CRAG-style: (correct - wrong) / turns; None without turns."""
    if not turns:
        return None
    return (sum(bool(t["correct"]) for t in turns) - sum(is_wrong(t) for t in turns)) / len(turns)


# -- aggregation -------------------------------------------------------------------------------

def percentile(values: Iterable[float | None], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default); None if empty."""
    xs = sorted(float(v) for v in values if v is not None and not math.isnan(v))
    if not xs:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in 0..100, got {q}")
    position = (len(xs) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return xs[low] + (xs[high] - xs[low]) * (position - low)


def mean(values: Iterable[float | bool | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def summarize(turns: Sequence[dict], per_kind: bool = True, per_split: bool = True) -> dict:
    """The summary of turn records (dicts as written by the runner): SUMMARY_KEYS and extras;
    ``per_kind`` adds per-kind and first/follow-up parts, ``per_split`` one summary per split
    (dev/test) when the turns come from more than one."""
    latency = {}
    for stage in STAGES:
        values = [t.get("timings", {}).get(stage) for t in turns]
        latency[stage.removesuffix("_s")] = {"p50": _round(percentile(values, 50), 3),
                                             "p95": _round(percentile(values, 95), 3),
                                             "mean": _round(mean(values), 3),
                                             "n": sum(v is not None for v in values)}
    answerable = [t for t in turns if t["answerable"]]
    summary = {
        "accuracy": _round(mean(t["correct"] for t in turns)),
        "wrong_rate": _round(mean(is_wrong(t) for t in turns)),
        "truthfulness": _round(truthfulness(turns)),
        "f1": _round(mean(t["f1"] for t in turns)),
        "recall_at_k": _round(mean(t.get("recall_at_k") for t in turns)),
        "mrr": _round(mean(t.get("mrr") for t in turns)),
        "citation_precision": _round(mean(t.get("citation_precision") for t in turns)),
        "citation_recall": _round(mean(t.get("citation_recall") for t in turns)),
        **{k: _round(v) for k, v in refusal_scores((t["answerable"], t["refused"]) for t in turns).items()},
        "latency_p50_s": latency["total"]["p50"],
        "latency_p95_s": latency["total"]["p95"],
        "answerable_accuracy": _round(mean(t["correct"] for t in answerable)),
        "article_recall_at_k": _round(mean(t.get("article_recall_at_k") for t in turns)),
        "n_turns": len(turns),
        "n_answerable": len(answerable),
        "n_unanswerable": len(turns) - len(answerable),
        "n_correct": sum(bool(t["correct"]) for t in turns),
        "n_wrong": sum(is_wrong(t) for t in turns),
        "n_refused": sum(bool(t["refused"]) for t in turns),
        "n_errors": sum(bool(t.get("error")) for t in turns),
        "latency": latency,
    }
    judged = [t["faithful"] for t in turns if t.get("faithful") is not None]
    if any("faithful" in t for t in turns):
        summary["faithfulness"] = _round(mean(judged))
        summary["n_judged"] = len(judged)
    if per_kind:
        kinds = sorted({t["kind"] for t in turns})
        summary["per_kind"] = {kind: summarize([t for t in turns if t["kind"] == kind], per_kind=False)
                               for kind in kinds}
        summary["per_turn"] = {name: summarize(group, per_kind=False) for name, group in (
            ("first", [t for t in turns if t.get("turn", 1) == 1]),
            ("follow_up", [t for t in turns if t.get("turn", 1) == 2])) if group}
    splits = sorted({t["split"] for t in turns if t.get("split")})
    if per_split and len(splits) > 1:
        summary["per_split"] = {name: summarize([t for t in turns if t.get("split") == name], per_kind, False)
                                for name in splits}
    return summary

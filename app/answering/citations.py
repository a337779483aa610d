"""From a model's raw answer to claims that each cite a passage and an exact supporting span.

Steps, in the spirit of PaperQA/RAGFlow/PrivateGPT but with a support check of our own:
1. normalise marker styles ("[1, 2]", "(1)", "【1】", "[Passage 1]") to "[n]"; drop numbers that
   point at no passage;
2. check each sentence against the passages it cites (``grounding.support``); when it cites none,
   or cites passages that do not hold its facts, assign the passages that do ("matched");
3. drop sentences no passage supports; renumber cited passages 1..m in first-cited order;
4. locate, for each citation, the passage sentence that best supports its claims: the span the
   reader sees highlighted, with character offsets into the article.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from app.answering.grounding import Support, support
from app.text import (
    content_stems,
    marker_numbers,
    normalise_markers,
    sentence_spans,
    stem,
    strip_markers,
    token_set,
)
from app.types import Citation, Passage, Span

@dataclass
class Claim:
    text: str  # the sentence without markers
    cited: list[int] = field(default_factory=list)  # passage numbers (as retrieved)
    origin: str = "model"
    support: Support | None = None


@dataclass
class CitedAnswer:
    text: str
    citations: list[Citation]
    passages: list[Passage]  # renumbered: cited first, in citation order
    claims: list[Claim]
    unsupported: list[Claim]


# Preambles that add nothing a reader needs ("According to the passage [1], ...").
_PREAMBLE_RE = re.compile(
    r"^(?:according to (?:the )?(?:passages?|articles?|context|text)(?:\s*\[\d+\])*\s*,?\s*"
    r"(?:it (?:states|says) that\s*)?|(?:the )?(?:passages?|articles?) (?:states?|says?) that\s*)",
    re.IGNORECASE,
)


def _strip_preamble(sentence: str) -> str:
    stripped = _PREAMBLE_RE.sub("", sentence, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped else stripped


def split_claims(raw: str, passage_count: int) -> list[Claim]:
    text = normalise_markers(raw.strip())
    claims = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        numbers = marker_numbers(sentence)
        valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= passage_count))
        plain = re.sub(r"\s+", " ", strip_markers(sentence)).strip()
        plain = _strip_preamble(re.sub(r"\s+([.,;:!?])", r"\1", plain))
        if re.search(r"[A-Za-z0-9]", plain):
            claims.append(Claim(text=plain, cited=valid))
    return claims


def evidence_text(passage: Passage) -> str:
    """What a passage attests: its text, plus its article's title and date ("On 13 December 2019"
    is in the article's metadata even when the chunk only says "on Thursday")."""
    header = [passage.title or ""]
    if passage.date:
        try:
            day = datetime.date.fromisoformat(passage.date[:10])
            header.append(f"{day.day} {day.strftime('%B')} {day.year}")
        except ValueError:
            header.append(passage.date)
    return "\n".join([*header, passage.text])


def _best_supporting(claim: Claim, passages: list[Passage], question: str) -> list[int]:
    """Passage numbers (one, or two whose union is needed) that support the claim, best first."""
    scored = sorted(((support(claim.text, evidence_text(p), question), p.number) for p in passages),
                    key=lambda item: -item[0].score)
    for result, number in scored:
        if result.supported:
            return [number]
    # A claim may join facts from two passages ("24 were fired and 14 hit").
    top = [number for _, number in scored[:3]]
    by_number = {p.number: p for p in passages}
    for i, first in enumerate(top):
        for second in top[i + 1:]:
            joined = evidence_text(by_number[first]) + "\n" + evidence_text(by_number[second])
            if support(claim.text, joined, question).supported:
                return [first, second]
    return []


def ground_claims(claims: list[Claim], passages: list[Passage], question: str) -> tuple[list[Claim], list[Claim]]:
    by_number = {p.number: p for p in passages}
    kept, dropped = [], []
    for claim in claims:
        if claim.cited:
            evidence = "\n".join(evidence_text(by_number[n]) for n in claim.cited)
            claim.support = support(claim.text, evidence, question)
            if claim.support.supported:
                # Keep only the cited passages that contribute; a claim citing [1][2][3] for one fact
                # would otherwise send the reader to passages that say nothing about it.
                useful = [n for n in claim.cited if support(claim.text, evidence_text(by_number[n]), question).supported]
                claim.cited = useful or claim.cited
                kept.append(claim)
                continue
        matched = _best_supporting(claim, passages, question)
        if matched:
            claim.cited, claim.origin = matched, "matched"
            claim.support = support(claim.text, "\n".join(evidence_text(by_number[n]) for n in matched), question)
            kept.append(claim)
        else:
            if claim.support is None:
                claim.support = support(claim.text, "\n".join(evidence_text(p) for p in passages), question)
            dropped.append(claim)
    return kept, dropped


def best_span(claims: list[str], passage: Passage) -> Span:
    """The sentence of the passage that best supports the claims, as article offsets."""
    wanted_stems = set().union(*(content_stems(c) for c in claims)) if claims else set()
    wanted_tokens = set().union(*(token_set(c) for c in claims)) if claims else set()
    best, best_score = None, -1.0
    for start, end in sentence_spans(passage.text):
        sentence = passage.text[start:end]
        stems = {stem(t) for t in token_set(sentence)}
        score = len(wanted_stems & stems) + 0.5 * len(wanted_tokens & token_set(sentence) - wanted_stems)
        score += 2.0 * sum(1 for c in claims if support(c, sentence).missing_numbers == set()
                           and any(ch.isdigit() for ch in c))
        if score > best_score:
            best, best_score = (start, end), score
    start, end = best or (0, len(passage.text))
    start, end = _widen_to_missing_facts(claims, passage.text, (start, end))
    return Span(text=passage.text[start:end], start=passage.start + start, end=passage.start + end)


def _widen_to_missing_facts(claims: list[str], text: str, best: tuple[int, int], reach: int = 2) -> tuple[int, int]:
    """Stretch the span over nearby sentences holding the claim's numbers or names that the best
    sentence lacks, so the highlighted text shows every fact ("…deeply concerned…" + "…Pentagon
    spokesman John Kirby told reporters" for a claim fusing the two). At most ``reach`` sentences
    either side: a fact further away leaves the span on the best sentence."""
    if not claims:
        return best
    gap = support(" ".join(claims), text[best[0]:best[1]])
    wanted = set(gap.missing_numbers), set(gap.missing_names)
    if not wanted[0] and not wanted[1]:
        return best
    spans = sentence_spans(text)
    if best not in spans:
        return best
    at = spans.index(best)
    start, end = best
    for index in range(max(0, at - reach), min(len(spans), at + reach + 1)):
        a, b = spans[index]
        found = support(" ".join(claims), text[a:b])
        if (wanted[0] - found.missing_numbers) or (wanted[1] - found.missing_names):
            start, end = min(start, a), max(end, b)
    return start, end


def cite(raw: str, passages: list[Passage], question: str) -> CitedAnswer:
    claims = split_claims(raw, len(passages))
    kept, dropped = ground_claims(claims, passages, question)

    order: list[int] = []
    for claim in kept:
        for number in claim.cited:
            if number not in order:
                order.append(number)
    renumber = {old: new for new, old in enumerate(order, start=1)}
    by_number = {p.number: p for p in passages}

    text = " ".join(_attach_markers(claim.text, [renumber[n] for n in claim.cited]) for claim in kept)

    citations = []
    for old in order:
        passage = by_number[old]
        claim_texts = [c.text for c in kept if old in c.cited]
        origin = "model" if any(c.origin == "model" for c in kept if old in c.cited) else "matched"
        citations.append(Citation(
            number=renumber[old], article_id=passage.article_id, title=passage.title, url=passage.url,
            date=passage.date, source=passage.source, chunk_id=passage.chunk_id, chunk_text=passage.text,
            span=best_span(claim_texts, passage), origin=origin,
        ))

    ordered_passages = [by_number[n] for n in order] + [p for p in passages if p.number not in renumber]
    renumbered = [p.model_copy(update={"number": i}) for i, p in enumerate(ordered_passages, start=1)]
    return CitedAnswer(text=text, citations=citations, passages=renumbered, claims=kept, unsupported=dropped)


def _attach_markers(sentence: str, numbers: list[int]) -> str:
    """'Fourteen hit.' + [1] -> 'Fourteen hit [1].' keeps the marker inside the sentence."""
    markers = "".join(f"[{n}]" for n in numbers)
    match = re.search(r"[.!?]+[\"'”’)]*$", sentence)
    if match:
        return f"{sentence[:match.start()]} {markers}{sentence[match.start():]}"
    return f"{sentence} {markers}."

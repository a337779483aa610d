"""Follow-up questions made standalone, so retrieval and the model see what the user means.

Three tries, most dependable first:
1. the pronoun is resolved by rule when the earlier question names its topic plainly: "And how
   many of them hit?" after "How many rockets were launched at the base?" becomes "How many of the
   rockets hit?" — no model call, and no chance of the model answering instead of rewriting or
   changing the question (both 0.5B and 1.5B models were seen doing each);
2. otherwise the chat model rewrites the follow-up (prompts/condense.txt), and its rewrite is used
   if it is a question that keeps every content word the user wrote;
3. otherwise the user's question goes first with the earlier one as context.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from app.answering.question_frame import AnswerKind, analyse_question
from app.text import STOPWORDS, content_stems, sentence_spans, strip_markers

log = logging.getLogger(__name__)

FOLLOW_UP_RE = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(it|its|they|them|their|theirs|he|him|his|she|her|"
    r"this|that|these|those|there|then|the same|the other|others?|former|latter)\b",
    re.IGNORECASE,
)


EARLIER_NOTE = " (This follows the earlier question: "


def asked_part(standalone: str) -> str:
    """The question itself, without the earlier question added as context for retrieval: what the
    answer's type, relation and constraints are read from."""
    return standalone.split(EARLIER_NOTE, 1)[0]


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    standalone: str | None = None  # the question as it was understood (after rewriting)


# "Why?", "And when?": the earlier answer is what is asked about.
_BARE_WH_RE = re.compile(r"^(?:(?:and|but|so|then)\s+)?(why|when|where|how)\s*\??$", re.IGNORECASE)


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    return bool(history) and bool(FOLLOW_UP_RE.search(question) or _BARE_WH_RE.match(question.strip()))


def rewrite(question: str, history: Sequence[Turn], model_rewrite: Callable[[str, str], str],
            nlp: Language | None = None) -> str:
    """The standalone form of ``question``; ``model_rewrite(transcript, question)`` asks the model;
    ``nlp`` (spaCy) finds the earlier question's subject."""
    if not is_follow_up(question, history):
        return question
    earlier = history[-1].standalone or history[-1].question
    resolved = resolve_bare(question, history[-1].answer) or resolve_fragment(question, earlier)
    if resolved:
        return resolved
    # A follow-up's own relation stays its own ("And how many were launched?" asks about launching,
    # not hitting); what it leaves out (the event, the place) comes from the earlier question, as
    # context for retrieval.
    counted = resolve_ellipsis(question, earlier, nlp)
    resolved = resolve_pronoun(counted or question, earlier, nlp, history[-1].answer) or counted
    if resolved:
        return f"{resolved}{EARLIER_NOTE}{asked_part(earlier)})"
    resolved = resolve_from_answer(question, history[-1].answer)
    if resolved:
        return resolved
    transcript = "\n".join(f"User: {t.standalone or t.question}\nAssistant: {t.answer}" for t in history[-3:])
    try:
        proposed = model_rewrite(transcript, question)
    except Exception as err:  # a failed rewrite must not fail the answer
        log.warning("follow-up rewrite failed (%s); keeping the earlier question as context", err)
        proposed = ""
    proposed = clean_rewrite(proposed)
    if usable_rewrite(question, proposed):
        return proposed
    log.info("model rewrite unusable (%r); keeping the earlier question as context", proposed)
    return f"{question}{EARLIER_NOTE}{earlier})"


def clean_rewrite(text: str) -> str:
    text = text.strip().splitlines()[0].strip().strip('"“”') if text.strip() else ""
    return re.sub(r"^(standalone question|question|rewritten question)\s*:\s*", "", text, flags=re.I).strip()


def usable_rewrite(question: str, rewritten: str) -> bool:
    """A question, not an answer; not a ramble; keeps every content word the user wrote."""
    return bool(rewritten) and rewritten.endswith("?") and len(rewritten) <= 3 * len(question) + 200 \
        and rewritten.lower() != question.lower() and not (content_stems(question) - content_stems(rewritten))


# -- resolution from the previous answer ------------------------------------------------------------
_REFUSED_RE = re.compile(r"^the articles don't say", re.IGNORECASE)
# "Who said that?", "When did it happen?", "Why did he do this?": a pronoun that stands for the
# whole previous answer, not for a noun of the previous question.
# "that exchange", "this attack": a determiner naming a thing, not the statement.
_STATEMENT_PRONOUN_RE = re.compile(
    r"\bit\b|\b(that|this)\b(?!\s+(?!(?:happen|happened|happens|occur|occurred|mean|means|is|was|first|again)\b)[a-z])",
    re.IGNORECASE)
_REPORTING_RE = re.compile(r"\b(said|say|says|claimed|reported|announced|confirmed|denied|wrote|told)\s+(that|this|it)\b",
                           re.IGNORECASE)


# “…,” he said / “…,” Pentagon spokesman John Kirby told reporters: the quotation and who said it.
_QUOTED_RE = re.compile(r"^[“\"](?P<quote>.+?)[,.!?]?[”\"]\s*,?\s*(?P<by>[^“”\"]*)$", re.DOTALL)


def answer_parts(answer: str) -> tuple[str, str] | None:
    """An earlier answer's short lead (a few words, "" if none) and the sentence it stated, without
    markers: "Flour bag. This time the missile was hidden in a flour bag [1]." -> ("Flour bag", the
    sentence). None for a refusal."""
    text = strip_markers(answer).strip()
    if not text or _REFUSED_RE.match(text):
        return None
    spans = sentence_spans(text)
    if len(spans) > 1 and len(text[slice(*spans[0])].split()) <= 6:
        return text[slice(*spans[0])].rstrip(" ."), text[slice(*spans[1])]
    return "", text[slice(*spans[0])]


def answer_statement(answer: str) -> str | None:
    """The sentence an earlier answer stated, without its markers and its short-answer lead. Of a
    quotation, the quoted sentence that holds the short answer, without its attribution."""
    parts = answer_parts(answer)
    if parts is None:
        return None
    lead, text = parts[0].lower(), parts[1]
    quoted = _QUOTED_RE.match(text)
    if quoted:
        inner = quoted.group("quote")
        said = [inner[a:b] for a, b in sentence_spans(inner)] or [inner]
        text = next((part for part in said if lead and lead in part.lower()), said[0])
    return text.rstrip(" .,")


def resolve_from_answer(question: str, answer: str) -> str | None:
    """A follow-up whose pronoun means the previous answer itself, made standalone with it:
    "Who said that?" -> "Who said that this time the missile was hidden in a flour bag?";
    "When did it happen?" -> "When did it happen: <the statement>?"."""
    statement = answer_statement(answer)
    body = _LEAD_RE.sub("", question).strip()
    if not statement or not _STATEMENT_PRONOUN_RE.search(body):
        return None
    if statement.split()[0].lower() in STOPWORDS:  # "This time …" -> "this time …"; "Pentagon …" stays
        statement = statement[0].lower() + statement[1:]
    reporting = _REPORTING_RE.search(body)
    if reporting:
        resolved = body[:reporting.start(2)] + "that " + statement.strip("“”\"") + body[reporting.end(2):]
    else:
        resolved = f"{body.rstrip('?').rstrip()}: {statement}"
    resolved = resolved[0].upper() + resolved[1:]
    return resolved.rstrip("?.") + "?"


def resolve_bare(question: str, answer: str) -> str | None:
    """"Why?" after "Who postponed Ohio's primary?" asks why of the answer's statement: "Why: Governor
    Mike DeWine postponed it, citing the health crisis?"."""
    bare = _BARE_WH_RE.match(question.strip())
    statement = answer_statement(answer) if bare else None
    if not statement:
        return None
    return f"{bare.group(1).capitalize()}: {statement.rstrip('?.')}?"


# -- resolution by rule ------------------------------------------------------------------------
_LEAD_RE = re.compile(r"^(and|but|so|also|then|ok(ay)?|well)\b[\s,]*", re.IGNORECASE)
_WH = ("how many", "how much", "what", "which", "who", "whom", "whose", "when", "where", "why", "how")
_BE = {"is", "are", "was", "were", "has", "have", "had", "been", "being"}
_DO = {"did", "do", "does", "will", "would", "can", "could", "should", "might", "may", "must"}
_STOP = _BE | _DO | {
    "in", "on", "at", "of", "for", "from", "to", "by", "with", "about", "after", "before", "during", "near",
    "into", "over", "under", "against", "between", "since", "than", "as", "that", "which", "who", "when",
    "where", "why", "how", "and", "or", "but", "if",
}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her"}
# Subject pronouns and object pronouns stand for the phrase; possessives for the phrase + 's.
_PRONOUN_RE = re.compile(r"\b(them|they|it|he|she|him)\b|\b(their|its|his|her)\b", re.IGNORECASE)


def topic_phrase(earlier: str) -> str | None:
    """The thing an earlier question was about: "How many rockets were launched…" -> "the rockets".

    Word order rules for English questions, not a parser: after the wh-word comes either the
    topic ("how many rockets", "which country") or an auxiliary and then the topic as subject
    ("was the missile hidden", "did the plane crash").
    """
    words = re.findall(r"[\w'’-]+", earlier)
    lowered = [w.lower() for w in words]
    text = " ".join(lowered)
    wh = next((w for w in _WH if text.startswith(w + " ")), None)
    if wh is None:
        return None
    rest_words, rest = words[len(wh.split()):], lowered[len(wh.split()):]
    if not rest:
        return None
    if wh in ("how many", "how much", "which", "whose"):  # the topic follows the wh-word directly
        phrase = _run(rest_words, rest)
        return _with_article(phrase) if phrase else None
    if rest[0] not in _BE | _DO:
        return None  # "Who won the election?": the pronoun would stand for the unknown answer
    return _subject(rest_words[1:])


def _subject(words: list[str]) -> str | None:
    """The noun phrase after an auxiliary: a name ("Iran", "John Kirby"), or a determiner, any
    capitalised words and one more word ("the storm", "the Pentagon spokesman")."""
    if not words:
        return None
    if words[0][:1].isupper():
        names = []
        for word in words:
            if not word[:1].isupper():
                break
            names.append(word)
        return " ".join(names)
    if words[0].lower() not in _DETERMINERS:
        return None if words[0].lower() in _STOP else _with_article(words[0])
    phrase = [words[0]]
    for word in words[1:]:
        if word.lower() in _STOP:
            break
        phrase.append(word)
        if not word[:1].isupper():
            break
    return " ".join(phrase) if len(phrase) > 1 else None


def _run(words: list[str], lowered: list[str], limit: int = 5) -> str:
    out: list[str] = []
    for word, low in zip(words, lowered):
        if low in _STOP and not (not out and low in _DETERMINERS):
            break
        out.append(word)
        if len(out) == limit:
            break
    return " ".join(out)


def _with_article(phrase: str) -> str:
    first = phrase.split()[0]
    if first.lower() in _DETERMINERS or first[:1].isupper():
        return phrase
    return f"the {phrase}"


def _plural(phrase: str) -> bool:
    last = phrase.split()[-1].lower()
    return phrase.split()[0].lower() in ("these", "those") or \
        (last.endswith("s") and not last.endswith(("ss", "us", "is"))) or last in ("people", "children", "men", "women")


def answer_person(earlier: Doc, answer: str, nlp: Language) -> str | None:
    """The name an earlier answer led with ("Mishan. …"), when the earlier question asked for a person."""
    parts = answer_parts(answer)
    if parts is None or not parts[0] or len(parts[0].split()) > 4 or analyse_question(earlier).kind != AnswerKind.PERSON:
        return None
    names = [e.text for e in nlp(parts[0]).ents if e.label_ == "PERSON"]
    return parts[0] if names == [parts[0]] else None


def _only_person(earlier: Doc) -> str | None:
    """The one person an earlier question names, if it names exactly one."""
    people = list(dict.fromkeys(e.text for e in earlier.ents if e.label_ == "PERSON"))
    return people[0] if len(people) == 1 else None


def _names_no_person(phrase: str, earlier: Doc) -> bool:
    """The phrase is (or starts with) a place, organisation or other non-person name of the earlier question."""
    bare = phrase.lower().removeprefix("the ")
    return any(e.label_ != "PERSON" and bare.startswith(e.text.lower().removeprefix("the ")) for e in earlier.ents)


def earlier_subject(earlier: Doc) -> str | None:
    """The subject the earlier question names after its auxiliary: "How many seats did the
    Conservative Party win?" -> "the Conservative Party" (what a singular "it" stands for when the
    counted thing is plural). The name spaCy finds there, else its noun phrase there."""
    aux = next((t for t in earlier[1:] if t.lower_ in _BE | _DO), None)
    if aux is None or aux.i + 1 >= len(earlier):
        return None
    for span in (*earlier.ents, *earlier.noun_chunks):
        if span.start == aux.i + 1 and span.root.pos_ != "PRON" and span.label_ not in ("DATE", "TIME", "CARDINAL"):
            return span.text
    return None


def _agreeing_noun(earlier: Doc, plural: bool) -> str | None:
    """The last noun phrase of the earlier question that agrees with the pronoun in number and is
    not a person: "it" after "How many people were hurt at the base?" is "the base"."""
    people = {t.i for e in earlier.ents if e.label_ == "PERSON" for t in e}
    for chunk in reversed(list(earlier.noun_chunks)):
        root = chunk.root
        if root.pos_ not in ("NOUN", "PROPN") or root.i in people or any(t.tag_ in ("WDT", "WP", "WRB") for t in chunk):
            continue
        if (root.tag_ in ("NNS", "NNPS")) == plural:
            return chunk.text
    return None


def resolve_pronoun(question: str, earlier: str, nlp: Language | None = None, answer: str = "") -> str | None:
    """Replace the follow-up's first pronoun with the person the earlier answer named (when the
    earlier question asked who), the earlier question's topic, or (where the topic does not agree
    with it in number) the earlier question's subject; or None."""
    body = _LEAD_RE.sub("", question).strip()
    match = _PRONOUN_RE.search(body)
    if not match:
        return None
    pronoun = match.group().lower()
    parsed = nlp(earlier) if nlp is not None else None  # once, for both readings below
    personal = pronoun in ("he", "him", "his", "she", "her")
    person = subject = None
    if parsed is not None:
        # "What was he doing …?" after "Which civilian … told Al Jazeera …?" — "Mishan. …": he is Mishan.
        if personal:
            person = answer_person(parsed, answer, nlp) or _only_person(parsed)
        subject = earlier_subject(parsed)
    # "When did it happen?" after "How many rockets…": "it" is not the rockets. "She" is not
    # Thailand in "In what year did Thailand's Princess Ubolratana lose her title?".
    topic = person or next((t for t in (topic_phrase(earlier), subject)
                            if t and (pronoun in ("them", "they", "their")) == _plural(t)
                            and not (personal and parsed is not None and _names_no_person(t, parsed))), None)
    if not topic and parsed is not None and not personal:
        topic = _agreeing_noun(parsed, plural=pronoun in ("them", "they", "their"))
    if not topic:
        return None
    if match.group(1):
        replacement = topic
    else:
        replacement = topic + ("’" if topic.endswith("s") else "’s")
    resolved = body[:match.start()] + replacement + body[match.end():]
    resolved = resolved[0].upper() + resolved[1:]
    return resolved if resolved.endswith("?") else resolved.rstrip(".") + "?"


_ELIDED_COUNT_RE = re.compile(r"^how (many|much)\s+(?=(?:did|do|does|was|were|is|are|has|have|had|will|would|could)\b)",
                              re.IGNORECASE)


def _counted_phrase(earlier: str, nlp: Language) -> str | None:
    """The noun phrase "how many" counts in the earlier question, by its parse: "rockets" in "How
    many rockets hit the base?" (not "rockets hit the base"), "US soldiers" in "How many US soldiers …"."""
    doc = nlp(earlier)
    many = next((t for t in doc if t.lower_ in ("many", "much") and t.i > 0 and doc[t.i - 1].lower_ == "how"), None)
    noun = many.head if many is not None else None
    if noun is None or noun.pos_ not in ("NOUN", "PROPN") or noun.i < many.i:
        return None
    return doc[many.i + 1: noun.i + 1].text


def _elided_before_verb(body: str, nlp: Language) -> re.Match | None:
    """"how many hit it?": "how many" directly before a verb, its noun left out (the parse says verb)."""
    match = re.match(r"^how (many|much)\s+", body, re.IGNORECASE)
    if match is None:
        return None
    doc = nlp(body)
    after = next((t for t in doc if t.idx >= match.end()), None)
    return match if after is not None and after.pos_ in ("VERB", "AUX") and after.tag_ != "VBG" else None


def resolve_ellipsis(question: str, earlier: str, nlp: Language | None = None) -> str | None:
    """"And how many did Kevin McCarthy get?" after "How many votes did Nancy Pelosi receive …?":
    the counted noun left out is the earlier question's ("How many votes did Kevin McCarthy get?")."""
    body = _LEAD_RE.sub("", question).strip()
    match = _ELIDED_COUNT_RE.match(body)
    if match is None and nlp is not None and (verb := _elided_before_verb(body, nlp)) is not None:
        match = verb
    counted = re.search(rf"\bhow {match.group(1)}\s+([\w'’ -]+)", earlier, re.IGNORECASE) if match else None
    if not counted:
        return None
    words = counted.group(1).split()
    noun = (_counted_phrase(earlier, nlp) if nlp is not None else None) or _run(words, [w.lower() for w in words])
    if not noun or noun.split()[0].lower() in _STOP:
        return None
    resolved = f"{body[:match.end()]}{noun} {body[match.end():]}"
    return resolved[0].upper() + resolved[1:]


def resolve_fragment(question: str, earlier: str) -> str | None:
    """"And the final score?" after "What was the half-time score in University's win …?": the
    earlier question with its phrase for the same noun replaced ("What was the final score in …?")."""
    body = _LEAD_RE.sub("", question).strip().rstrip("?").strip()
    words = body.split()
    if not words or len(words) > 6 or question.strip() == body or any(w.lower() in _BE | _DO | set(_WH) for w in words):
        return None  # only "And/But/So …" fragments without a verb or a question word
    head = words[-1].lower()
    earlier_words = earlier.rstrip("?").split()
    at = next((i for i, w in enumerate(earlier_words) if w.lower().strip(",") == head), None)
    if at is None:
        return None
    start = at
    while start > 0 and earlier_words[start - 1].lower() not in _STOP | set(_WH) | _BE | _DO:
        start -= 1
    resolved = " ".join(earlier_words[:start] + words + earlier_words[at + 1:])
    return resolved[0].upper() + resolved[1:] + "?"

"""What form a reader's query takes, read off its parse, and the question it comes to.

Readers do not always ask wh-questions. The forms, and what each becomes:
- a wh-question ("How many rockets hit the base?"): itself;
- a lead-in, then the question ("I read about a ferry accident in Bangladesh. How many died?"): the
  question, with the lead-in kept to find the story (retrieval), not to be restated by the answer;
- an indirect question ("Can you tell me who won?"): the embedded question ("who won?");
- a yes/no question ("Were there any injuries?"): answered Yes or No by the sentence that settles
  it (app/answering/yes_no.py);
- a request ("tell me about the attack", "summarize the article") or keywords ("Ain al-Asad rocket
  attack"): a short extractive summary (app/answering/summaries.py);
- a statement to complete ("The number of rockets that hit the base:") or a few words ending in
  a noun and a question mark ("Tomsk plane crash 2021 location?"): "What is <it>?".

The grammar is spaCy's (parts of speech, dependencies), so no list of verbs or keywords decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from spacy.language import Language
from spacy.tokens import Doc, Span

Form = Literal["question", "yes_no", "summary"]
_WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
_COMPLETION_RE = re.compile(r"\s*(?::|\.\.\.|…)\s*$")
# Nouns that name the text itself, not a topic: "summarize the article" says which, by context.
_GENERIC_OBJECT_RE = re.compile(r"^(?:the |this |that )?(?:article|story|report|news|text|piece|it)s?$", re.I)


@dataclass(frozen=True)
class ReadQuery:
    form: Form
    question: str  # what is analysed and answered
    search: str  # what retrieval looks for: the lead-in and the question
    lead_in: str = ""
    topic: str | None = None  # for a summary: what it is about; None = the story already in question


def _wh(doc: Doc | Span):
    """The question word of a clause: the first wh-word that is not a relative pronoun."""
    for token in doc:
        if token.tag_ in _WH_TAGS and token.lower_ != "that" and token.dep_ != "relcl" \
                and not (token.head.dep_ == "relcl" and token.head.i > token.i and token.i > doc[0].i):
            return token
    return None


def _is_question(sentence: Span) -> bool:
    words = [t for t in sentence if not t.is_punct]
    return bool(words) and (sentence.text.rstrip().endswith("?") or _wh(sentence) is not None
                            or words[0].pos_ == "AUX")


def read_query(query: str, nlp: Language) -> ReadQuery:
    """The form of ``query`` and the question it asks."""
    text = " ".join(query.split())
    completion = bool(_COMPLETION_RE.search(text))
    if completion:
        text = _COMPLETION_RE.sub("", text)
    doc = nlp(text)
    sentences = list(doc.sents)
    lead_in = ""
    if len(sentences) > 1:
        # The last sentence that asks is the question; what comes before it says which story.
        asked = next((s for s in reversed(sentences) if _is_question(s)), sentences[-1])
        lead_in = " ".join(s.text for s in sentences if s.end <= asked.start)
        if lead_in:
            read = read_query(asked.text + (":" if completion else ""), nlp)
            return ReadQuery(read.form, read.question, f"{lead_in} {read.search}", lead_in, read.topic)
        doc = asked.as_doc()
    words = [t for t in doc if not t.is_punct]
    if not words:
        return ReadQuery("summary", text, text, topic=text)
    first = words[0]
    wh = _wh(doc)
    # "Can you tell me who won?", "Do you know where …": the embedded question is asked.
    if wh is not None and first.pos_ == "AUX" and wh.i > first.i and any(t.dep_ == "ccomp" for t in wh.ancestors):
        embedded = doc[wh.i:].text
        return ReadQuery("question", _as_question(embedded), text)
    if wh is not None and (summary := _what_they_say(doc, wh)) is not None:
        return summary
    if wh is not None and wh.i == words[0].i or (wh is not None and first.dep_ in ("prep", "cc", "advmod")):
        return ReadQuery("question", text, text)
    if first.pos_ == "AUX" and first.lower_ not in ("let",):
        # "Can you summarize the attack?" is a request; "Did the rockets hit the base?" asks yes or no.
        request = _request_object(doc, skip_subject=True)
        if request is not None:
            return request
        return ReadQuery("yes_no", _as_question(text), text)
    if wh is not None:  # "In which city …", "Of the passengers, how many …"
        return ReadQuery("question", text, text)
    request = _request_object(doc)
    if request is not None:
        return request
    has_verb = any(t.pos_ in ("VERB", "AUX") for t in words)
    root = next((t for t in doc if t.dep_ == "ROOT"), words[-1])
    if completion and root.pos_ in ("NOUN", "PROPN"):
        return ReadQuery("question", f"What is {_lower_first(text)}?", text)
    if completion:
        return ReadQuery("question", f"{text.rstrip('.')} what?", text)
    last = words[-1]
    if not has_verb and text.endswith("?") and len(words) > 1 and last.pos_ == "NOUN" and last.tag_ in ("NN", "NNS"):
        rest = doc[words[0].i:last.i].text
        return ReadQuery("question", f"What is the {last.text} of {rest}?", text)
    # A noun phrase with a question mark asks what it is: "Number of rockets that hit the base?"
    # (the parser may make a participle its root: "Number of homes evacuated?").
    if text.endswith("?") and len(words) > 1 and first.pos_ in ("NOUN", "DET", "ADJ") \
            and (root.pos_ == "NOUN" or (root.tag_ == "VBN" and any(c.dep_ == "nsubj" and c.i == first.i
                                                                  for c in root.children))):
        phrase = text.rstrip("?")
        if words[0].pos_ == "NOUN":  # "Number of rockets …?" -> "What is the number of rockets …?"
            phrase = "the " + phrase[:1].lower() + phrase[1:]
        return ReadQuery("question", f"What is {_lower_first(phrase)}?", text)
    return ReadQuery("summary", text, text, topic=text.rstrip("?").strip())


def _what_they_say(doc: Doc, wh) -> ReadQuery | None:
    """"What do the articles say about X?", "What does the report tell us about X?": a summary of X."""
    root = wh.head
    subjects = [c for c in root.children if c.dep_ == "nsubj"]
    if wh.lower_ != "what" or root.lemma_ not in ("say", "tell", "report") or not subjects \
            or not _GENERIC_OBJECT_RE.match(doc[subjects[0].left_edge.i:subjects[0].i + 1].text):
        return None
    about = [c for c in root.children if c.dep_ == "prep" and c.lower_ in ("about", "on", "of", "regarding")]
    if not about:
        return ReadQuery("summary", doc.text, doc.text, topic=None)
    topic = doc[about[0].i + 1: about[0].right_edge.i + 1].text
    return ReadQuery("summary", doc.text, topic, topic=topic)


def _request_object(doc: Doc, skip_subject: bool = False) -> ReadQuery | None:
    """An imperative ("tell me about X", "summarize X", "give me an overview of X"), or "Can you
    <imperative>", as a summary of X."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ != "VERB" or root.tag_ != "VB":
        return None
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects and not (skip_subject and all(s.lower_ == "you" for s in subjects)):
        return None
    if not skip_subject and root.i != next(t for t in doc if not t.is_punct).i:
        return None
    if any(t.tag_ in _WH_TAGS and t.lower_ != "that" for t in root.subtree if t.i > root.i):
        return None  # "tell me who won": a question after all (handled as embedded)
    objects = [c for c in root.children if c.dep_ in ("dobj", "prep", "attr", "dative") and c.lower_ not in ("me", "us")]
    topic_tokens = []
    for obj in objects:
        span = doc[obj.left_edge.i: obj.right_edge.i + 1]
        topic_tokens.append(span.text)
    topic = " ".join(topic_tokens).strip()
    topic = re.sub(r"^(?:about|on|of|for|regarding)\s+", "", topic, flags=re.I)
    # "an overview of the election", "a summary of X": the part after "of" is the topic.
    topic = re.sub(r"^(?:an?|the)\s+\w+\s+(?:of|about|on)\s+", "", topic, flags=re.I) \
        if re.match(r"^(?:an?|the)\s+(?:overview|summary|rundown|recap|update|brief|account)\b", topic, re.I) else topic
    topic = re.sub(r"^(?:the )?(?:article|story|report|news)s? (?:about|on|of)\s+", "", topic, flags=re.I)
    text = doc.text
    if not topic or _GENERIC_OBJECT_RE.match(topic):
        return ReadQuery("summary", text, text, topic=None)
    return ReadQuery("summary", text, topic, topic=topic)


def _as_question(text: str) -> str:
    text = text.strip().rstrip(".!")
    return text[:1].upper() + text[1:] + ("" if text.endswith("?") else "?")


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.istitle() and len(first) > 1 and first.lower() in ("the", "a", "an", "number") \
        else text

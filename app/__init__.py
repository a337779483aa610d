"""Newsdesk: question answering over news articles, with cited and grounded answers.

``from app import ask, Chat, add`` is the Python API, ``app.eval(...)`` evaluates a question set
(``app.evaluation.run_eval``); the heavy imports happen on first use.
"""

import os as _os

# Models come from installed packages; never reach for a model hub at run time.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__all__ = ["ask", "Chat", "add", "Answer", "Citation", "Passage", "Article", "Chunk", "Settings"]


def __getattr__(name):
    if name in ("ask", "Chat", "add"):
        from app import api

        return getattr(api, name)
    if name in ("Answer", "Citation", "Passage", "Article", "Chunk", "Span"):
        from app import types

        return getattr(types, name)
    if name == "eval":  # app.eval(questions, ...) is app.evaluation.run_eval, as `newsdesk eval` from Python
        from app.evaluation.runner import run_eval

        return run_eval
    if name == "Settings":
        from app.config import Settings

        return Settings
    raise AttributeError(name)

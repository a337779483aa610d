"""Newsdesk: question answering over news articles, with cited and grounded answers.

``from app import ask, Chat, add`` is the Python API, ``Newsdesk`` the long-lived application behind it
(``app.application``), ``app.eval(...)`` evaluates a question set (``app.evaluation.run_eval``);
the heavy imports happen on first use. Importing Newsdesk changes no environment variable: the
offline switches for model hubs are set where models load.
"""

__all__ = ["ask", "Chat", "add", "Newsdesk", "Answer", "Citation", "Passage", "Article", "Chunk", "Settings"]


def __getattr__(name):
    if name in ("ask", "Chat", "add"):
        from app import api

        return getattr(api, name)
    if name == "Newsdesk":
        from app.application import Newsdesk

        return Newsdesk
    if name in ("Answer", "Citation", "Passage", "Article", "Chunk", "Span", "TextDelta", "FinalAnswer"):
        from app import types

        return getattr(types, name)
    if name == "eval":  # app.eval(questions, ...) is app.evaluation.run_eval, as `newsdesk eval` from Python
        from app.evaluation.runner import run_eval

        return run_eval
    if name == "Settings":
        from app.config import Settings

        return Settings
    raise AttributeError(name)

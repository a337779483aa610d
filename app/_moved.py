"""Old module paths of modules that moved into packages, kept importable during the transition
(other branches still write ``from app.grounding import ...``). ``app.grounding`` *is*
``app.answering.grounding``: the same module object, not a copy. Remove once nothing uses them."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

MOVED = {
    "app.citations": "app.answering.citations",
    "app.grounding": "app.answering.grounding",
    "app.rewriting": "app.answering.rewriting",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self.specs: dict = {}

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        self.specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module) -> None:
        # Already executed under its new name; importlib has just stamped the old name's spec on
        # it, so give it back its own.
        module.__spec__ = self.specs[module.__name__]


def install() -> None:
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())  # before any editable-install finder of another checkout

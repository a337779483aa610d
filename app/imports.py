"""Importing a library without the optional dependencies it tries at import time.

spaCy's thinc imports torch whenever torch is installed (1-3 s) for layers en_core_web_sm does not
use; nltk imports scipy.stats (1-2 s) for one collocation statistic. Together they were most of a cold
``newsdesk ask``. Hiding them during the library's first import makes its ``try: import ...``
fail, so it goes on without them; they stay importable afterwards for whoever needs them (the
torch embedding backend, scikit-learn).
"""

from __future__ import annotations

import importlib
import logging
import sys

log = logging.getLogger(__name__)


def import_without(name: str, *optional: str) -> None:
    """Import ``name`` with ``optional`` hidden, unless one of them is already loaded (then hiding
    it saves nothing). Should the library need one after all, it is imported again as it is."""
    if name in sys.modules or any(module in sys.modules for module in optional):
        return
    before = set(sys.modules)
    for module in optional:
        sys.modules[module] = None  # a None entry makes ``import module`` raise ImportError
    try:
        importlib.import_module(name)
    except ImportError as err:
        log.info("%s needs %s after all (%s): imported with it", name, ", ".join(optional), err)
        for stale in set(sys.modules) - before - set(optional):  # half-imported without them
            del sys.modules[stale]
    finally:
        for module in optional:
            if module in sys.modules and sys.modules[module] is None:
                del sys.modules[module]
    importlib.import_module(name)

"""The Newsdesk web UI (Gradio): ``newsdesk serve`` calls ``launch(settings)``, which builds one
``Newsdesk`` application, fills an empty index from the corpus folder and serves the page.

- ``layout``   the page and its event handlers;
- ``render``   HTML and Markdown shown in it (everything from articles escaped);
- ``inputs``   what the page and API clients send, as typed values;
- ``static/``  its CSS and JavaScript.
Corpus operations (upload, add feeds and URLs, list, delete) are ``app.corpus``, shared with the
CLI; a configured feed watcher (``app.sources.watch``) runs beside the server.

With the llama.cpp backend, answers (chat and ``/ask``) are generated one at a time: the model is
not safe to share between threads; other requests wait in Gradio's queue.
"""

from __future__ import annotations

import os

from app.application import Newsdesk
from app.config import Settings, secret
from app.sources.watch import background_watcher
from app.ui.layout import CSS, THEME, build_app

__all__ = ["build_app", "launch", "launch_options"]


def launch_options(settings: Settings) -> dict:
    """Keyword arguments for ``Blocks.launch``: Gradio 6 takes theme and CSS there."""
    server = settings.server
    username, password = server.username, secret(server.password)
    if bool(username) != bool(password):
        # Half a login would silently serve the page to everyone: refuse to start instead.
        raise ValueError("set both NEWSDESK_SERVER__USERNAME and NEWSDESK_SERVER__PASSWORD, or neither")
    auth = (username, password) if username and password else None
    return dict(
        server_name=server.host, server_port=server.port, auth=auth, share=False,
        footer_links=["api", "gradio", "settings"],  # "api": the "Use via API" page (show_api)
        theme=THEME, css=CSS, max_file_size=f"{max(1, server.max_upload_mb) * 2}mb",
        show_error=True, quiet=False,
    )


def launch(settings: Settings) -> None:
    """Index the corpus if the index is empty, then serve the UI (blocks until stopped)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no usage analytics leave this machine
    options = launch_options(settings)  # a bad login setting fails before anything loads
    newsdesk = Newsdesk(settings)
    newsdesk.ensure_index()  # before the watcher starts writing to the same index
    watcher = background_watcher(settings, store=newsdesk.store)  # None when no feeds are configured
    demo = build_app(newsdesk)
    demo.queue(default_concurrency_limit=settings.server.concurrency)
    try:
        demo.launch(**options)
    finally:
        if watcher is not None:
            watcher.stop()
        newsdesk.close()

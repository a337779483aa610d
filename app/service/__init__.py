"""Newsdesk as a service: one FastAPI app with the REST API (``/api``), the OpenAI-compatible API
(``/v1``), OpenAPI docs (``/docs``) and the Gradio UI mounted at ``/``.

``create_app(settings)`` builds it; ``serve(settings)`` runs it with uvicorn (``newsdesk serve``).
"""

from __future__ import annotations

from fastapi import FastAPI

from app.application import Newsdesk
from app.config import Settings

DESCRIPTION = """Answers from your news articles, cited to the exact sentence.

* `POST /api/ask` - a question (with the conversation so far, filters, top-k) -> the checked `Answer`;
  `"stream": true` for server-sent events.
* `/api/articles`, `/api/ingest` - the indexed articles.
* `POST /v1/chat/completions`, `GET /v1/models` - OpenAI-compatible: any OpenAI client can use Newsdesk as a model.

Credentials, when the server has a login: HTTP Basic (the UI's username and password) or
`Authorization: Bearer <api token>`. Errors are JSON: `{"error": {"status", "code", "message"}}`.
"""


def create_app(newsdesk: Newsdesk, *, ui: bool = True) -> FastAPI:
    """The whole service over one application (tests build it with a fake chat model);
    ``ui=False`` leaves the Gradio UI out."""
    from app.service import openai_compat, rest
    from app.service.errors import install_error_handlers
    from app.service.limits import BodySizeLimit
    from app.service.state import Service

    settings = newsdesk.settings
    api = FastAPI(title="Newsdesk", version="1", description=DESCRIPTION, docs_url="/docs", redoc_url=None,
                  openapi_url="/openapi.json")
    api.state.newsdesk = Service.create(newsdesk)
    install_error_handlers(api)
    api.include_router(rest.router)
    api.include_router(openai_compat.router)
    server = settings.server
    json_limit = server.max_request_kb * 1000
    api.add_middleware(BodySizeLimit, limits=[("/api/ingest", server.max_upload_mb * 1_000_000 + 64_000),
                                              ("/api/", json_limit), ("/v1/", json_limit)])
    if ui:
        import gradio as gr

        from app.ui import build_app, launch_options

        options = launch_options(settings)
        blocks = build_app(newsdesk)
        blocks.queue(default_concurrency_limit=server.concurrency)
        api = gr.mount_gradio_app(api, blocks, path="/", auth=options["auth"], footer_links=options["footer_links"],
                                  theme=options["theme"], css=options["css"], max_file_size=options["max_file_size"],
                                  show_error=True, server_name=server.host, server_port=server.port)
        # Gradio refuses FileData paths outside its upload folder (an API client naming a file on the
        # server) only in apps it launched itself (processing_utils._check_allowed reads has_launched);
        # mounted on FastAPI that check is skipped, and any server file could be ingested.
        blocks.has_launched = True
    return api


def serve(settings: Settings) -> None:
    """Index the corpus if the index is empty, load the generation workers, then serve until stopped."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio loads: no usage analytics
    import uvicorn

    from app.ui import launch_options

    launch_options(settings)  # refuses half a login before anything loads
    from app.sources.watch import background_watcher

    with Newsdesk(settings) as newsdesk:
        newsdesk.ensure_index()  # before the watcher starts writing to the same index
        # Ready means ready: the query embedder, Chroma's vectors, the BM25 index (opened, or built
        # when no ingest saved it), the sentence-ranking model, spaCy and WordNet are loaded before
        # the port opens, not by the first question.
        newsdesk.pipeline.retriever().retrieve("warm up")
        newsdesk.pipeline.embeddings.embed_query("warm up")
        newsdesk.pipeline.nlp("warm up")
        newsdesk.pipeline.lexicon.knows("warm")
        watcher = background_watcher(settings, store=newsdesk.store)  # None when no feeds are configured
        warm_up = getattr(newsdesk.chat_model, "warm_up", None)
        if callable(warm_up):
            warm_up()
        server = settings.server
        print(f"Newsdesk on http://{server.host}:{server.port}/  (API docs: /docs, OpenAI-compatible: /v1)",
              flush=True)
        try:
            uvicorn.run(create_app(newsdesk), host=server.host, port=server.port, proxy_headers=True,
                        forwarded_allow_ips=server.forwarded_allow_ips, log_level="warning",
                        timeout_graceful_shutdown=5)
        finally:
            if watcher is not None:
                watcher.stop()

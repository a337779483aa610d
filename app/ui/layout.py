"""The chat page: Gradio layout and event handlers (rendering is in ``render``, styles and
scripts in ``static/``, corpus operations in ``app.corpus``).

* **Ask** tab: a chat whose answers stream token by token; when the model is done, the streamed
  draft is replaced by the checked answer. Follow-up questions use the conversation so far (kept
  per browser session). The *Sources* panel shows, for each ``[n]``, the article and the exact
  supporting sentence; *Open source* shows the whole article scrolled to it. Thumbs up/down
  append to ``<data_dir>/feedback.jsonl``. *Answer settings* holds top-k and temperature, passed
  per request to the one pipeline.
* **Articles** tab: upload, search and delete articles; add feeds and article URLs
  (``app.ui.sources``) and see the followed feeds' last poll and error.
* API-only ``/ask`` (question, history, top_k, temperature) -> (text, details) for programs; the
  ``/upload``, ``/articles`` and ``/delete`` events are API endpoints too (see README).
"""

# No "from __future__ import annotations": gr.api reads the /ask signature's real type hints.
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gradio as gr

from app.answering import QuestionError, Turn, validate_question
from app.application import Newsdesk
from app.corpus import ARTICLE_COLUMNS, Corpus
from app.feedback import append_feedback
from app.retrieval import FilterError, as_date
from app.types import Answer, FinalAnswer
from app.ui import inputs
from app.ui.inputs import turns_from_history
from app.ui.sources import build_sources_panel
from app.ui.render import (
    article_html,
    delete_markdown,
    empty_article,
    empty_sources,
    esc,
    md_escape,
    pending_sources,
    source_targets,
    sources_html,
    upload_markdown,
)

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
HEADER = "Newsdesk — answers from your articles, cited to the sentence"
EXAMPLES = ["How many rockets hit the base?", "Who is the Pentagon spokesman?", "What was the missile hidden in?"]
ARTICLE_HEADERS = list(ARTICLE_COLUMNS)

THEME = gr.themes.Soft(
    primary_hue="blue",
    secondary_hue="slate",
    neutral_hue="slate",
    # Local font stacks only: the default theme fonts would be fetched from Google at page load.
    font=["Inter", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["SFMono-Regular", "Menlo", "Consolas", "monospace"],
    radius_size="sm",
)
CSS = (STATIC / "style.css").read_text(encoding="utf-8")
SCROLL_TO_MARK_JS = (STATIC / "scroll_to_mark.js").read_text(encoding="utf-8")


def _dropdown_update(targets: dict[str, dict]):
    choices = [(t["label"], key) for key, t in targets.items()]
    return gr.update(choices=choices, value=choices[0][1] if choices else None, interactive=bool(choices))


# -- conversation state ---------------------------------------------------------------------------
def _new_session() -> dict:
    # answers: chatbot message index -> Answer; targets: what "Open source" offers right now.
    return {"turns": [], "answers": {}, "pending": None, "targets": {}}


# -- corpus tab helpers -----------------------------------------------------------------------------
def _table(corpus: Corpus, query: str = ""):
    import pandas as pd

    # A DataFrame (not gr.update) so that API clients get the plain {headers, data} table.
    return pd.DataFrame(corpus.list(query), columns=ARTICLE_HEADERS)


def upload_files(corpus: Corpus, files: Any, progress: Any = None) -> str:
    """Check, save and index uploaded files; a Markdown report. Bad files change nothing."""
    uploaded = inputs.uploaded_files(files)
    if not uploaded:
        return "No files chosen: pick one or more `.txt .md .html .json .jsonl` files first."

    def report_progress(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress((done, total) if total else 0, desc=message)

    return upload_markdown(corpus.upload(uploaded, progress=report_progress))


def delete_articles(corpus: Corpus, ids_text: str) -> str:
    if not (ids_text or "").strip():
        return "Type one or more article ids (from the table) to delete."
    return delete_markdown(corpus.delete(ids_text))


# -- the app ----------------------------------------------------------------------------------------
def build_app(newsdesk: Newsdesk) -> gr.Blocks:
    """The Gradio Blocks app over one application. Theme and CSS are applied where it is mounted
    (``app.service``: Gradio 6 takes them there)."""
    settings = newsdesk.settings
    corpus = Corpus(settings, newsdesk.store)
    # The generation workers (app.workers) queue what needs the model; a queue here as well would make
    # questions refused before generation wait behind answers being generated.
    generate_limit = settings.server.max_streams
    generate = dict(concurrency_id="newsdesk-generate", concurrency_limit=generate_limit)
    index_ops = dict(concurrency_id="newsdesk-index", concurrency_limit=1)

    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as demo:
        gr.HTML(f'<div id="nd-header"><h1>{esc(HEADER)}</h1><p>Ask about the indexed news articles. Every '
                "sentence of an answer is checked against the passages it cites; what the articles do not "
                "support is left out.</p></div>", elem_id="nd-header-block", js_on_load=None)
        session = gr.State(_new_session())

        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            label="Conversation", show_label=False, elem_id="nd-chat", height=540,
                            layout="bubble",
                            placeholder="### Ask the newsroom archive\nAnswers cite the exact sentence they rest on.",
                            examples=[{"text": q} for q in EXAMPLES], buttons=["copy"],
                            feedback_options=("Like", "Dislike"), render_markdown=True, sanitize_html=True,
                            allow_tags=False,
                        )
                        with gr.Row(equal_height=True, elem_id="nd-ask-row"):
                            question_box = gr.Textbox(placeholder="Ask a question about the articles…",
                                                      show_label=False, scale=6, lines=1, max_lines=4,
                                                      elem_id="nd-question", autofocus=True, container=False)
                            send_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="nd-send")
                            clear_btn = gr.Button("Clear", variant="secondary", scale=1, min_width=80,
                                                  elem_id="nd-clear")
                        with gr.Accordion("Answer settings", open=False, elem_id="nd-settings"):
                            top_k = gr.Slider(1, 20, value=settings.retrieval.top_k, step=1,
                                              label="Passages retrieved (top-k)")
                            temperature = gr.Slider(0.0, 1.5, value=settings.llm.temperature, step=0.1,
                                                    label="Temperature (0 = most literal)")
                            gr.Textbox(value=f"{newsdesk.pipeline.model_label}  (backend: {settings.llm.backend})",
                                       label="Model", interactive=False)
                            gr.Textbox(value=f"{settings.retrieval.mode} (dense + BM25, fused)"
                                       if settings.retrieval.mode == "hybrid" else settings.retrieval.mode,
                                       label="Retrieval", interactive=False)
                            # The day the question is asked: "now", "this week" mean up to it.
                            asked_on = gr.Textbox(value="", label="Asked on (YYYY-MM-DD; empty = today)",
                                                  placeholder="today", elem_id="nd-as-of")
                    with gr.Column(scale=2, min_width=340):
                        sources = gr.HTML(empty_sources(), elem_id="nd-sources", js_on_load=None,
                                          container=True, padding=True, max_height=470)
                        with gr.Row(equal_height=True, elem_id="nd-open-row"):
                            open_choice = gr.Dropdown(choices=[], value=None, label="Source to open", scale=4,
                                                      show_label=False, container=False, interactive=False,
                                                      elem_id="nd-open-choice")
                            open_btn = gr.Button("Open source", scale=1, min_width=120, size="md",
                                                 elem_id="nd-open")
                        article_view = gr.HTML(empty_article(), elem_id="nd-article", js_on_load=None,
                                               container=True, padding=True, max_height=440)

            with gr.Tab("Articles", id="articles"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=320):
                        gr.Markdown("#### Add articles\nUpload `.txt` `.md` `.html` `.json` `.jsonl` files "
                                    f"(up to {settings.server.max_upload_mb} MB each). Text files may start with "
                                    "YAML front matter (`title`, `date`, `url`, `source`).")
                        files = gr.File(label="Files", file_count="multiple", type="filepath",
                                        elem_id="nd-files")
                        upload_btn = gr.Button("Add to index", variant="primary", elem_id="nd-upload")
                        upload_report = gr.Markdown(label="Report", elem_id="nd-upload-report")
                    with gr.Column(scale=3, min_width=420):
                        gr.Markdown("#### Indexed articles")
                        search = gr.Textbox(placeholder="Search id, title, source or date…", label="query",
                                            show_label=False, container=False, elem_id="nd-search")
                        table = gr.Dataframe(value=_table(corpus), headers=ARTICLE_HEADERS,
                                             interactive=False, wrap=True, elem_id="nd-articles", label="Articles",
                                             column_widths=["22%", "36%", "13%", "9%", "20%"],
                                             show_label=False, max_height=420)
                        with gr.Row(equal_height=True, elem_id="nd-delete-row"):
                            delete_ids = gr.Textbox(placeholder="article id(s) to delete — click a row to fill",
                                                    show_label=False, scale=4, elem_id="nd-delete-ids",
                                                    container=False)
                            delete_btn = gr.Button("Delete", variant="stop", scale=1, min_width=90,
                                                   elem_id="nd-delete")
                        delete_status = gr.Markdown(label="Status", elem_id="nd-delete-status")
                    with gr.Column(scale=2, min_width=320):
                        build_sources_panel(corpus, table, search, _table, index_ops)

        # -- chat events ------------------------------------------------------------------------
        def start_turn(question: str, history: list, state: dict):
            try:
                question = validate_question(question, settings)
            except QuestionError as err:
                raise gr.Error(str(err), print_exception=False) from None
            history = list(history or []) + [
                {"role": "user", "content": md_escape(question)},
                {"role": "assistant", "content": "*Searching the articles…*"},
            ]
            state = dict(state)
            state["pending"] = question
            state["targets"] = {}
            return (gr.update(value="", interactive=False), gr.update(interactive=False), history, state,
                    pending_sources(), gr.update(choices=[], value=None, interactive=False))

        def respond(history: list, state: dict, k: float, temp: float, day: str = ""):
            question = state.get("pending")
            state = dict(state)
            state["pending"] = None
            history = list(history or [])
            if not question:
                yield history, state, empty_sources(), gr.skip()
                return
            answer: Answer | None = None
            draft = ""
            try:
                events = newsdesk.pipeline.stream(question, list(state["turns"]), None,
                                                  inputs.top_k(k, settings.retrieval.top_k), inputs.temperature(temp),
                                                  as_date((day or "").strip() or None, "asked on"))
                for event in events:
                    if isinstance(event, FinalAnswer):
                        answer = event.answer
                        break
                    draft += event.text
                    history[-1] = {"role": "assistant", "content": md_escape(draft) + " ▌"}
                    yield history, state, gr.skip(), gr.skip()
            except (QuestionError, FilterError) as err:
                history[-1] = {"role": "assistant", "content": md_escape(str(err))}
                yield history, state, empty_sources(), gr.skip()
                return
            except Exception as err:  # the backend failed: say so in the chat, keep the session usable
                log.exception("answering failed")
                history[-1] = {"role": "assistant",
                               "content": md_escape(f"Sorry, the answer could not be produced: {err}")}
                yield history, state, empty_sources(), gr.skip()
                return
            assert answer is not None
            history[-1] = {"role": "assistant", "content": md_escape(answer.text)}
            state["turns"] = list(state["turns"]) + [Turn(answer.question, answer.text)]
            state["answers"] = {**state["answers"], len(history) - 1: answer}
            state["targets"] = source_targets(answer)
            yield history, state, sources_html(answer), _dropdown_update(state["targets"])

        def finish_turn():
            return gr.update(interactive=True), gr.update(interactive=True)

        chat_inputs = [question_box, chatbot, session]
        chat_outputs = [question_box, send_btn, chatbot, session, sources, open_choice]
        answering = []  # the streaming events, so that "Clear" can cancel one in flight
        for trigger in (question_box.submit, send_btn.click):
            answering.append(trigger(start_turn, chat_inputs, chat_outputs, api_visibility="private", queue=False)
                             .success(respond, [chatbot, session, top_k, temperature, asked_on],
                                      [chatbot, session, sources, open_choice], api_visibility="private",
                                      **generate))
            answering[-1].then(finish_turn, None, [question_box, send_btn], api_visibility="private", queue=False)

        def pick_example(evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {}
            return value.get("text") or ""

        answering.append(
            chatbot.example_select(pick_example, None, question_box, api_visibility="private", queue=False)
            .then(start_turn, chat_inputs, chat_outputs, api_visibility="private", queue=False)
            .success(respond, [chatbot, session, top_k, temperature, asked_on], [chatbot, session, sources, open_choice],
                     api_visibility="private", **generate))
        answering[-1].then(finish_turn, None, [question_box, send_btn], api_visibility="private", queue=False)

        def clear():
            return [], _new_session(), empty_sources(), gr.update(choices=[], value=None, interactive=False), \
                empty_article(), gr.update(value="", interactive=True), gr.update(interactive=True)

        clear_outputs = [chatbot, session, sources, open_choice, article_view, question_box, send_btn]
        clear_btn.click(clear, None, clear_outputs, api_visibility="private", queue=False, cancels=answering)
        # The chatbot's own trash button empties the messages; forget the conversation with them.
        chatbot.clear(clear, None, clear_outputs, api_visibility="private", queue=False, cancels=answering)

        def show_answer_sources(state: dict, evt: gr.SelectData):
            index = evt.index if isinstance(evt.index, int) else (evt.index[0] if evt.index else None)
            answer = state["answers"].get(index)
            if answer is None:
                return gr.skip(), gr.skip(), gr.skip()
            state = dict(state)
            state["targets"] = source_targets(answer)
            return state, sources_html(answer), _dropdown_update(state["targets"])

        chatbot.select(show_answer_sources, [session], [session, sources, open_choice], api_visibility="private",
                       queue=False)

        def open_source(key: str | None, state: dict):
            target = state.get("targets", {}).get(key) if key else None
            return article_html(newsdesk.store.get_article(target["article_id"]), target) if target \
                else empty_article()

        for trigger in (open_btn.click, open_choice.input):
            trigger(open_source, [open_choice, session], article_view, api_visibility="private", queue=False) \
                .then(None, None, None, js=SCROLL_TO_MARK_JS, api_visibility="private", queue=False)

        def record_feedback(state: dict, data: gr.LikeData):
            index = data.index if isinstance(data.index, int) else data.index[0]
            answer: Answer | None = state["answers"].get(index)
            record = {
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "liked": data.liked,
                "question": answer.question if answer else None,
                "answer": answer.text if answer else inputs.message_text(data.value),
                "citations": answer.response().model_dump(mode="json")["citations"] if answer else [],
                "refused": answer.refused if answer else None,
                "model": answer.model if answer else None,
                "message_index": index,
            }
            append_feedback(settings, record)
            gr.Info("Thanks — your feedback was recorded.")

        chatbot.like(record_feedback, [session], None, api_visibility="private", queue=False)

        # -- corpus events ------------------------------------------------------------------------
        def do_upload(uploaded: list | None, progress=gr.Progress()):
            report = upload_files(corpus, uploaded, progress=progress)
            return report, _table(corpus)

        upload_btn.click(do_upload, [files], [upload_report, table], api_name="upload",
                         api_description="Upload article files and index them; returns (report, articles table).",
                         **index_ops).then(lambda q: _table(corpus, q or ""), [search], table,
                                           api_visibility="private", queue=False)

        def list_articles(query: str = ""):
            return _table(corpus, query or "")

        search.change(list_articles, [search], table, api_name="articles",
                      api_description="Indexed articles whose id, title, source or date contain the query.")

        def do_delete(ids: str):
            return delete_articles(corpus, ids), _table(corpus)

        delete_btn.click(do_delete, [delete_ids], [delete_status, table], api_name="delete",
                         api_description="Delete articles by id (comma or space separated).", **index_ops) \
            .then(lambda q: _table(corpus, q or ""), [search], table, api_visibility="private", queue=False)

        def pick_row(evt: gr.SelectData, current: list | Any):
            row = evt.row_value if getattr(evt, "row_value", None) else None
            return row[0] if row else gr.skip()

        table.select(pick_row, [table], delete_ids, api_visibility="private", queue=False)
        demo.load(list_articles, [search], table, api_visibility="private", queue=False)

        # -- API-only endpoint: one question (with an optional history), JSON out ----------------
        def ask(question: str, history: list | None = None, top_k: int | None = None,
                temperature: float | None = None, as_of: str | None = None) -> tuple[str, dict]:
            """Answer a question from the indexed articles.

            Args:
                question: the question.
                history: earlier turns, as chat messages [{"role", "content"}, ...] (e.g. the
                    "history" returned by a previous call), [question, answer] pairs, or None.
                top_k: passages to retrieve (default: the server setting).
                temperature: sampling temperature (default: the server setting).
                as_of: the day the question is asked, YYYY-MM-DD (default: today).
            Returns:
                the answer text and a dict with citations, refusal, timings and the updated history.
            """
            turns = turns_from_history(history)
            try:
                answer = newsdesk.pipeline.answer(question, turns, None,
                                                  inputs.top_k(top_k, settings.retrieval.top_k) if top_k else None,
                                                  inputs.temperature(temperature) if temperature is not None else None,
                                                  as_date(as_of or None, "as_of"))
            except (QuestionError, FilterError) as err:
                raise gr.Error(str(err), print_exception=False) from None
            messages = [m for t in turns for m in ({"role": "user", "content": t.question},
                                                   {"role": "assistant", "content": t.answer})]
            messages += [{"role": "user", "content": answer.question}, {"role": "assistant", "content": answer.text}]
            # The shared response model, plus what a chat client needs: the closest passages of a
            # refusal and the history to send back with a follow-up.
            details = answer.response().model_dump(mode="json")
            details["closest_passages"] = [p.model_dump(include={"article_id", "title", "date", "url", "text", "start",
                                                                 "end"}) for p in answer.passages[:3]] \
                if answer.refused else []
            details["history"] = messages
            return answer.text, details

        gr.api(ask, api_name="ask", **generate)

    return demo



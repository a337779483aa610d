"""The Newsdesk web UI (Gradio 6): chat with cited answers, a sources panel, and corpus management.

Start it with ``newsdesk serve`` (or ``python -m app serve``). ``launch(settings)`` fills an empty
index from the corpus folder, then serves ``build_app(settings)`` on ``settings.server.host/port``.

What the page offers
--------------------
* **Ask** tab: a chat whose answers stream token by token; when the model is done, the streamed
  draft is replaced by the checked answer (grounding may drop unsupported sentences, renumber the
  ``[n]`` markers, or refuse). Follow-up questions use the conversation so far (kept per browser
  session). Beside the chat, the *Sources* panel shows, for each ``[n]``, the article's title, date,
  link and the retrieved passage with the exact supporting sentence highlighted; *Open source*
  shows the full article with that sentence highlighted and scrolled into view. Refusals say so
  and list the closest passages. Thumbs up/down on an answer append one JSON line to
  ``<data_dir>/feedback.jsonl``. *Answer settings* holds top-k and temperature (per request).
* **Articles** tab: upload ``.txt .md .html .json .jsonl`` files (saved, with sanitised names, in
  ``<data_dir>/uploads`` and indexed at once), search the indexed articles, delete by id.

Article text is untrusted: everything taken from an article is HTML-escaped before display.

HTTP API (also listed under "Use via API" in the page footer)
-------------------------------------------------------------
``/ask``       (question: str, history: list | None, top_k: int | None, temperature: float | None)
               -> (answer text, details dict). ``details`` holds ``citations`` (number, article_id,
               title, url, date, source, span {text, start, end}: offsets into the article text,
               chunk_text), ``refused``, ``refusal_reason``, ``closest_passages`` (for a refusal),
               ``standalone_question`` (a follow-up as rewritten for retrieval), ``unsupported``
               (sentences dropped by grounding), ``model``, ``timings`` and ``history``: the
               conversation including this turn, in the chat "messages" format; pass it back for
               a follow-up. An empty or over-long question is an error (``AppError`` in the client).
``/upload``    (files: list of files) -> (report markdown, articles table)
``/articles``  (query: str) -> articles table {headers, data}: id, title, date, chunks, source
``/delete``    (ids: str, comma or space separated) -> (status markdown, articles table)

With the llama.cpp backend, answers (chat and ``/ask``) are generated one at a time: the model
object is not safe to share between threads; other requests wait in Gradio's queue.

Example with ``gradio_client``::

    from gradio_client import Client, handle_file

    client = Client("http://127.0.0.1:7860/")          # auth=("user", "pass") if configured
    text, details = client.predict("How many rockets hit the base?", None, api_name="/ask")
    print(text)                                        # "... 14 ... [1]"
    for c in details["citations"]:
        print(c["number"], c["title"], c["span"]["text"])
    text, details = client.predict("Who launched them?", details["history"], api_name="/ask")  # follow-up

    report, table = client.predict([handle_file("harbourview-ferry.txt")], api_name="/upload")
    table = client.predict("ferry", api_name="/articles")       # search: id, title, source, date
    status, table = client.predict("harbourview-ferry", api_name="/delete")  # exact article ids
"""

import os

# No usage analytics leave this machine; must be set before gradio is imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import html
import json
import logging
import re
import shutil
import threading
import unicodedata
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gradio as gr

from app.answering import Pipeline, QuestionError, Turn, get_pipeline, validate_question
from app.config import Settings
from app.llm import model_label
from app.loading import SUPPORTED_SUFFIXES, LoadProblem, load_path
from app.types import Answer

log = logging.getLogger(__name__)

HEADER = "Newsdesk — answers from your articles, cited to the sentence"
EXAMPLES = ["How many rockets hit the base?", "Who is the Pentagon spokesman?", "What was the missile hidden in?"]
ARTICLE_HEADERS = ["id", "title", "date", "chunks", "source"]
OPEN_MARK_ID = "nd-open-mark"
_feedback_lock = threading.Lock()

THEME = gr.themes.Soft(
    primary_hue="blue",
    secondary_hue="slate",
    neutral_hue="slate",
    # Local font stacks only: the default theme fonts would be fetched from Google at page load.
    font=["Inter", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["SFMono-Regular", "Menlo", "Consolas", "monospace"],
    radius_size="sm",
)

CSS = """
.gradio-container { max-width: 1400px !important; }
#nd-header { padding: 6px 4px 2px 4px; border-bottom: 3px solid #1e293b; margin-bottom: 4px; }
#nd-header h1 { font-family: Georgia, 'Times New Roman', serif; font-size: 1.75rem; margin: 0; color: #0f172a;
                letter-spacing: -0.01em; }
#nd-header p { margin: 2px 0 6px 0; color: #475569; font-size: 0.92rem; }
.nd-panel-title { font-size: 0.78rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.08em;
                  color: #334155; margin: 0 0 6px 0; }
#nd-open-row, #nd-ask-row, #nd-delete-row { align-items: stretch; gap: 8px; }
#nd-question textarea { font-size: 1rem; }
.nd-empty { color: #64748b; font-size: 0.92rem; padding: 10px 2px; line-height: 1.5; }
.nd-status { font-size: 0.8rem; color: #475569; margin-bottom: 8px; }
.nd-refusal { background: #fff7ed; border: 1px solid #fdba74; color: #7c2d12; border-radius: 6px;
              padding: 8px 10px; margin-bottom: 10px; font-size: 0.9rem; }
.nd-cite { border: 1px solid #e2e8f0; border-left: 4px solid #2563eb; border-radius: 6px; background: #ffffff;
           padding: 9px 11px; margin-bottom: 10px; }
.nd-cite.nd-closest { border-left-color: #94a3b8; }
.nd-cite-head { display: flex; gap: 8px; align-items: baseline; }
.nd-num { font-weight: 700; color: #1d4ed8; font-family: ui-monospace, Menlo, monospace; }
.nd-title { font-family: Georgia, 'Times New Roman', serif; font-weight: 700; color: #0f172a; font-size: 1rem; }
.nd-meta { font-size: 0.78rem; color: #64748b; margin: 2px 0 6px 0; }
.nd-meta a { color: #2563eb; }
.nd-passage { font-family: Georgia, 'Times New Roman', serif; font-size: 0.92rem; line-height: 1.5;
              color: #1e293b; margin: 0; padding: 0 0 0 10px; border-left: 2px solid #e2e8f0; }
.nd-gap { display: block; height: 0.5em; }
.nd-passage mark, .nd-article-text mark { background: #fde68a; color: #0f172a; padding: 0 1px; border-radius: 2px; }
.nd-foot { font-size: 0.72rem; color: #94a3b8; margin-top: 6px; }
.nd-dropped { font-size: 0.8rem; color: #64748b; margin-top: 4px; }
.nd-article-head { position: sticky; top: 0; z-index: 1; background: var(--block-background-fill, #fff);
                   border-bottom: 1px solid #e2e8f0; padding-bottom: 6px; margin-bottom: 8px; }
.nd-article-head h3 { font-family: Georgia, 'Times New Roman', serif; margin: 0 0 2px 0; font-size: 1.1rem; }
.nd-article-text { font-family: Georgia, 'Times New Roman', serif; font-size: 0.95rem; line-height: 1.6;
                   color: #1e293b; }
.nd-article-text mark#nd-open-mark { outline: 2px solid #f59e0b; }
#nd-chat .message-wrap { font-size: 0.97rem; }
footer { opacity: 0.8; }
"""

SCROLL_TO_MARK_JS = f"""() => {{
  // Centre the highlighted span inside the article panel, then bring the panel into view.
  const go = (tries) => {{
    const mark = document.getElementById('{OPEN_MARK_ID}');
    if (!mark) {{ if (tries > 0) setTimeout(() => go(tries - 1), 100); return; }}
    let box = mark.parentElement;
    while (box && box !== document.body) {{
      const style = getComputedStyle(box);
      if (box.scrollHeight > box.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY)) break;
      box = box.parentElement;
    }}
    if (box && box !== document.body) {{
      const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
      box.scrollTo({{top: box.scrollTop + offset - box.clientHeight / 2 + mark.offsetHeight / 2,
                     behavior: 'instant'}});
    }}
    mark.scrollIntoView({{block: 'nearest', behavior: 'instant'}});
  }};
  setTimeout(() => go(20), 50);
}}"""


# -- helpers: escaping and names ---------------------------------------------------------------
def md_escape(text: str) -> str:
    """Text shown literally in a Markdown chat bubble: no HTML, links, images or block formatting.

    Article-derived text is untrusted; a link or image in it must not become live. Plain prose
    (and the ``[n]`` markers) is left readable, which keeps screen-reader labels clean.
    """
    text = html.escape(text, quote=False)
    text = text.replace("](", "]\\(").replace("]:", "]\\:").replace("`", "\\`").replace("$", "\\$")
    text = re.sub(r"(?m)^(\s*)([#>*+\-=|~])", r"\1\\\2", text)
    return re.sub(r"(?m)^(\s*\d+)([.)])", r"\1\\\2", text)


def _esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _safe_url(url: str | None) -> str | None:
    if url and re.match(r"^https?://[^\s<>\"']+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


class UploadRejected(ValueError):
    """One uploaded file cannot be accepted; the message says why."""


def safe_upload_name(name: str) -> str:
    """A file name safe to create inside the uploads folder, or ``UploadRejected``.

    Directory parts are dropped ("reports/a.txt" -> "a.txt"); absolute paths, ".." parts and
    control characters are refused; unicode letters are kept; anything else odd becomes "_".
    """
    if not isinstance(name, str) or not name.strip():
        raise UploadRejected("the file has no name")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise UploadRejected("the file name contains control characters")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        raise UploadRejected("absolute paths are not accepted as file names")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UploadRejected("the file name tries to leave the uploads folder ('..')")
    if not parts:
        raise UploadRejected("the file has no name")
    base = unicodedata.normalize("NFC", parts[-1]).strip()
    base = re.sub(r"[^\w.\- ()]", "_", base)  # \w keeps unicode letters and digits
    base = re.sub(r"\s+", " ", base).strip(" .")
    if not base or base.startswith(".") or not Path(base).stem.strip("._- "):
        raise UploadRejected("the file name is empty once unsafe characters are removed")
    stem, suffix = Path(base).stem, Path(base).suffix
    if len(base.encode("utf-8")) > 150:
        base = stem.encode("utf-8")[:140].decode("utf-8", "ignore") + suffix
    return base


# -- settings and pipelines ----------------------------------------------------------------------
def _pipeline(settings: Settings, temperature: float | None = None) -> Pipeline:
    if temperature is None or round(float(temperature), 2) == round(settings.llm.temperature, 2):
        return get_pipeline(settings)
    return get_pipeline(settings.with_overrides(**{"llm.temperature": round(float(temperature), 2)}))


def _top_k(value: Any, settings: Settings) -> int:
    try:
        return max(1, min(50, int(value)))
    except (TypeError, ValueError):
        return settings.retrieval.top_k


def _uploads_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "uploads"


# -- rendering ----------------------------------------------------------------------------------
def _paragraphs(escaped: str) -> str:
    """Escaped text with its line breaks made visible, blank lines as a small paragraph gap."""
    escaped = re.sub(r"\n[ \t]*(?:\n[ \t]*)+", '<span class="nd-gap"></span>', escaped)
    return escaped.replace("\n", "<br>")


def _highlight(text: str, start: int, end: int, mark_attrs: str = 'class="nd-span"') -> str:
    return _paragraphs(_esc(text[:start]) + f"<mark {mark_attrs}>" + _esc(text[start:end]) + "</mark>"
                       + _esc(text[end:]))


def _locate(haystack: str, needle: str, guess: int | None) -> tuple[int, int] | None:
    """Where ``needle`` is in ``haystack``: at ``guess`` if it is there, else its first occurrence."""
    if not needle:
        return None
    if guess is not None and 0 <= guess and haystack[guess: guess + len(needle)] == needle:
        return guess, guess + len(needle)
    found = haystack.find(needle)
    if found < 0:
        found = haystack.find(needle.strip())
        needle = needle.strip()
    return (found, found + len(needle)) if found >= 0 and needle else None


def _meta_line(date: str | None, source: str | None, url: str | None) -> str:
    bits = [_esc(date) if date else "undated"]
    if source:
        bits.append(_esc(source))
    safe = _safe_url(url)
    if safe:
        bits.append(f'<a href="{_esc(safe)}" target="_blank" rel="noopener noreferrer nofollow">{_esc(safe)}</a>')
    return " · ".join(bits)


def _empty_sources() -> str:
    return ('<div class="nd-panel-title">Sources</div><div class="nd-empty">Ask a question: every <b>[n]</b> '
            "in the answer is listed here with its article and the exact sentence that supports it, "
            "highlighted.</div>")


def _pending_sources() -> str:
    return '<div class="nd-panel-title">Sources</div><div class="nd-empty">Finding the passages that answer it…</div>'


def _empty_article() -> str:
    return ('<div class="nd-panel-title">Full article</div><div class="nd-empty">Pick a source above and press '
            "<i>Open source</i> to read the whole article, with the cited sentence highlighted.</div>")


def sources_html(answer: Answer) -> str:
    """The sources panel for one answer (everything from the articles is escaped)."""
    out = ['<div class="nd-panel-title">Sources</div>']
    status = []
    if answer.model:
        status.append(_esc(answer.model))
    if answer.timings.get("total_s") is not None:
        status.append(f"{answer.timings['total_s']:.1f} s")
    if answer.standalone_question:
        status.append(f"searched for: “{_esc(answer.standalone_question)}”")
    if answer.refused:
        reason = f" ({_esc(answer.refusal_reason)})" if answer.refusal_reason else ""
        out.append(f'<div class="nd-refusal"><b>No answer in the articles.</b> Nothing retrieved supports an '
                   f"answer{reason}.</div>")
        if answer.passages:
            out.append('<div class="nd-status">Closest passages:</div>')
        for p in answer.passages[:3]:
            out.append(
                f'<article class="nd-cite nd-closest"><div class="nd-cite-head"><span class="nd-num">·</span>'
                f'<span class="nd-title">{_esc(p.title)}</span></div>'
                f'<div class="nd-meta">{_meta_line(p.date, p.source, p.url)}</div>'
                f'<blockquote class="nd-passage">{_paragraphs(_esc(p.text))}</blockquote>'
                f'<div class="nd-foot">{_esc(p.article_id)} · chars {p.start}–{p.end}</div></article>')
    else:
        status.insert(0, f"{len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}")
        starts = {p.chunk_id: p.start for p in answer.passages}
        for c in answer.citations:
            chunk_start = starts.get(c.chunk_id)
            guess = c.span.start - chunk_start if chunk_start is not None else None
            where = _locate(c.chunk_text, c.span.text, guess)
            passage = _highlight(c.chunk_text, *where) if where else _paragraphs(_esc(c.chunk_text))
            quote = "" if where else f'<div class="nd-foot">Supporting sentence: <mark>{_esc(c.span.text)}</mark></div>'
            how = "cited by the model" if c.origin == "model" else "matched to the passage"
            out.append(
                f'<article class="nd-cite" id="nd-cite-{c.number}"><div class="nd-cite-head">'
                f'<span class="nd-num">[{c.number}]</span><span class="nd-title">{_esc(c.title)}</span></div>'
                f'<div class="nd-meta">{_meta_line(c.date, c.source, c.url)}</div>'
                f'<blockquote class="nd-passage">{passage}</blockquote>{quote}'
                f'<div class="nd-foot">{_esc(c.article_id)} · chars {c.span.start}–{c.span.end} · {how}</div>'
                "</article>")
        if answer.unsupported:
            items = "".join(f"<li>{_esc(s)}</li>" for s in answer.unsupported)
            out.append(f'<details class="nd-dropped"><summary>{len(answer.unsupported)} sentence(s) removed: '
                       f"no passage supports them</summary><ul>{items}</ul></details>")
    if status:
        out.insert(1, f'<div class="nd-status">{" · ".join(status)}</div>')
    return "".join(out)


def source_targets(answer: Answer) -> dict[str, dict]:
    """What "Open source" can open for this answer: its citations, or the closest passages of a refusal."""
    targets: dict[str, dict] = {}
    if answer.citations:
        for c in answer.citations:
            targets[f"c{c.number}"] = {"label": f"[{c.number}] {c.title}", "article_id": c.article_id,
                                       "start": c.span.start, "end": c.span.end, "text": c.span.text}
    else:
        for i, p in enumerate(answer.passages[:3], start=1):
            targets[f"p{i}"] = {"label": f"closest {i}: {p.title}", "article_id": p.article_id,
                                "start": p.start, "end": p.end, "text": p.text}
    return targets


def article_html(settings: Settings, target: dict | None) -> str:
    if not target:
        return _empty_article()
    article = get_pipeline(settings).store.get_article(target["article_id"])
    if article is None:
        return ('<div class="nd-panel-title">Full article</div><div class="nd-empty">This article is no longer '
                "in the index.</div>")
    text = article.text
    where = _locate(text, target.get("text") or "", target.get("start"))
    if where is None and 0 <= target.get("start", -1) < target.get("end", -1) <= len(text):
        where = (target["start"], target["end"])
    body = _highlight(text, *where, mark_attrs=f'id="{OPEN_MARK_ID}"') if where else _paragraphs(_esc(text))
    return ('<div class="nd-article-head"><div class="nd-panel-title">Full article</div>'
            f'<h3>{_esc(article.title)}</h3>'
            f'<div class="nd-meta">{_meta_line(article.date, article.source, article.url)} · {_esc(article.id)}</div>'
            f'</div><div class="nd-article-text">{body}</div>')


def _dropdown_update(targets: dict[str, dict]):
    choices = [(t["label"], key) for key, t in targets.items()]
    return gr.update(choices=choices, value=choices[0][1] if choices else None, interactive=bool(choices))


def citations_json(answer: Answer) -> list[dict]:
    return [{"number": c.number, "article_id": c.article_id, "title": c.title, "url": c.url, "date": c.date,
             "source": c.source, "origin": c.origin, "chunk_id": c.chunk_id, "chunk_text": c.chunk_text,
             "span": {"text": c.span.text, "start": c.span.start, "end": c.span.end}} for c in answer.citations]


# -- conversation state ---------------------------------------------------------------------------
def _new_session() -> dict:
    # answers: chatbot message index -> Answer; targets: what "Open source" offers right now.
    return {"turns": [], "answers": {}, "pending": None, "targets": {}}


def _message_text(content: Any) -> str:
    """The text of a chat message's content in any of the shapes Gradio or a client may send."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "") if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return " ".join(t for t in (_message_text(c) for c in content) if t)
    return str(content)


def turns_from_history(history: Any) -> list[Turn]:
    """Turns from a history given as chat messages, [question, answer] pairs or {question, answer} dicts."""
    turns: list[Turn] = []
    pending: str | None = None
    for item in history or []:
        if isinstance(item, dict) and "role" in item:
            text = _message_text(item.get("content"))
            if item["role"] == "user":
                pending = text
            elif item["role"] == "assistant" and pending is not None:
                turns.append(Turn(pending, text))
                pending = None
        elif isinstance(item, dict) and "question" in item:
            turns.append(Turn(str(item["question"]), str(item.get("answer") or "")))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append(Turn(_message_text(item[0]), _message_text(item[1])))
    return turns


def _append_feedback(settings: Settings, record: dict) -> None:
    path = Path(settings.data_dir) / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False)
    with _feedback_lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


# -- corpus management ----------------------------------------------------------------------------
def articles_table(settings: Settings, query: str = "") -> list[list]:
    rows = get_pipeline(settings).store.article_rows()
    needle = (query or "").strip().lower()
    table = []
    for r in rows:
        row = [r["id"], r["title"], r["date"] or "", r["chunk_count"], r["source"] or ""]
        searchable = (r["id"], r["title"], r["source"] or "", r["date"] or "")
        if not needle or any(needle in str(v).lower() for v in searchable):
            table.append(row)
    return table


def _table_update(settings: Settings, query: str = ""):
    import pandas as pd

    # A DataFrame (not gr.update) so that API clients get the plain {headers, data} table.
    return pd.DataFrame(articles_table(settings, query), columns=ARTICLE_HEADERS)


def _file_path_and_name(item: Any) -> tuple[Path, str]:
    if isinstance(item, dict):  # FileData dict from an API client
        path = item.get("path") or item.get("name")
        return Path(path), str(item.get("orig_name") or Path(path).name)
    path = Path(getattr(item, "name", None) or str(item))
    return path, path.name


def upload_files(settings: Settings, files: Any, progress: Any = None) -> str:
    """Validate, save and index uploaded files; returns a Markdown report. Bad files change nothing."""
    files = [f for f in (files if isinstance(files, (list, tuple)) else [files] if files else []) if f]
    if not files:
        return "No files chosen: pick one or more `.txt .md .html .json .jsonl` files first."
    store = get_pipeline(settings).store
    uploads = _uploads_dir(settings)
    uploads.mkdir(parents=True, exist_ok=True)
    uploads_resolved = uploads.resolve()
    staging = Path(settings.data_dir) / ".staging" / uuid.uuid4().hex
    staging.mkdir(parents=True, exist_ok=True)
    max_bytes = settings.server.max_upload_mb * 1_000_000
    existing = {r["id"]: r["file"] for r in store.article_rows()}
    accepted: list[tuple[Path, Path, str]] = []  # (staged, destination, display name)
    rejected: list[tuple[str, str]] = []
    batch_ids: dict[str, str] = {}
    try:
        for item in files:
            try:
                path, original = _file_path_and_name(item)
            except (TypeError, ValueError):
                rejected.append(("(unnamed)", "unreadable upload"))
                continue
            shown = original
            try:
                name = safe_upload_name(original)
                shown = name
                suffix = Path(name).suffix.lower()
                if suffix not in SUPPORTED_SUFFIXES:
                    raise UploadRejected(f"unsupported file type '{suffix or '(none)'}'; use .txt, .md, .html, "
                                         ".json or .jsonl")
                if not path.is_file():
                    raise UploadRejected("the uploaded file did not arrive")
                size = path.stat().st_size
                if size > max_bytes:
                    raise UploadRejected(f"too large: {size / 1e6:.1f} MB, the limit is "
                                         f"{settings.server.max_upload_mb} MB")
                staged = staging / name
                if staged.exists():
                    raise UploadRejected("another file in this upload has the same name")
                shutil.copyfile(path, staged)
                destination = uploads_resolved / name
                articles, problems = [], []
                for loaded in load_path(staged, max_bytes=max_bytes):
                    (problems if isinstance(loaded, LoadProblem) else articles).append(loaded)
                if problems:
                    reasons = "; ".join(p.reason for p in problems[:3])
                    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                    raise UploadRejected(f"cannot be read as articles: {reasons}{more}")
                if not articles:
                    raise UploadRejected("no articles in the file")
                for article in articles:
                    owner = existing.get(article.id)
                    if owner and Path(owner).resolve() != destination:
                        raise UploadRejected(f"article id '{article.id}' is already in the index (from "
                                             f"{Path(owner).name}); rename the file or give the article another id")
                    if article.id in batch_ids:
                        raise UploadRejected(f"article id '{article.id}' also comes from {batch_ids[article.id]} "
                                             "in this upload")
                for article in articles:
                    batch_ids[article.id] = name
                accepted.append((staged, destination, name))
            except UploadRejected as err:
                rejected.append((shown, str(err)))
        lines = []
        if accepted:
            for staged, destination, _ in accepted:
                shutil.move(str(staged), str(destination))

            def report_progress(done: int, total: int, message: str) -> None:
                if progress is not None and total:
                    progress((done, total), desc=message)

            if progress is not None:
                progress(0, desc="indexing the uploaded articles")
            from app.ingest import ingest

            report = ingest([uploads], settings, store=store, progress=report_progress)
            lines.append(f"**Indexed:** {', '.join(f'`{n}`' for _, _, n in accepted)}  ")
            lines.append(f"Ingest report: {report.summary()}")
            for problem in report.failed:
                lines.append(f"- **skipped** `{Path(problem.origin).name}`: {problem.reason}")
            lines.append("\nThe new articles can be asked about right away on the *Ask* tab.")
        if rejected:
            lines.append("\n**Not accepted** (nothing was changed for these files):")
            for name, reason in rejected:
                shown = name.replace("`", "'")
                lines.append(f"- **rejected** `{shown}`: {reason}")
        return "\n".join(lines)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def delete_articles(settings: Settings, ids_text: str) -> str:
    ids = [i for i in re.split(r"[\s,;]+", ids_text or "") if i]
    if not ids:
        return "Type one or more article ids (from the table) to delete."
    store = get_pipeline(settings).store
    rows = {r["id"]: r for r in store.article_rows()}
    unknown = [i for i in ids if i not in rows]
    known = [i for i in ids if i in rows]
    lines = []
    if known:
        chunks = store.delete_articles(known)
        lines.append(f"Deleted {len(known)} article(s) ({chunks} chunks): {', '.join(f'`{i}`' for i in known)}.")
        # Remove uploaded files whose articles are all gone, or the next upload would index them again.
        uploads = _uploads_dir(settings).resolve()
        remaining_files = {r["file"] for r in store.article_rows() if r["file"]}
        for article_id in known:
            file = rows[article_id]["file"]
            if not file:
                continue
            path = Path(file).resolve()
            if uploads in path.parents and path.is_file():
                if file in remaining_files:
                    lines.append(f"Note: `{path.name}` holds other articles too; `{article_id}` will come back "
                                 "if that file is uploaded again.")
                else:
                    path.unlink(missing_ok=True)
    if unknown:
        lines.append(f"Not in the index: {', '.join(f'`{i}`' for i in unknown)}.")
    return "\n\n".join(lines)


# -- the app ----------------------------------------------------------------------------------------
def build_app(settings: Settings) -> gr.Blocks:
    """The Gradio Blocks app. Theme and CSS are applied by ``launch`` (Gradio 6 takes them there)."""
    # The generation workers (app.workers) queue what needs the model; a queue here as well would make
    # questions refused before generation wait behind answers being generated.
    generate_limit = settings.server.max_streams
    generate = dict(concurrency_id="newsdesk-generate", concurrency_limit=generate_limit)
    index_ops = dict(concurrency_id="newsdesk-index", concurrency_limit=1)

    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as demo:
        gr.HTML(f'<div id="nd-header"><h1>{_esc(HEADER)}</h1><p>Ask about the indexed news articles. Every '
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
                            gr.Textbox(value=f"{model_label(settings.llm)}  (backend: {settings.llm.backend})",
                                       label="Model", interactive=False)
                            gr.Textbox(value=f"{settings.retrieval.mode} (dense + BM25, fused)"
                                       if settings.retrieval.mode == "hybrid" else settings.retrieval.mode,
                                       label="Retrieval", interactive=False)
                    with gr.Column(scale=2, min_width=340):
                        sources = gr.HTML(_empty_sources(), elem_id="nd-sources", js_on_load=None,
                                          container=True, padding=True, max_height=470)
                        with gr.Row(equal_height=True, elem_id="nd-open-row"):
                            open_choice = gr.Dropdown(choices=[], value=None, label="Source to open", scale=4,
                                                      show_label=False, container=False, interactive=False,
                                                      elem_id="nd-open-choice")
                            open_btn = gr.Button("Open source", scale=1, min_width=120, size="md",
                                                 elem_id="nd-open")
                        article_view = gr.HTML(_empty_article(), elem_id="nd-article", js_on_load=None,
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
                        table = gr.Dataframe(value=_table_update(settings), headers=ARTICLE_HEADERS,
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
                    _pending_sources(), gr.update(choices=[], value=None, interactive=False))

        def respond(history: list, state: dict, k: float, temp: float):
            question = state.get("pending")
            state = dict(state)
            state["pending"] = None
            history = list(history or [])
            if not question:
                yield history, state, _empty_sources(), gr.skip()
                return
            answer: Answer | None = None
            draft = ""
            try:
                pipeline = _pipeline(settings, temp)
                for item in pipeline.stream(question, list(state["turns"]), None, _top_k(k, settings)):
                    if isinstance(item, Answer):
                        answer = item
                        break
                    draft += item
                    history[-1] = {"role": "assistant", "content": md_escape(draft) + " ▌"}
                    yield history, state, gr.skip(), gr.skip()
            except QuestionError as err:
                history[-1] = {"role": "assistant", "content": md_escape(str(err))}
                yield history, state, _empty_sources(), gr.skip()
                return
            except Exception as err:  # the backend failed: say so in the chat, keep the session usable
                log.exception("answering failed")
                history[-1] = {"role": "assistant",
                               "content": md_escape(f"Sorry, the answer could not be produced: {err}")}
                yield history, state, _empty_sources(), gr.skip()
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
                             .success(respond, [chatbot, session, top_k, temperature],
                                      [chatbot, session, sources, open_choice], api_visibility="private",
                                      **generate))
            answering[-1].then(finish_turn, None, [question_box, send_btn], api_visibility="private", queue=False)

        def pick_example(evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {}
            return value.get("text") or ""

        answering.append(
            chatbot.example_select(pick_example, None, question_box, api_visibility="private", queue=False)
            .then(start_turn, chat_inputs, chat_outputs, api_visibility="private", queue=False)
            .success(respond, [chatbot, session, top_k, temperature], [chatbot, session, sources, open_choice],
                     api_visibility="private", **generate))
        answering[-1].then(finish_turn, None, [question_box, send_btn], api_visibility="private", queue=False)

        def clear():
            return [], _new_session(), _empty_sources(), gr.update(choices=[], value=None, interactive=False), \
                _empty_article(), gr.update(value="", interactive=True), gr.update(interactive=True)

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
            return article_html(settings, state.get("targets", {}).get(key)) if key else _empty_article()

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
                "answer": answer.text if answer else _message_text(data.value),
                "citations": citations_json(answer) if answer else [],
                "refused": answer.refused if answer else None,
                "model": answer.model if answer else None,
                "message_index": index,
            }
            _append_feedback(settings, record)
            gr.Info("Thanks — your feedback was recorded.")

        chatbot.like(record_feedback, [session], None, api_visibility="private", queue=False)

        # -- corpus events ------------------------------------------------------------------------
        def do_upload(uploaded: list | None, progress=gr.Progress()):
            report = upload_files(settings, uploaded, progress=progress)
            return report, _table_update(settings)

        upload_btn.click(do_upload, [files], [upload_report, table], api_name="upload",
                         api_description="Upload article files and index them; returns (report, articles table).",
                         **index_ops).then(lambda q: _table_update(settings, q or ""), [search], table,
                                           api_visibility="private", queue=False)

        def list_articles(query: str = ""):
            return _table_update(settings, query or "")

        search.change(list_articles, [search], table, api_name="articles",
                      api_description="Indexed articles whose id, title, source or date contain the query.")

        def do_delete(ids: str):
            return delete_articles(settings, ids), _table_update(settings)

        delete_btn.click(do_delete, [delete_ids], [delete_status, table], api_name="delete",
                         api_description="Delete articles by id (comma or space separated).", **index_ops) \
            .then(lambda q: _table_update(settings, q or ""), [search], table, api_visibility="private", queue=False)

        def pick_row(evt: gr.SelectData, current: list | Any):
            row = evt.row_value if getattr(evt, "row_value", None) else None
            return row[0] if row else gr.skip()

        table.select(pick_row, [table], delete_ids, api_visibility="private", queue=False)
        demo.load(list_articles, [search], table, api_visibility="private", queue=False)

        # -- API-only endpoint: one question (with an optional history), JSON out ----------------
        def ask(question: str, history: list | None = None, top_k: int | None = None,
                temperature: float | None = None) -> tuple[str, dict]:
            """Answer a question from the indexed articles.

            Args:
                question: the question.
                history: earlier turns, as chat messages [{"role", "content"}, ...] (e.g. the
                    "history" returned by a previous call), [question, answer] pairs, or None.
                top_k: passages to retrieve (default: the server setting).
                temperature: sampling temperature (default: the server setting).
            Returns:
                the answer text and a dict with citations, refusal, timings and the updated history.
            """
            turns = turns_from_history(history)
            pipeline = _pipeline(settings, temperature)
            try:
                answer = pipeline.answer(question, turns, None, _top_k(top_k, settings) if top_k else None)
            except QuestionError as err:
                raise gr.Error(str(err), print_exception=False) from None
            messages = [m for t in turns for m in ({"role": "user", "content": t.question},
                                                   {"role": "assistant", "content": t.answer})]
            messages += [{"role": "user", "content": answer.question}, {"role": "assistant", "content": answer.text}]
            details = {
                "question": answer.question, "standalone_question": answer.standalone_question,
                "refused": answer.refused, "refusal_reason": answer.refusal_reason,
                "citations": citations_json(answer), "unsupported": answer.unsupported,
                "closest_passages": [p.model_dump(include={"article_id", "title", "date", "url", "text", "start",
                                                           "end"}) for p in answer.passages[:3]]
                if answer.refused else [],
                "model": answer.model, "timings": answer.timings, "history": messages,
            }
            return answer.text, details

        gr.api(ask, api_name="ask", **generate)

    return demo


def launch_options(settings: Settings) -> dict:
    """Keyword arguments for ``Blocks.launch``: Gradio 6 takes theme and CSS there."""
    server = settings.server
    if bool(server.username) != bool(server.password):
        # Half a login would silently serve the page to everyone: refuse to start instead.
        raise ValueError("set both NEWSDESK_SERVER__USERNAME and NEWSDESK_SERVER__PASSWORD, or neither")
    auth = (server.username, server.password) if server.username and server.password else None
    return dict(
        server_name=server.host, server_port=server.port, auth=auth, share=False,
        footer_links=["api", "gradio", "settings"],  # "api": the "Use via API" page (show_api)
        theme=THEME, css=CSS, max_file_size=f"{max(1, server.max_upload_mb) * 2}mb",
        show_error=True, quiet=False,
    )


def launch(settings: Settings) -> None:
    """Index the corpus if the index is empty, then serve the UI (blocks until stopped)."""
    from app.api import ensure_index

    ensure_index(settings)
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=settings.server.concurrency)
    demo.launch(**launch_options(settings))

"""HTML and Markdown the UI shows: the sources panel, the article viewer, corpus reports.

Dates are shown as a reader says them ("21 December 2019"): every citation's source date, the
relative dates of its sentence resolved ("Wednesday = 18 December 2019"), a conflict between
sources as a note naming each with its date and marker, a timeline as a dated list (issue 13).

Article text is untrusted: everything taken from an article is HTML-escaped (``esc``) or, in the
Markdown chat, neutralised (``md_escape``) before display; links are kept only when http(s).
"""

from __future__ import annotations

import html
import re

from app.corpus import DeleteResult, UploadResult
from app.dates import format_day, parse_iso
from app.types import Answer, Article, Citation, ConflictNote, TimelineEntry

OPEN_MARK_ID = "nd-open-mark"  # the highlighted span of the article viewer (static/scroll_to_mark.js)


def md_escape(text: str) -> str:
    """Text shown literally in a Markdown chat bubble: no HTML, links, images or block formatting.

    Article-derived text is untrusted; a link or image in it must not become live. Plain prose
    (and the ``[n]`` markers) is left readable, which keeps screen-reader labels clean.
    """
    text = html.escape(text, quote=False)
    text = text.replace("](", "]\\(").replace("]:", "]\\:").replace("`", "\\`").replace("$", "\\$")
    text = re.sub(r"(?m)^(\s*)([#>*+\-=|~])", r"\1\\\2", text)
    return re.sub(r"(?m)^(\s*\d+)([.)])", r"\1\\\2", text)


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _safe_url(url: str | None) -> str | None:
    if url and re.match(r"^https?://[^\s<>\"']+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _paragraphs(escaped: str) -> str:
    """Escaped text with its line breaks made visible, blank lines as a small paragraph gap."""
    escaped = re.sub(r"\n[ \t]*(?:\n[ \t]*)+", '<span class="nd-gap"></span>', escaped)
    return escaped.replace("\n", "<br>")


def _highlight(text: str, start: int, end: int, mark_attrs: str = 'class="nd-span"') -> str:
    return _paragraphs(esc(text[:start]) + f"<mark {mark_attrs}>" + esc(text[start:end]) + "</mark>"
                       + esc(text[end:]))


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


def _day(value: str | None) -> str:
    day = parse_iso(value)
    return format_day(day) if day else "undated"


def date_html(value: str | None) -> str:
    """An article's date as a reader says it, machine-readable in ``datetime``; "undated" without one."""
    day = parse_iso(value)
    if day is None:
        return '<span class="nd-date">undated</span>'
    return f'<time class="nd-date" datetime="{day.isoformat()}">{esc(format_day(day))}</time>'


def date_notes_html(citation: Citation) -> str:
    """The cited sentence's relative dates resolved against its article's date, when it has any."""
    if not citation.date_notes:
        return ""
    notes = " · ".join(f'<span class="nd-date-note">{esc(n)}</span>' for n in citation.date_notes)
    return f'<div class="nd-date-notes">Dates in this sentence: {notes}</div>'


def conflict_html(note: ConflictNote) -> str:
    """A visible note listing each source's value with its date and citation marker."""
    rows = "".join(f"<li><b>{esc(r.value)}</b> according to {esc(r.source)} ({esc(_day(r.date))}) "
                   f'<a href="#nd-cite-{r.citation}">[{r.citation}]</a></li>' for r in note.reports)
    return f'<div class="nd-conflict" role="note"><b>Sources differ</b><ul>{rows}</ul></div>'


_DATE_BASIS = {"stated": "date stated in the sentence", "relative": "resolved from the article's date",
               "published": "the article's date"}


def timeline_html(entries: list[TimelineEntry]) -> str:
    """An ordered list, one event per line: its day (how it was dated on hover), the sentence, its marker."""
    items = "".join(
        f'<li><time datetime="{esc(e.date)}" title="{esc(_DATE_BASIS.get(e.date_basis, e.date_basis))}">'
        f'{esc(_day(e.date))}</time> {esc(e.text)} <a href="#nd-cite-{e.citation}">[{e.citation}]</a></li>'
        for e in entries)
    return f'<div class="nd-status">Timeline</div><ol class="nd-timeline">{items}</ol>'


def _meta_line(date: str | None, source: str | None, url: str | None) -> str:
    bits = [date_html(date)]
    if source:
        bits.append(esc(source))
    safe = _safe_url(url)
    if safe:
        bits.append(f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer nofollow">{esc(safe)}</a>')
    return " · ".join(bits)


def empty_sources() -> str:
    return ('<div class="nd-panel-title">Sources</div><div class="nd-empty">Ask a question: every <b>[n]</b> '
            "in the answer is listed here with its article and the exact sentence that supports it, "
            "highlighted.</div>")


def pending_sources() -> str:
    return '<div class="nd-panel-title">Sources</div><div class="nd-empty">Finding the passages that answer it…</div>'


def empty_article() -> str:
    return ('<div class="nd-panel-title">Full article</div><div class="nd-empty">Pick a source above and press '
            "<i>Open source</i> to read the whole article, with the cited sentence highlighted.</div>")


def _also_in(copies) -> str:
    """The other outlets that carried the same story (wire copies, app/dedup.py)."""
    if not copies:
        return ""
    names = []
    for copy in copies:
        label = esc(copy.source or copy.title)
        safe = _safe_url(copy.url)
        names.append(f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer nofollow">{label}</a>'
                     if safe else label)
    return f'<div class="nd-foot nd-also">Also carried by: {", ".join(names)}</div>'


def sources_html(answer: Answer) -> str:
    """The sources panel for one answer (everything from the articles is escaped)."""
    out = ['<div class="nd-panel-title">Sources</div>']
    status = []
    if answer.model:
        status.append(esc(answer.model))
    if answer.timings.get("total_s") is not None:
        status.append(f"{answer.timings['total_s']:.1f} s")
    if answer.standalone_question:
        status.append(f"searched for: “{esc(answer.standalone_question)}”")
    if answer.refused:
        reason = f" ({esc(answer.refusal_reason)})" if answer.refusal_reason else ""
        out.append(f'<div class="nd-refusal"><b>No answer in the articles.</b> Nothing retrieved supports an '
                   f"answer{reason}.</div>")
        if answer.passages:
            out.append('<div class="nd-status">Closest passages:</div>')
        for p in answer.passages[:3]:
            out.append(
                f'<article class="nd-cite nd-closest"><div class="nd-cite-head"><span class="nd-num">·</span>'
                f'<span class="nd-title">{esc(p.title)}</span></div>'
                f'<div class="nd-meta">{_meta_line(p.date, p.source, p.url)}</div>'
                f'<blockquote class="nd-passage">{_paragraphs(esc(p.text))}</blockquote>'
                f'<div class="nd-foot">{esc(p.article_id)} · chars {p.start}–{p.end}</div></article>')
    else:
        status.insert(0, f"{len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}")
        if answer.as_of:
            status.append(f"as of {esc(_day(answer.as_of))}")
        out += [conflict_html(note) for note in answer.conflicts]
        if answer.timeline:
            out.append(timeline_html(answer.timeline))
        starts = {p.chunk_id: p.start for p in answer.passages}
        for c in answer.citations:
            chunk_start = starts.get(c.chunk_id)
            guess = c.span.start - chunk_start if chunk_start is not None else None
            where = _locate(c.chunk_text, c.span.text, guess)
            passage = _highlight(c.chunk_text, *where) if where else _paragraphs(esc(c.chunk_text))
            quote = "" if where else f'<div class="nd-foot">Supporting sentence: <mark>{esc(c.span.text)}</mark></div>'
            how = "cited by the model" if c.origin == "model" else "matched to the passage"
            out.append(
                f'<article class="nd-cite" id="nd-cite-{c.number}"><div class="nd-cite-head">'
                f'<span class="nd-num">[{c.number}]</span><span class="nd-title">{esc(c.title)}</span></div>'
                f'<div class="nd-meta">{_meta_line(c.date, c.source, c.url)}</div>{date_notes_html(c)}'
                f'<blockquote class="nd-passage">{passage}</blockquote>{quote}{_also_in(c.also_in)}'
                f'<div class="nd-foot">{esc(c.article_id)} · chars {c.span.start}–{c.span.end} · {how}</div>'
                "</article>")
        if answer.unsupported:
            items = "".join(f"<li>{esc(s)}</li>" for s in answer.unsupported)
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


def article_html(article: Article | None, target: dict | None) -> str:
    """The whole article with the target's span highlighted (``OPEN_MARK_ID``), scrolled to by
    static/scroll_to_mark.js."""
    if not target:
        return empty_article()
    if article is None:
        return ('<div class="nd-panel-title">Full article</div><div class="nd-empty">This article is no longer '
                "in the index.</div>")
    text = article.text
    where = _locate(text, target.get("text") or "", target.get("start"))
    if where is None and 0 <= target.get("start", -1) < target.get("end", -1) <= len(text):
        where = (target["start"], target["end"])
    body = _highlight(text, *where, mark_attrs=f'id="{OPEN_MARK_ID}"') if where else _paragraphs(esc(text))
    return ('<div class="nd-article-head"><div class="nd-panel-title">Full article</div>'
            f'<h3>{esc(article.title)}</h3>'
            f'<div class="nd-meta">{_meta_line(article.date, article.source, article.url)} · {esc(article.id)}</div>'
            f'</div><div class="nd-article-text">{body}</div>')




def upload_markdown(result: UploadResult) -> str:
    lines = []
    if result.accepted and result.report is not None:
        lines.append(f"**Indexed:** {', '.join(f'`{n}`' for n in result.accepted)}  ")
        lines.append(f"Ingest report: {result.report.summary()}")
        for problem in result.report.failed:
            lines.append(f"- **skipped** `{problem.origin.rsplit('/', 1)[-1]}`: {problem.reason}")
        lines.append("\nThe new articles can be asked about right away on the *Ask* tab.")
    if result.rejected:
        lines.append("\n**Not accepted** (nothing was changed for these files):")
        for name, reason in result.rejected:
            shown = name.replace("`", "'")
            lines.append(f"- **rejected** `{shown}`: {reason}")
    return "\n".join(lines)


def delete_markdown(result: DeleteResult) -> str:
    lines = []
    if result.deleted:
        lines.append(f"Deleted {len(result.deleted)} article(s) ({result.chunks} chunks): "
                     f"{', '.join(f'`{i}`' for i in result.deleted)}.")
    lines += [f"Note: {note}" for note in result.notes]
    if result.unknown:
        lines.append(f"Not in the index: {', '.join(f'`{i}`' for i in result.unknown)}.")
    return "\n\n".join(lines)

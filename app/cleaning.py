"""Turning scraped article text into clean prose.

Scraped news carries residue around the story: "Source link", "Leave a Reply", share buttons,
newsletter pitches. It pollutes chunks and, worse, can be retrieved and cited. We drop lines
that are *only* such residue; a sentence that merely mentions a phrase is kept.

HTML pages are not handled here: trafilatura finds their main text (app/sources/extract.py).
"""

from __future__ import annotations

import re
import unicodedata


# Whole lines that are scraper residue (matched case-insensitively, after trimming).
_RESIDUE_LINES = [
    r"source link",
    r"source",
    r"leave a (reply|comment)",
    r"(\d+ )?comments?",
    r"share( this( article| story)?)?:?",
    r"click to share on .*",
    r"(share on|follow us on) (facebook|twitter|x|linkedin|whatsapp|email).*",
    r"(facebook|twitter|linkedin|whatsapp|email|print|pinterest|reddit)",
    r"related( posts| articles| stories)?:?",
    r"read more:?",
    r"most (read|popular|viewed|shared)",
    r"advertisement",
    r"sponsored( content)?",
    r"subscribe( to our newsletter.*)?",
    r"sign up for our newsletter.*",
    r"we use cookies.*",
    r"accept( all)? cookies",
    r"you must be logged in to post a comment\.?",
    r"your email address will not be published\.?.*",
    r"skip to (main )?content",
    r"all rights reserved\.?",
    r"©.*all rights reserved\.?",
]
_RESIDUE_RE = re.compile(r"^(?:%s)$" % "|".join(_RESIDUE_LINES), re.IGNORECASE)
# Control characters other than newline and tab never belong in prose.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")


def is_residue(line: str) -> bool:
    return bool(_RESIDUE_RE.match(line.strip()))


def clean_text(text: str) -> str:
    """Normalise whitespace, strip control characters and drop scraper residue lines."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub("", text)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    kept = [line for line in lines if not is_residue(line)]
    # Paragraphs separated by exactly one blank line.
    paragraphs, current = [], []
    for line in kept:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current) if _is_wrapped(current) else "\n".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current) if _is_wrapped(current) else "\n".join(current))
    return "\n\n".join(paragraphs)


def _is_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped prose (lines broken mid-sentence) is re-joined into one paragraph."""
    if len(lines) < 2:
        return False
    return all(not line.endswith((".", "!", "?", ":", '"', "”")) for line in lines[:-1])

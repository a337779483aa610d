"""Sentence-aware chunking with overlap, recording each chunk's character offsets."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from app.config import ChunkSettings
from app.types import Article, Chunk

# Paragraphs first, then sentences, then clauses: chunks end on a sentence boundary whenever
# a sentence fits, so a cited chunk reads as whole sentences.
_SEPARATORS = [r"\n\n", r"\n", r"(?<=[.!?”\"’])\s+", r";\s+", r",\s+", r"\s+", ""]


def make_splitter(settings: ChunkSettings) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=settings.size,
        chunk_overlap=min(settings.overlap, settings.size // 2),
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        add_start_index=True,
    )


def chunk_article(article: Article, settings: ChunkSettings) -> list[Chunk]:
    """Split an article; ``article.text[chunk.start:chunk.end] == chunk.text`` for every chunk."""
    splitter = make_splitter(settings)
    chunks: list[Chunk] = []
    for index, piece in enumerate(splitter.split_text(article.text)):
        start = _locate(article.text, piece, chunks[-1].start + 1 if chunks else 0)
        chunks.append(Chunk(
            id=f"{article.id}#{index}",
            article_id=article.id,
            index=index,
            text=piece,
            start=start,
            end=start + len(piece),
        ))
    return chunks


def _locate(text: str, piece: str, from_index: int) -> int:
    # Chunks come in order and overlap, so the next one starts after the previous start.
    position = text.find(piece, from_index)
    if position < 0:
        position = text.find(piece)
    if position < 0:  # pragma: no cover - the splitter only ever returns substrings
        raise ValueError("chunk is not a substring of its article")
    return position

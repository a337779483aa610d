from app.chunking import chunk_article
from app.config import ChunkSettings
from app.loading import load_file

from conftest import REPO, SEED_ID


def seed_article():
    return next(iter(load_file(REPO / "corpus" / f"{SEED_ID}.txt")))


def test_every_chunk_is_the_article_text_at_its_offsets():
    article = seed_article()
    chunks = chunk_article(article, ChunkSettings(size=400, overlap=80))
    assert len(chunks) > 5
    for chunk in chunks:
        assert article.text[chunk.start:chunk.end] == chunk.text
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_chunks_cover_the_whole_article_and_overlap():
    article = seed_article()
    chunks = chunk_article(article, ChunkSettings(size=700, overlap=150))
    assert chunks[0].start == 0 and chunks[-1].end == len(article.text)
    for before, after in zip(chunks, chunks[1:]):
        assert after.start <= before.end + 2  # no gap (at most the whitespace between them)
    assert any(after.start < before.end for before, after in zip(chunks, chunks[1:]))


def test_chunks_end_on_sentence_boundaries_when_sentences_fit():
    article = seed_article()
    chunks = chunk_article(article, ChunkSettings(size=700, overlap=150))
    endings = [c.text.rstrip()[-1] for c in chunks]
    assert sum(e in ".!?”\"’" for e in endings) >= len(chunks) - 1

"""Source and date filters: BM25's vectorised row mask follows the same rule as Filters.allows."""

import itertools

from app.retrieval import BM25Index, Filters

ROWS = [
    {"text": "Rockets hit the base.", "source": "Al Jazeera", "date": "2021-03-03"},
    {"text": "A ferry sank in the bay.", "source": "Wikinews", "date": "2008-05-01"},
    {"text": "The bridge was opened.", "source": "Wikinews", "date": None},
    {"text": "Storm makes landfall.", "source": None, "date": "2012-10-29"},
]


def test_the_bm25_mask_allows_exactly_what_the_filter_allows():
    index = BM25Index(ROWS)
    choices = [
        [(), ("Wikinews",), ("Al Jazeera", "Gazette")],
        [None, "2008-05-01", "2010-01-01"],
        [None, "2008-05-01", "2021-12-31"],
    ]
    for sources, date_from, date_to in itertools.product(*choices):
        filters = Filters(sources=sources, date_from=date_from, date_to=date_to)
        expected = [filters.allows(r["source"], r["date"]) for r in ROWS]
        assert index.mask(filters).tolist() == expected, filters


def test_a_filtered_search_returns_only_allowed_rows():
    index = BM25Index(ROWS)
    hits = index.search("rockets ferry bridge storm", 10, Filters(sources=("Wikinews",)))
    assert {i for i, _ in hits} == {1, 2}
    assert index.search("rockets", 10, Filters(date_from="2022-01-01")) == []


def test_dense_search_with_a_filter_gives_chromas_filtered_answer_on_both_paths(tmp_path):
    """Over-fetching then filtering, and Chroma's own filter when that is too selective, agree."""
    import json

    from app.ingest import ingest
    from app.retrieval import HybridRetriever
    from app.store import Store

    from conftest import make_settings

    rows = [{"id": f"old-{i}", "date": f"20{i % 10:02d}-05-01", "source": "Gazette", "title": f"Flood {i}",
             "text": f"Flood waters rose in valley number {i} after {i} days of rain."} for i in range(30)]
    rows.append({"id": "recent", "date": "2021-05-01", "source": "Herald", "title": "Drought",
                 "text": "A drought dried the valley's river."})
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows))
    settings = make_settings(tmp_path / "index", **{"retrieval.mode": "dense", "retrieval.candidates": 2})
    ingest([feed], settings)
    store = Store(settings)

    def both(filters):
        retriever = HybridRetriever(store=store, settings=settings.retrieval, filters=filters)
        ours = [doc.metadata["chunk_id"] for doc, _ in retriever._dense_search("flood waters in the valley", 2)]
        chroma = store.vectorstore.similarity_search_with_score("flood waters in the valley", k=2,
                                                                 filter=filters.chroma_where())
        return ours, [doc.metadata["chunk_id"] for doc, _ in chroma]

    # Half the archive passes: found among the 20 nearest without Chroma filtering.
    ours, chroma = both(Filters(date_from="2005-01-01"))
    assert ours == chroma and len(ours) == 2
    # One article in 31 passes: too selective for the over-fetch, so Chroma filters.
    ours, chroma = both(Filters(sources=("Herald",)))
    assert ours == chroma and [c.split("#")[0] for c in ours] == ["recent"]

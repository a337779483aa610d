"""Section ``recall``: recall@5 of retrieval on tests/questions/seed.yaml (over corpus/) and
tests/questions/wikinews.yaml (over the Wikinews articles) with each embedding backend (onnx
queries the torch-built index, as the product allows; int8 gets an index of its own).

Section ``recall-scale``: the same questions over a real archive of ``--sizes`` chunks: the
latency section's synthetic index of that size (real int8 embeddings of recombined Wikinews
sentences, the product's default backend) with the seed article and the 347 real Wikinews articles
ingested into a copy of it, against their own small int8 index. The synthetic articles reuse the
real ones' sentences, so they are the hardest distractors there can be: a hit is still a gold
evidence span in the top 5, whichever article holds it."""

from __future__ import annotations

import json
import shutil

from bench.common import BACKENDS, CACHE, QUESTION_SETS, Clock, questions, settings_for


def section_recall(args) -> dict:
    from app.embedding import build_embeddings
    from app.ingest import ingest
    from app.store import Store

    out = {}
    for name, (question_file, corpus) in QUESTION_SETS.items():
        asked = [q for q in questions(name) if q.evidence]
        out[name] = {"questions": len(asked), "corpus": str(corpus), "backends": {}}
        stores = {}
        for backend in BACKENDS:
            # onnx records the same model as torch (equal vectors), so it runs over the torch-built
            # index, as it would in the product after switching backends without a reindex.
            built_with = "torch" if backend == "onnx" else backend
            folder = CACHE / "index" / f"recall-{name}-{built_with}"
            settings = settings_for(folder, backend)
            built = folder / "build.json"
            if not built.exists():
                if folder.exists():
                    shutil.rmtree(folder)
                with Clock() as clock:
                    report = ingest([corpus], settings)
                folder.mkdir(parents=True, exist_ok=True)
                built.write_text(json.dumps({"seconds": round(clock.wall, 1), "chunks": report.chunks_embedded,
                                             "loadavg_1m": clock.as_dict()["loadavg_1m"]}))
            store = Store(settings)
            stores[backend] = store
            out[name]["backends"][backend] = {"build": json.loads(built.read_text()), "index_built_with": built_with,
                                              **_recall(store, settings, asked)}
        # Diagnostic only (the product refuses it): int8 query vectors against the float index.
        # The store is handed int8 embeddings while its settings (and index) say torch.
        int8 = build_embeddings(settings_for(CACHE / "x", "onnx-int8").embedding)
        torch_store = Store(settings_for(CACHE / "index" / f"recall-{name}-torch", "torch"), embeddings=int8)
        out[name]["mixed_int8_query_on_float_index"] = _recall(torch_store, torch_store.settings, asked)
    return out


def section_recall_at_scale(args, size: int) -> dict:
    from app.ingest import ingest
    from app.store import Store
    from bench.common import index_dir
    from bench.ingest import section_build

    backend = "onnx-int8"
    args.index_backend = backend
    built = section_build(args, size)
    if not built.get("complete"):
        return {"skipped": f"the {size}-chunk index is incomplete: run `bench.run --sections build` to resume it"}
    archive = CACHE / "index" / f"recall-scale-{backend}-{size}"
    if not (archive / "scale.json").exists():
        if archive.exists():
            shutil.rmtree(archive)
        shutil.copytree(index_dir(backend, size), archive)
        with Clock() as clock:
            reports = [ingest([corpus], settings_for(archive, backend)) for _, corpus in QUESTION_SETS.values()]
        (archive / "scale.json").write_text(json.dumps({
            "synthetic_chunks": built.get("chunks_in_index", built.get("chunks")),
            "real_chunks_added": sum(r.chunks_embedded for r in reports),
            "seconds": round(clock.wall, 1)}))
    store = Store(settings_for(archive, backend))
    out = {"size": size, "backend": backend, "archive": json.loads((archive / "scale.json").read_text()),
           "chunks": store.counts()["chunks"], "sets": {}}
    for name, (_, corpus) in QUESTION_SETS.items():
        asked = [q for q in questions(name) if q.evidence]
        small_folder = CACHE / "index" / f"recall-{name}-{backend}"
        if not small_folder.exists():
            ingest([corpus], settings_for(small_folder, backend))
        small = Store(settings_for(small_folder, backend))
        out["sets"][name] = {"questions": len(asked), "alone": _recall(small, small.settings, asked),
                             "in_archive": _recall(store, store.settings, asked)}
    return out


def _recall(store, settings, asked: list, k: int = 5) -> dict:
    """A hit: a gold evidence span inside one of the top k passages (the evaluation's own test)."""
    from app.evaluation.metrics import retrieval_scores
    from app.lexical_index import BM25Cache
    from app.retrieval import HybridRetriever

    bm25 = BM25Cache(store)
    result = {}
    for mode in ("hybrid", "dense"):
        retriever = HybridRetriever(store=store, settings=settings.retrieval.model_copy(update={"mode": mode, "top_k": k}),
                                    bm25=bm25)
        hits, misses = 0, []
        for question in asked:
            recall, _ = retrieval_scores(question.evidence, [p.text for p in retriever.retrieve(question.question)], k)
            if recall:
                hits += 1
            else:
                misses.append(question.id)
        result[mode] = {"recall_at_5": round(100 * hits / len(asked), 1), "hits": hits, "misses": misses}
    return result

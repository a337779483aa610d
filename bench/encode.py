"""Section ``encode``: raw encode throughput of the three embedding backends (torch, onnx,
onnx-int8) on the same chunk texts, interleaved rounds in one process, and their vectors' cosine
to torch."""

from __future__ import annotations

from bench.common import BACKENDS, Clock, corpus_texts, percentile, raw_encoder


def section_encode(args) -> dict:
    import numpy as np

    from bench.make_corpus import make_corpus

    texts, _ = corpus_texts(make_corpus(max(args.encode_chunks, 1000), args.seed, quiet=True) / "shards")
    texts = [t.replace("\n", " ") for t in texts[: args.encode_chunks]]
    encoders, loads, vectors, runs = {}, {}, {}, {b: [] for b in BACKENDS}
    for backend in BACKENDS:
        encoders[backend], loads[backend] = raw_encoder(backend)
        encoders[backend](texts[:8])  # warm up
    for _ in range(args.encode_rounds):  # interleaved, so drifting load hits every backend alike
        for backend in BACKENDS:
            with Clock() as clock:
                vectors[backend] = np.asarray(encoders[backend](texts))
            runs[backend].append(clock.as_dict(len(texts)))
    result = {"chunks": len(texts), "rounds": args.encode_rounds, "backends": {}}
    for backend in BACKENDS:
        cos = (vectors[backend] * vectors["torch"]).sum(axis=1)
        walls = [r["wall_s"] for r in runs[backend]]
        cpus = [r["cpu_s"] for r in runs[backend]]
        result["backends"][backend] = {
            "load_s": round(loads[backend], 2),
            "best_per_s": round(len(texts) / min(walls), 2),
            "median_per_s": round(len(texts) / percentile(walls, 50), 2),
            "per_cpu_s": round(len(texts) / min(cpus), 2),
            "cosine_to_torch_min": round(float(cos.min()), 5),
            "cosine_to_torch_mean": round(float(cos.mean()), 5),
            "runs": runs[backend],
        }
    torch_best = result["backends"]["torch"]["best_per_s"]
    torch_cpu = result["backends"]["torch"]["per_cpu_s"]
    for backend in BACKENDS:
        entry = result["backends"][backend]
        entry["speedup_best"] = round(entry["best_per_s"] / torch_best, 2)
        entry["speedup_cpu"] = round(entry["per_cpu_s"] / torch_cpu, 2)
    return result

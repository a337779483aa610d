"""Newsdesk benchmarks: ingest throughput, query latency, memory and index size, embedding backends.

Run ``.venv/bin/python -m bench.run --help``; results are described in docs/benchmarks.md.
"""

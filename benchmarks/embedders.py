#!/usr/bin/env python3
"""The embedders side by side: ingest passages/s, raw embedder passages/s, warm search and ask latency, peak memory.

    python benchmarks/embedders.py [--sizes seeds,1k] [--embedders minilm-int8,e5-small-int8] [--out FILE.json]

Each (size, embedder) runs in a process of its own (its own peak RSS), the embedders taking turns at each size so
that they share the machine's conditions. Per run: ingest the corpus into a fresh store (passages/s over the wall
time; `embed share` is the part of it spent inside the embedder), then the raw embedder on the same passages (with
their headlines, batched as ingest batches them), then warm `search` and `ask` on eval-set questions the store has
not seen (as benchmarks/run.py picks them). Retrieval quality is benchmarks/rtqa_retrieval.py's job.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def corpus(size: str) -> Path:
    if size == "seeds":
        from assistant.settings import SEEDS_DIR
        return SEEDS_DIR
    from benchmarks.corpus import SIZES, build
    return build(size, SIZES[size])


def probe(size: str, embedder: str) -> dict:
    from assistant import Assistant, Settings
    from assistant.chunk import chunk_text, heading
    from assistant.core import EMBED_BATCH
    from benchmarks.run import questions

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        a = Assistant(settings=Settings(store=Path(tmp) / "store", embedder=embedder), notice=lambda m: None)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        report = a.ingest([corpus(size)])
        ingest_s = time.perf_counter() - t
        texts, spans = [], []
        for info in a.store.articles():
            text, head = a.store.article_text(info.doc_id), heading(info.title)
            for c in chunk_text(text):
                texts.append(head + text[c.start : c.end])
                spans.append([(s.start - c.start + len(head), s.end - c.start + len(head)) for s in c.sentences])
        t = time.perf_counter()
        for i in range(0, len(texts), EMBED_BATCH):
            a.embedder.embed_with_spans(texts[i : i + EMBED_BATCH], spans[i : i + EMBED_BATCH])
        raw_s = time.perf_counter() - t
        qs = questions()
        for q in qs["warmup"]:
            a.ask(q)
        timing = {"search": [], "ask": []}
        for kind in timing:
            for q in qs[kind]:
                t = time.perf_counter()
                a.search(q, k=10) if kind == "search" else a.ask(q)
                timing[kind].append(1000 * (time.perf_counter() - t))
        a.close()
    passages = report.passages_total
    return {"size": size, "embedder": embedder, "passages": passages, "load_s": round(load_s, 2),
            "ingest_passages_per_s": round(passages / ingest_s, 1),
            "embed_share": round(report.embed_seconds / ingest_s, 3),
            "raw_passages_per_s": round(len(texts) / raw_s, 1),
            "ingest_vs_raw": round(passages / ingest_s / (len(texts) / raw_s), 3),
            "search_p50_ms": round(statistics.median(timing["search"]), 1),
            "ask_p50_ms": round(statistics.median(timing["ask"]), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load_avg": round(os.getloadavg()[0], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seeds,1k")
    parser.add_argument("--embedders", default="minilm-int8,e5-small-int8")
    parser.add_argument("--out")
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(*args.probe)))
        return 0
    rows = []
    for size in args.sizes.split(","):
        for embedder in args.embedders.split(","):
            out = subprocess.run([sys.executable, __file__, "--probe", size, embedder], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))
    keys = ["size", "embedder", "passages", "ingest_passages_per_s", "raw_passages_per_s", "ingest_vs_raw",
            "embed_share", "search_p50_ms", "ask_p50_ms", "peak_rss_mb", "load_avg"]
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

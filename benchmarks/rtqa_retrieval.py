#!/usr/bin/env python3
"""Where retrieval puts the passage that holds the answer: RealTime QA dev weeks and the evals' sets.

    python benchmarks/rtqa_retrieval.py --weeks 20220617,20221125,20230106,20231208 [--embedder minilm-int8]
    python benchmarks/rtqa_retrieval.py --weeks ... --no-evals --out /tmp/retrieval.json
    python benchmarks/rtqa_retrieval.py --weeks ... --rerank      # with the fitted second stage (rerank.py)

For every answerable question of a week (its gold string occurs in an article, by the slice's own rule), the
passages `Assistant` retrieves for it are searched for the first one whose text holds the gold (after the slice's
`norm`, whole words, imported from its score.py): recall@1/3/8 (the 8 that `ask` reads) and MRR@30. "in a
passage" counts the questions whose gold is inside one stored passage at all (not split across two, not only in
a headline): the ceiling for passage recall. For the eval sets: retrieval hit@1/hit@5/MRR@10 as `assistant eval`
reports them. Each week's store is cached under --cache/<embedder>-<index format>/<week> and ingested once, so
a change to what is indexed gets stores of its own. Nothing is written inside the project.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

SLICE = Path("/work/shared/realtimeqa-dev")
ROOT = Path(__file__).resolve().parent.parent
EVAL_SETS = ["rubio", "harbor", "valley", "lakeside", "ridgeway", "quarry"]
DEPTH = 30


def load_scorer():
    spec = importlib.util.spec_from_file_location("rtqa_score", SLICE / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def index_format() -> str:
    try:
        from assistant.chunk import INDEX_FORMAT
    except ImportError:  # a checkout from before headlines were indexed
        return "plain"
    return INDEX_FORMAT


def cache_key(embedder: str) -> str:
    """The cached stores' folder name: embedder, index format and headline weight (what the vectors depend on)."""
    from assistant import models

    weight = getattr(models, "HEADLINE_WEIGHT", 0.0)
    return f"{embedder}-{index_format()}" + (f"-w{weight}" if weight else "")


def open_week(Assistant, Settings, week: str, folder: Path, embedder: str, rerank: bool = False):
    """An Assistant over the week's cached store, ingesting the week's corpus the first time."""
    folder.mkdir(parents=True, exist_ok=True)
    a = Assistant(settings=Settings(store=folder / "store", embedder=embedder, rerank=rerank))
    if not (folder / "done").exists():
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / f"{week}.jsonl"
            with gzip.open(SLICE / week / "corpus.jsonl.gz", "rb") as src, open(corpus, "wb") as dst:
                shutil.copyfileobj(src, dst)
            t = time.perf_counter()
            rep = a.ingest([corpus])
            seconds = time.perf_counter() - t
        (folder / "done").write_text(json.dumps({"seconds": round(seconds, 1), "passages": rep.passages_total,
                                                 "embed_seconds": rep.embed_seconds}))
    return a


def derive(source: Path, target: Path, embedder: str, weight: float, lexical_headline: bool) -> None:
    """Make a week's store for another index format or embedder from a cached one, without reading and analysing
    the articles again: the sidecar (texts, passages, sentences) is copied; vectors are made anew where the embedder
    differs, else the plain passage vectors are reused; headlines are mixed in and added to the BM25 index."""
    import sqlite3

    import numpy as np

    from assistant import Settings
    from assistant.chunk import heading
    from assistant.models import build_embedder, with_headlines
    from assistant.store import Store, _f16, _node

    (target / "store").mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source / "store" / "articles.sqlite3"))
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    dst = sqlite3.connect(str(target / "store" / "articles.sqlite3"))
    src.backup(dst)
    src.close()
    dst.close()
    store = Store(Settings(store=target / "store"))
    model = build_embedder(embedder)
    old = store.db.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()
    same = (old[0] if old else "all-MiniLM-L6-v2-int8") == model.model_name
    t = time.perf_counter()
    embed_seconds = 0.0
    articles = store.articles()
    with store.db:
        store.db.execute("DELETE FROM passage_terms")
        store.db.execute("INSERT OR REPLACE INTO meta VALUES ('embedder', ?)", (model.model_name,))
    for b in range(0, len(articles), 32):
        batch = articles[b : b + 32]
        rows, texts, titles, spans = [], [], [], []
        for info in batch:
            text = store.article_text(info.doc_id)
            for rowid, pid, start, end, vec in store.db.execute(
                    "SELECT rowid, id, start, end, vec FROM passages WHERE doc_id = ? ORDER BY idx", (info.doc_id,)):
                sents = store.db.execute("SELECT idx, start, end, citable FROM sentences WHERE passage_rowid = ? "
                                         "ORDER BY idx", (rowid,)).fetchall()
                rows.append((rowid, pid, info, start, end, vec, sents))
                texts.append(text[start:end])
                titles.append(info.title or "")
                spans.append([(s - start, e - start) for _, s, e, _ in sents])
        e0 = time.perf_counter()
        if same:
            vectors = np.stack([np.frombuffer(r[5], dtype=np.float16).astype(np.float32) for r in rows])
            sentence_vectors = None
        else:
            vectors, sentence_vectors = model.embed_with_spans(texts, spans)
        vectors = with_headlines(model, vectors, titles, weight)
        embed_seconds += time.perf_counter() - e0
        with store.db:
            for k, (rowid, pid, info, start, end, _, sents) in enumerate(rows):
                store.db.execute("UPDATE passages SET vec = ? WHERE rowid = ?", (_f16(vectors[k]), rowid))
                store.lexical.add(rowid, texts[k], heading(info.title) if lexical_headline else "")
                if sentence_vectors is not None:
                    store.db.executemany("UPDATE sentences SET vec = ? WHERE passage_rowid = ? AND idx = ?",
                                         [(_f16(sentence_vectors[k][j]) if c else None, rowid, idx)
                                          for j, (idx, _, _, c) in enumerate(sents)])
        store._upsert([_node(pid, info.doc_id, start, end, texts[k], info.title, info.source, info.url,
                             info.published, vectors[k])
                       for k, (rowid, pid, info, start, end, _, _) in enumerate(rows)])
    store.close()
    (target / "done").write_text(json.dumps({"derived_from": str(source), "seconds": round(time.perf_counter() - t, 1),
                                             "passages": len(store_passages(target)),
                                             "embed_seconds": round(embed_seconds, 1)}))


def store_passages(folder: Path) -> list:
    import sqlite3
    db = sqlite3.connect(str(folder / "store" / "articles.sqlite3"))
    try:
        return db.execute("SELECT id FROM passages").fetchall()
    finally:
        db.close()


def week_passages(a, sc) -> list[tuple[str, str]]:
    """(passage id, normalised text) of every stored passage."""
    rows = a.store.db.execute("SELECT id, doc_id, start, end FROM passages").fetchall()
    return [(pid, sc.norm(a.store.article_text(doc)[s:e])) for pid, doc, s, e in rows]


def first_rank(passages, gold: str, sc) -> int | None:
    for p in passages:
        if sc.contains(sc.norm(p.text), gold):
            return p.rank
    return None


def run_weeks(args, sc) -> tuple[list[dict], dict]:
    from assistant import Assistant, Settings
    from assistant.core import retrieval_query

    from assistant import models

    records, weeks = [], {}
    if args.headline_weight is not None:
        models.HEADLINE_WEIGHT = args.headline_weight
    cache = Path(args.cache) / (cache_key(args.embedder) + ("-ht" if args.headline_terms else ""))
    for week in args.weeks.split(","):
        source = Path(args.cache) / f"{args.derive_from}" / week
        if args.derive_from and not (cache / week / "done").exists() and (source / "done").exists():
            derive(source, cache / week, args.embedder, models.HEADLINE_WEIGHT, args.headline_terms)
        print(f"{week}: store ready", file=sys.stderr)
        a = open_week(Assistant, Settings, week, cache / week, args.embedder, args.rerank)
        done = json.loads((cache / week / "done").read_text())
        normed = week_passages(a, sc)
        questions = [q for q in json.loads((SLICE / week / "questions.json").read_text()) if q["answerable"]]
        times = []
        for q in questions:
            gold = sc.norm(q["gold"][0])
            query = retrieval_query(q["question"], None)
            t = time.perf_counter()
            top = a.retriever.search(query, k=8)
            times.append(time.perf_counter() - t)
            deep = a.retriever.search(query, k=DEPTH)
            records.append({"week": week, "id": q["id"], "rank8": first_rank(top, gold, sc),
                            "rank": first_rank(deep, gold, sc),
                            "in_passage": any(sc.contains(t, gold) for _, t in normed)})
        weeks[week] = {**done, "questions": len(questions), "search_p50_ms": round(1000 * statistics.median(times), 1)}
        a.close()
        clear_chroma()
        print(f"{week}: {summary([r for r in records if r['week'] == week])}", file=sys.stderr)
    return records, weeks


def summary(records: list[dict]) -> dict:
    n = len(records)
    if not n:
        return {"n": 0}
    at = lambda k: round(sum(1 for r in records if r["rank8"] and r["rank8"] <= k) / n, 3)  # noqa: E731
    return {"n": n, "in_passage": round(sum(r["in_passage"] for r in records) / n, 3),
            "recall@1": at(1), "recall@3": at(3), "recall@8": at(8),
            "recall@30": round(sum(1 for r in records if r["rank"]) / n, 3),
            "mrr@30": round(sum(1 / r["rank"] for r in records if r["rank"]) / n, 3)}


def run_evals(args) -> dict:
    from assistant import Assistant, Settings
    from assistant.evaluate import load_set, run_eval
    from assistant.settings import EVALS_DIR

    out = {}
    for name in EVAL_SETS:
        with tempfile.TemporaryDirectory() as tmp:
            a = Assistant(settings=Settings(store=Path(tmp) / "store", embedder=args.embedder, rerank=args.rerank))
            report = run_eval(load_set(EVALS_DIR / f"{name}.yaml"), a)
            a.close()
        out[name] = {k: round(report.metrics[k], 3) for k in ("hit_at_1", "hit_at_5", "mrr_at_10", "fact_recall")}
        print(f"{name}: {out[name]}", file=sys.stderr)
    return out


def clear_chroma() -> None:
    try:
        from chromadb.api.client import SharedSystemClient
        SharedSystemClient.clear_system_cache()
    except Exception:  # noqa: BLE001 - an older/newer chromadb without it only costs memory
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", default="20220617,20221125,20230106,20231208")
    parser.add_argument("--embedder", default="minilm-int8")
    parser.add_argument("--cache", default="/work/cache/retrieval")
    parser.add_argument("--no-evals", action="store_true")
    parser.add_argument("--headline-weight", type=float, help="index with this HEADLINE_WEIGHT (default: the code's)")
    parser.add_argument("--headline-terms", action="store_true", help="index headline terms in BM25 (derived stores)")
    parser.add_argument("--derive-from", help="make missing week stores from this cache folder's (e.g. minilm-int8-plain)")
    parser.add_argument("--rerank", action="store_true", help="search with the fitted reranker (ASSISTANT_RERANK=on)")
    parser.add_argument("--out", help="write records and figures as JSON here (outside the repository)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sc = load_scorer()
    records, weeks = run_weeks(args, sc) if args.weeks else ([], {})
    result = {"embedder": args.embedder, "index": cache_key(args.embedder), "rerank": args.rerank, "weeks": weeks,
              "overall": summary(records),
              "by_year": {y: summary([r for r in records if r["week"].startswith(y)]) for y in ("2022", "2023")},
              "evals": {} if args.no_evals else run_evals(args)}
    print(json.dumps({k: v for k, v in result.items()}, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps({**result, "records": records}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

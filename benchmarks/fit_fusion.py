#!/usr/bin/env python3
"""Fit how dense and BM25 rankings are fused, on RealTime QA dev weeks: fit on 2022, report on 2023.

    python benchmarks/fit_fusion.py --embedder minilm-int8 [--weeks ...] [--write]

Uses the week stores cached by benchmarks/rtqa_retrieval.py (same --cache, embedder and index format); the
candidates are saved next to each store. Per
answerable question: the dense and the BM25 candidates (CANDIDATES each, as `Retriever.search` takes them) with
their scores, and which hold the gold (the slice's `norm`). Then every fusion LlamaIndex's QueryFusionRetriever
offers (reciprocal rank; relative score; distance-based score) with the dense ranking's weight from 0 to 1 in
steps of 0.05 is replayed on those lists, `keep_closest` applied as `search` applies it; the one with the best
mean of recall@1 and MRR@8 on the 2022 weeks is chosen, and reported against today's fusion on the 2023 weeks.
`--write` stores it in assistant/fusion.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.rtqa_retrieval import SLICE, cache_key, load_scorer  # noqa: E402

TOP = 8


def collect(args, sc) -> list[dict]:
    from llama_index.core.schema import QueryBundle

    from assistant import Assistant, Settings
    from assistant.core import retrieval_query
    from assistant.retrieve import DenseRetriever, LexicalRetriever

    cache = Path(args.cache) / cache_key(args.embedder)
    out = []
    for week in args.weeks.split(","):
        saved = cache / week / "fusion-candidates.json"
        if saved.exists():
            out += json.loads(saved.read_text())
            continue
        if not (cache / week / "done").exists():
            print(f"{week}: no cached store in {cache}, skipped", file=sys.stderr)
            continue
        a = Assistant(settings=Settings(store=cache / week / "store", embedder=args.embedder))
        dense, lexical = DenseRetriever(a.store, a.embedder), LexicalRetriever(a.store)
        found = []
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            if not q["answerable"]:
                continue
            gold = sc.norm(q["gold"][0])
            query = retrieval_query(q["question"], None)
            bundle = QueryBundle(query, embedding=a.embedder.get_query_embedding(query))
            lists = [[(n.node.node_id, float(n.score or 0.0)) for n in r.retrieve(bundle)] for r in (dense, lexical)]
            ids = {i for lst in lists for i, _ in lst}
            texts = {pid: n.get_content() for pid, n in a.store.nodes(passage_ids=sorted(ids)).items()}
            found.append({"week": week, "id": q["id"], "dense": lists[0], "lexical": lists[1],
                          "gold": sorted(i for i in ids if sc.contains(sc.norm(texts.get(i, "")), gold))})
        a.close()
        saved.write_text(json.dumps(found))  # outside the repository, next to the week's store
        out += found
    return out


def fuse(dense, lexical, mode: str, w: float) -> list[str]:
    """Replay QueryFusionRetriever's fusion of two lists of (id, score), dense weighted w, lexical 1 - w."""
    scores: dict[str, float] = {}
    for lst, weight in ((dense, w), (lexical, 1 - w)):
        if not lst:
            continue
        if mode == "reciprocal_rerank":  # LlamaIndex ignores weights here; weighting the terms is the fitted variant
            for rank, (i, _) in enumerate(sorted(lst, key=lambda x: -x[1])):
                scores[i] = scores.get(i, 0.0) + 2 * weight / (rank + 60.0)
            continue
        values = [s for _, s in lst]
        if mode == "dist_based_score":
            mean = sum(values) / len(values)
            sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
            low, high = mean - 3 * sd, mean + 3 * sd
        else:
            low, high = min(values), max(values)
        for i, s in lst:
            scaled = (1.0 if high > 0 else 0.0) if high == low else (s - low) / (high - low)
            scores[i] = scores.get(i, 0.0) + scaled * weight
    return [i for i, _ in sorted(scores.items(), key=lambda x: -x[1])]


def keep_closest(fused: list[str], closest: list[str], k: int) -> list[str]:
    top = fused[:k]
    missing = [i for i in fused[k:] if i in closest and i not in top]
    return top[: max(k - len(missing), 0)] + missing[:k]


def evaluate(records: list[dict], mode: str, w: float, kept: int = 2) -> dict:
    n = len(records)
    at = {1: 0, 3: 0, 8: 0}
    rr = 0.0
    for r in records:
        ranked = keep_closest(fuse(r["dense"], r["lexical"], mode, w), [i for i, _ in r["dense"][:kept]], TOP)
        first = next((k for k, i in enumerate(ranked, start=1) if i in r["gold"]), None)
        if first:
            rr += 1 / first
            for k in at:
                at[k] += first <= k
    return {"n": n, **{f"recall@{k}": round(v / max(n, 1), 3) for k, v in at.items()}, "mrr@8": round(rr / max(n, 1), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", default="20220617,20221125,20230106,20231208")
    parser.add_argument("--embedder", default="minilm-int8")
    parser.add_argument("--cache", default="/work/cache/retrieval")
    parser.add_argument("--write", action="store_true", help="store the chosen fusion in assistant/fusion.json")
    args = parser.parse_args()
    records = collect(args, load_scorer())
    fit = [r for r in records if r["week"].startswith("2022")]
    test = [r for r in records if r["week"].startswith("2023")]
    grid = [(m, round(w * 0.05, 2)) for m in ("reciprocal_rerank", "relative_score", "dist_based_score")
            for w in range(21)]
    scored = []
    for mode, w in grid:
        e = evaluate(fit, mode, w)
        scored.append(((e["recall@1"] + e["mrr@8"]) / 2, mode, w, e))
    scored.sort(key=lambda x: -x[0])
    _, mode, w, fit_fig = scored[0]
    result = {"chosen": {"mode": mode, "dense_weight": w},
              "fit_2022": {"today": evaluate(fit, "reciprocal_rerank", 0.5), "fitted": fit_fig},
              "report_2023": {"today": evaluate(test, "reciprocal_rerank", 0.5), "fitted": evaluate(test, mode, w)},
              "runner_up": [(m, ww, e) for _, m, ww, e in scored[1:6]]}
    print(json.dumps(result, indent=1))
    if args.write:
        path = HERE.parent / "assistant" / "fusion.json"
        path.write_text(json.dumps({"mode": mode, "dense_weight": w, "fitted_on": "RealTime QA dev 2022 weeks "
                                    + ",".join(sorted({r["week"] for r in fit})), "embedder": args.embedder,
                                    "fit_2022": fit_fig, "report_2023": result["report_2023"]}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Fit the second-stage reranker (assistant/rerank.py) on RealTime QA dev weeks: fit on 2022, report on 2023.

    python benchmarks/fit_rerank.py [--weeks ...] [--cache /work/cache/rerank] [--write]

Per answerable question of a week (cached store under --cache/minilm-int8-plain/WEEK/store, made by
benchmarks/rtqa_retrieval.py or realtimeqa_asof.py): the fused top rerank.DEPTH passages as `Retriever.search`
takes them, their features (`Retriever.rerank_features`, the code the assistant runs) and which hold the gold
(the slice's `norm`, whole words). A conditional logit with a weak L2 pull (features standardised on the fit
weeks) is fitted on the --fit-years weeks; recall@1/3/8 and MRR@30 of the answer passage are reported for
today's ranking (fusion + keep_closest, as `search` without the reranker) and the reranked one, on the fit and
the held-out weeks, with each feature left out in turn (held out). `--write` stores the weights in
assistant/rerank.json. The candidates are cached next to the stores (news-derived labels: keep them outside the
repository).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.rtqa_retrieval import SLICE, clear_chroma, load_scorer  # noqa: E402

WEEKS = "20220617,20220826,20220930,20221125,20221230,20230106,20230428,20230721,20231103,20231208"
L2_GRID = (0.1, 1.0, 3.0, 10.0, 30.0, 100.0)


def code_version() -> str:
    """Candidates are recollected when the feature code changes."""
    text = "".join((HERE.parent / "assistant" / f).read_text() for f in ("rerank.py", "retrieve.py"))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def collect(args, sc) -> list[dict]:
    from assistant import Assistant, Settings, rerank
    from assistant.core import retrieval_query
    from assistant.retrieve import Retriever, keep_closest

    root = Path(args.cache) / args.embedder_folder
    version = code_version()
    out = []
    for week in args.weeks.split(","):
        saved = Path(args.cache) / "candidates" / f"{week}-{version}.json"
        if saved.exists():
            out += json.loads(saved.read_text())
            continue
        if not (root / week / "done").exists():
            print(f"{week}: no cached store in {root}, skipped", file=sys.stderr)
            continue
        a = Assistant(settings=Settings(store=root / week / "store", rerank=False))
        rows = []
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            if not q["answerable"]:
                continue
            gold = sc.norm(q["gold"][0])
            query = retrieval_query(q["question"], None)
            fused, dense, lexical = a.retriever.fused(query)
            X = a.retriever.rerank_features(query, fused, dense, lexical)
            head = fused[: rerank.DEPTH]
            y = [sc.contains(sc.norm(n.node.get_content()), gold) for n in head]
            top8 = keep_closest(fused, dense[: Retriever.DENSE_KEPT], 8)
            before8 = next((i for i, n in enumerate(top8, 1) if sc.contains(sc.norm(n.node.get_content()), gold)),
                           None)
            rows.append({"week": week, "id": q["id"], "X": X.round(6).tolist(), "y": y, "before8": before8,
                         "before30": next((i for i, v in enumerate(y, 1) if v), None)})
        a.close()
        clear_chroma()
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(rows))
        print(f"{week}: {len(rows)} questions", file=sys.stderr)
        out += rows
    return out


def fit(rows: list[dict], cols: list[int], l2: float) -> np.ndarray:
    """Conditional logit weights (in raw feature units) over the feature columns `cols`; zeros elsewhere."""
    groups = [(np.array(r["X"])[:, cols], np.array(r["y"], dtype=bool)) for r in rows]
    groups = [(X, y) for X, y in groups if y.any() and not y.all()]
    allX = np.vstack([X for X, _ in groups])
    mu, sd = allX.mean(0), allX.std(0)
    sd[sd < 1e-9] = 1.0
    groups = [((X - mu) / sd, y) for X, y in groups]
    beta = np.zeros(len(cols))
    for _ in range(50):
        grad, hess = -l2 * beta, -l2 * np.eye(len(cols))
        for X, y in groups:
            s = X @ beta
            p = np.exp(s - s.max())
            p /= p.sum()
            mean = p @ X
            grad += X[y].sum(0) / 1.0 - y.sum() * mean  # several gold passages: each counts as a choice
            hess -= y.sum() * ((X * p[:, None]).T @ X - np.outer(mean, mean))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = np.zeros(len(rows[0]["X"][0]))
    weights[cols] = beta / sd
    return weights


def reranked_rank(r: dict, weights: np.ndarray) -> int | None:
    s = np.array(r["X"]) @ weights
    order = sorted(range(len(s)), key=lambda i: (-s[i], i))
    return next((k for k, i in enumerate(order, 1) if r["y"][i]), None)


def figures(ranks8: list, ranks30: list) -> dict:
    n = len(ranks8)
    at = lambda k: round(sum(1 for x in ranks8 if x and x <= k) / max(n, 1), 3)  # noqa: E731
    return {"n": n, "recall@1": at(1), "recall@3": at(3), "recall@8": at(8),
            "mrr@30": round(sum(1 / x for x in ranks30 if x) / max(n, 1), 3),
            "recall@30": round(sum(1 for x in ranks30 if x) / max(n, 1), 3)}


def before(rows: list[dict]) -> dict:
    return figures([r["before8"] for r in rows], [r["before30"] for r in rows])


def after(rows: list[dict], weights: np.ndarray) -> dict:
    ranks = [reranked_rank(r, weights) for r in rows]
    return figures(ranks, ranks)


def choose_l2(rows: list[dict], cols: list[int]) -> tuple[float, dict]:
    """The L2 strength with the best mean of recall@1 and MRR@30 over the fit weeks, each week predicted by a fit
    on the others (the held-out weeks are not looked at)."""
    weeks = sorted({r["week"] for r in rows})
    scores = {}
    for l2 in L2_GRID:
        ranks = []
        for week in weeks:
            w = fit([r for r in rows if r["week"] != week], cols, l2)
            ranks += [reranked_rank(r, w) for r in rows if r["week"] == week]
        f = figures(ranks, ranks)
        scores[l2] = f
    best = max(L2_GRID, key=lambda l2: (scores[l2]["recall@1"] + scores[l2]["mrr@30"], l2))
    return best, scores


def wins(rows: list[dict], weights: np.ndarray) -> dict:
    """Questions whose answer passage the reranker moved into the top 1 / out of it."""
    won = lost = 0
    for r in rows:
        top = reranked_rank(r, weights) == 1
        was = r["before8"] == 1
        won += top and not was
        lost += was and not top
    return {"top1_won": won, "top1_lost": lost}


def main() -> int:
    from assistant import rerank

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", default=WEEKS)
    parser.add_argument("--cache", default="/work/cache/rerank")
    parser.add_argument("--embedder-folder", default="minilm-int8-plain")
    parser.add_argument("--fit-years", default="2022")
    parser.add_argument("--l2", type=float, help="L2 strength (default: chosen by leave-one-week-out on the fit weeks)")
    parser.add_argument("--drop", default="", help="features left out of the fit (comma-separated)")
    parser.add_argument("--write", action="store_true", help="store the weights in assistant/rerank.json")
    args = parser.parse_args()
    rows = collect(args, load_scorer())
    years = tuple(args.fit_years.split(","))
    fit_rows = [r for r in rows if r["week"].startswith(years)]
    test_rows = [r for r in rows if not r["week"].startswith(years)]
    dropped = {f for f in args.drop.split(",") if f}
    cols = [i for i, f in enumerate(rerank.FEATURES) if f not in dropped]
    l2, cv = (args.l2, {}) if args.l2 is not None else choose_l2(fit_rows, cols)
    weights = fit(fit_rows, cols, l2)
    result = {
        "embedder": "minilm-int8",
        "fitted_on": sorted({r["week"] for r in fit_rows}), "held_out": sorted({r["week"] for r in test_rows}),
        "model": f"conditional logit over the fused top {rerank.DEPTH}, L2 {l2} on standardised features",
        "l2_leave_one_week_out": {str(k): v for k, v in cv.items()},
        "weights": {f: round(float(w), 5) for f, w in zip(rerank.FEATURES, weights)},
        "fit": {"before": before(fit_rows), "after": after(fit_rows, weights)},
        "held_out_figures": {"before": before(test_rows), "after": after(test_rows, weights),
                             **wins(test_rows, weights)},
    }
    ablation = {}
    for j in cols:
        w = fit(fit_rows, [c for c in cols if c != j], l2)
        ablation[rerank.FEATURES[j]] = after(test_rows, w)
    print(json.dumps(result, indent=1))
    print("held out, each feature left out:", file=sys.stderr)
    for name, fig in ablation.items():
        print(f"  -{name:18s} {fig}", file=sys.stderr)
    if args.write:
        (HERE.parent / "assistant" / "rerank.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

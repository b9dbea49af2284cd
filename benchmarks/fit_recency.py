#!/usr/bin/env python3
"""Fit how strongly a question's time cues prefer articles near the time asked about; write assistant/recency.json.

    python benchmarks/realtimeqa_asof.py collect --out /tmp/asof-candidates.jsonl      # the candidates
    python benchmarks/fit_recency.py /tmp/asof-candidates.jsonl [--fit-years 2022]     # fit, report, write

A conditional logit per question and level: among a question's candidates (its eligible passages; the sentences
of its best passages), the one holding the gold answer is chosen with probability proportional to
exp(b * base + w . features), base being -log(rank) for passages and the sentence score for sentences, and the
features those of recency.features (cue counts x log age; log distance from a named period). The stored weights
are w / b: what each feature adds in units of the ranking the assistant already has. Fitted on the weeks of the
--fit-years, reported on the others (held out): the share of questions whose top candidate holds the gold,
without and with the prior, over the questions with a time cue.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import recency  # noqa: E402

L2 = 1.0  # a weak pull towards zero: a feature the data says little about stays near "no preference"


def groups(rows: list[dict], level: str) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Per question: the design matrix (base, features), the labels, and whether it has a time cue."""
    out = []
    for r in rows:
        cands = r["passages" if level == "passage" else "sentences"]
        y = np.array([c[2] for c in cands], dtype=bool)
        if not len(cands) or not y.any() or y.all():
            continue
        as_of = date.fromisoformat(r["as_of"])
        period = r["cues"]["period"]
        cues = recency.TimeCues(r["cues"]["immediate"], r["cues"]["recent"],
                                tuple(date.fromisoformat(d) for d in period) if period else None)
        base = [-math.log(c[0]) if level == "passage" else c[0] for c in cands]
        feats = recency.features([recency.article_day(c[1]) for c in cands], cues, as_of)
        out.append((np.column_stack([base, np.array(feats)]), y, cues.active))
    return out


def fit(data: list[tuple[np.ndarray, np.ndarray, bool]]) -> tuple[np.ndarray, list[str]]:
    """Fit the weights, none of them preferring articles far from the time asked about; return them and how each
    fit was constrained. A named period's free fit that says "prefer far" (the slice has only a handful of
    questions about a past period) is refitted tied to `recent`: one weight for "near the time asked about",
    fitted on the recent-cue and named-period questions together. Any other such feature is held at zero."""
    d = data[0][0].shape[1]
    named, recent = 1 + recency.FEATURES.index("named"), 1 + recency.FEATURES.index("recent")
    tied, free, notes = False, list(range(d)), []
    while True:
        def design(X: np.ndarray) -> np.ndarray:
            X = X.copy()
            if tied:
                X[:, recent] += X[:, named]
            return X[:, free]

        beta = np.zeros(d)
        beta[free] = _newton([(design(X), y, c) for X, y, c in data])
        if tied:
            beta[named] = beta[recent]
        wrong = [i for i in free[1:] if beta[i] / beta[0] > 0 and not (tied and i == named)]  # per unit of base
        if not wrong:
            return beta, notes
        if named in wrong and not tied and recent in free and beta[recent] < 0:
            tied = True
            free.remove(named)
            notes.append(f"named: free fit {beta[named] / beta[0]:+.4f} (prefers far), tied to recent")
            continue
        worst = max(wrong, key=lambda i: beta[i] / beta[0])
        notes.append(f"{recency.FEATURES[worst - 1]}: free fit {beta[worst] / beta[0]:+.4f} (prefers far), held at 0")
        free.remove(worst)
        if tied and worst == recent:
            tied = False


def _newton(data: list[tuple[np.ndarray, np.ndarray, bool]], iters: int = 50) -> np.ndarray:
    """Maximise the conditional log-likelihood (less L2 on the feature weights) by Newton's method."""
    d = data[0][0].shape[1]
    beta = np.zeros(d)
    beta[0] = 1.0
    penalty = np.diag([0.0] + [L2] * (d - 1))
    for _ in range(iters):
        grad, hess = -penalty @ beta, -penalty.copy()
        for X, y, _ in data:
            s = X @ beta
            p_all = np.exp(s - s.max())
            p_all /= p_all.sum()
            p_pos = np.where(y, p_all, 0.0)
            p_pos /= p_pos.sum()
            m_all, m_pos = p_all @ X, p_pos @ X
            grad += m_pos - m_all
            hess += ((X * p_pos[:, None]).T @ X - np.outer(m_pos, m_pos)) - ((X * p_all[:, None]).T @ X
                                                                            - np.outer(m_all, m_all))
        step = np.linalg.solve(hess - 1e-9 * np.eye(d), grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def top1(data, beta) -> float | None:
    """Share of the questions whose best-scored candidate holds the gold."""
    hits = [bool(y[int(np.argmax(X @ beta))]) for X, y, _ in data]
    return round(sum(hits) / len(hits), 3) if hits else None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("candidates", help="the .jsonl written by `realtimeqa_asof.py collect`")
    p.add_argument("--fit-years", default="2022", help="comma-separated years of the weeks to fit on")
    p.add_argument("--out", default=str(recency.RECENCY_FILE))
    args = p.parse_args()
    rows = [json.loads(line) for line in open(args.candidates)]
    years = tuple(args.fit_years.split(","))
    fit_rows = [r for r in rows if r["week"].startswith(years)]
    held_rows = [r for r in rows if not r["week"].startswith(years)]
    result = {"fitted_on": sorted({r["week"] for r in fit_rows}), "held_out": sorted({r["week"] for r in held_rows}),
              "features": list(recency.FEATURES), "l2": L2}
    for level in ("passage", "sentence"):
        train, held = groups(fit_rows, level), groups(held_rows, level)
        beta, notes = fit(train)
        base_only = np.zeros_like(beta)
        base_only[0] = 1.0
        weights = {name: round(float(w / beta[0]), 4) for name, w in zip(recency.FEATURES, beta[1:])}
        report = {}
        for name, data in (("fit", train), ("held_out", held)):
            cued = [g for g in data if g[2]]
            report[name] = {"questions": len(data), "with_cue": len(cued),
                            "top1_with_cue_before": top1(cued, base_only), "top1_with_cue_after": top1(cued, beta)}
        result[level] = {"weights": weights, "base_coefficient": round(float(beta[0]), 4), "constraints": notes,
                         "top1": report}
        print(f"{level}: weights {weights} (base coefficient {beta[0]:.3f}) {'; '.join(notes)}")
        for name, r in report.items():
            print(f"  {name:<9} {r['questions']} questions, {r['with_cue']} with a time cue: top-1 holds the gold "
                  f"{r['top1_with_cue_before']} -> {r['top1_with_cue_after']}")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

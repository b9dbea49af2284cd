"""Replay real model answers through the verifier: RealTime QA's published baselines (GPT-3, RAG).

For each week of ../shared/realtimeqa-dev (read from there only, never copied), a store of the week's articles
is built once under --cache; each question's passages and scored sentences are retrieved as `ask` does (as of
the quiz date), and each baseline's short answer is checked as if our model had written it
(Verifier.check_short: a sentence must hold the answer and answer the question). The slice's gold answers say
which answers are right.

The check's two thresholds (the share of the question's terms in the supporting sentence, and how far below the
question's best sentence its score may be) are fitted on the --fit weeks: the pair that keeps the most right
answers and drops the most wrong ones (kept right + dropped wrong, answerable and unanswerable wrong answers
together), and reported on the --held weeks, which the fit never sees. Reported per part (fit, held-out) and for
answerable and unanswerable questions apart: the share of right answers kept with a supporting quote and of
wrong answers dropped, before (the previous rule: question share >= 0.3, no score gap, echoes allowed) and with
the fitted thresholds. `--save` writes them to assistant/verify.json.

    python benchmarks/llm_replay.py --fit 20220617,20221111 --held 20230106,20230428 [--out F] [--save]
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.util
import itertools
import json
import math
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings, recency  # noqa: E402
from assistant.verify import CALIBRATION_FILE, Verifier  # noqa: E402

SLICE = Path("/work/shared/realtimeqa-dev")  # ../shared from the main checkout
SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
GAPS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, math.inf)
BEFORE = {"question_share": 0.3, "score_gap": math.inf, "echo": True}


def _scorer():
    spec = importlib.util.spec_from_file_location("rtqa_score", SLICE / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def week_store(week: str, cache: Path) -> Assistant:
    """An Assistant over the week's articles, ingested once into the cache."""
    store = cache / week
    a = Assistant(settings=Settings(store=store), notice=lambda m: None)
    if not a.store.article_count():
        corpus = cache / f"{week}.jsonl"
        with gzip.open(SLICE / week / "corpus.jsonl.gz", "rb") as src, open(corpus, "wb") as dst:
            shutil.copyfileobj(src, dst)
        a.ingest([corpus])
        corpus.unlink()
    return a


def collect(weeks: list[str], cache: Path) -> tuple[list[dict], list[float]]:
    """Per baseline answer: right or not, answerable or not, whether it echoes the question, and (question share,
    score gap) for every retrieved sentence that holds it."""
    score = _scorer()
    baselines = json.loads((SLICE / "baselines.json").read_text())
    rows, times = [], []
    for week in weeks:
        a = week_store(week, cache)
        verifier = Verifier(a.store, a.embedder)
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            golds = ast.literal_eval(q["gold"]) if isinstance(q["gold"], str) else q["gold"]
            when = recency.parse_as_of(q["date"].replace("/", "-"))
            cues = recency.time_cues(q["question"], when)
            passages = recency.search(a.retriever, q["question"], a.settings.passages_for_answer, when, cues,
                                      a.recency_weights)
            t = time.perf_counter()
            evidence = a.retriever.score_sentences(q["question"], passages)
            recency.rescore(evidence, passages, when, cues, a.recency_weights)
            candidates = verifier.candidates(passages, embed=False)
            for system, answers in baselines.items():
                short = (answers.get(q["id"]) or "").strip()
                if not short or score.baseline_abstained(short):
                    continue
                echo, holding = verifier.answer_support(q["question"], short, candidates, evidence.hits)
                rows.append({"week": week, "system": system, "id": q["id"],
                             "answerable": str(q["answerable"]) == "True", "right": score.score_answer(short, golds),
                             "echo": echo, "holding": [(round(s, 4), round(g, 4)) for s, g, _ in holding]})
            times.append(time.perf_counter() - t)
        a.close()
    return rows, times


def kept(row: dict, rule: dict) -> bool:
    if row["echo"] and not rule.get("echo"):
        return False
    return any(s >= rule["question_share"] and g <= rule["score_gap"] for s, g in row["holding"])


def rates(rows: list[dict], rule: dict) -> dict:
    out = {}
    for part, answerable in (("answerable", True), ("unanswerable", False)):
        sub = [r for r in rows if r["answerable"] == answerable]
        right, wrong = [r for r in sub if r["right"]], [r for r in sub if not r["right"]]
        out[part] = {"right": len(right), "wrong": len(wrong),
                     "kept_right": round(sum(kept(r, rule) for r in right) / len(right), 3) if right else None,
                     "dropped_wrong": round(sum(not kept(r, rule) for r in wrong) / len(wrong), 3) if wrong else None}
    return out


def fit(rows: list[dict]) -> dict:
    """The thresholds with the most right answers kept plus wrong ones dropped; ties: the larger share, the
    smaller gap (the stricter check)."""
    right = [r for r in rows if r["right"] and r["answerable"]]
    wrong = [r for r in rows if not r["right"]]
    best = None
    for share, gap in itertools.product(SHARES, GAPS):
        rule = {"question_share": share, "score_gap": gap}
        j = sum(kept(r, rule) for r in right) / len(right) + sum(not kept(r, rule) for r in wrong) / len(wrong) - 1
        key = (round(j, 6), share, -gap)
        if best is None or key > best[0]:
            best = (key, rule)
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", default="20220617,20221111", help="Weeks the thresholds are fitted on.")
    parser.add_argument("--held", default="20230106,20230428", help="Held-out weeks, only measured.")
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/replay"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--save", action="store_true", help="Write the fitted thresholds to assistant/verify.json.")
    parser.add_argument("--debug", action="store_true",
                        help="List each answer's verdict on stderr (ids and (question share / score gap) of its "
                             "best sentences, no text).")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    fit_weeks, held_weeks = args.fit.split(","), [w for w in args.held.split(",") if w]
    fit_rows, times = collect(fit_weeks, args.cache)
    held_rows, more = collect(held_weeks, args.cache)
    times = sorted(times + more)
    rule = fit(fit_rows)
    if args.debug:  # ids only: the slice's text stays out of logs that may be pasted
        for r in fit_rows + held_rows:
            print("RIGHT" if r["right"] else "wrong", "answerable" if r["answerable"] else "unanswerable",
                  "kept" if kept(r, rule) else "dropped", f"(before: {'kept' if kept(r, BEFORE) else 'dropped'})",
                  "echo" if r["echo"] else "", r["id"], r["system"],
                  " ".join(f"{s:.2f}/{g:.2f}" for s, g in sorted(r["holding"], key=lambda h: h[1])[:3]),
                  file=sys.stderr)
    report = {"fit_weeks": fit_weeks, "held_weeks": held_weeks,
              "answers": {"fit": len(fit_rows), "held": len(held_rows)},
              "fitted": {k: (None if v == math.inf else v) for k, v in rule.items()},
              "verify_seconds_p50": round(times[len(times) // 2], 3),
              "before": {"fit": rates(fit_rows, BEFORE), "held": rates(held_rows, BEFORE)},
              "after": {"fit": rates(fit_rows, rule), "held": rates(held_rows, rule)},
              "by_week": {w: {"before": rates([r for r in fit_rows + held_rows if r["week"] == w], BEFORE),
                              "after": rates([r for r in fit_rows + held_rows if r["week"] == w], rule)}
                          for w in fit_weeks + held_weeks}}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if args.save:
        calibration = json.loads(CALIBRATION_FILE.read_text()) if CALIBRATION_FILE.exists() else {}
        calibration.update(report["fitted"], short_fitted_on=f"benchmarks/llm_replay.py --fit {args.fit}")
        CALIBRATION_FILE.write_text(json.dumps(calibration, indent=2) + "\n")


if __name__ == "__main__":
    main()

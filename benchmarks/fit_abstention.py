#!/usr/bin/env python3
"""Fit the abstention model on real news questions, and measure the reader on RealTime QA weeks.

    python benchmarks/fit_abstention.py collect --weeks 20230106,20231208 --cache /work/cache/rtqa
    python benchmarks/fit_abstention.py fit --fit-weeks 20230106,... --check-weeks 20231208,... [--write]
    python benchmarks/fit_abstention.py fit-stale --fit-weeks 20220617,... --check-weeks 20230106,... [--write]

`collect` asks every question of each week (read from ../shared/realtimeqa-dev, never copied) as of its quiz
date, answering whatever the abstention model says (`Assistant.read(force=True)`), and records per question:
the abstention features, whether that forced answer holds the gold answer (the slice's score.py rule), whether
the reader's short answer does, and whether a passage holding the gold reached the reader (the top passages
the answer is read from). Records are labels and numbers only; they stay in --cache, outside the repository.

`fit` fits assistant/abstain.py's logistic model on the fit weeks (label: the forced answer is right; questions
the answer rules rule out are left out, as they abstain whatever the model says) together with the calibration
set (evals/calibration.yaml, label: answerable and its facts found), then reports the model on the check weeks:
answerable accuracy, abstention on unanswerable questions and the precision of the answers given, beside the
same figures under the calibration in use. `--write` stores the model in assistant/calibration.json.

`fit-stale` fits the one weight of the linear rule that a calibration set cannot teach (its corpus is one story
of a few days): how much confidence falls when the best sentence's article is much older than the newest article
out by the quiz date (abstain.py's "stale"). The weight is grid-searched on the fit weeks for the best sum of
answerable accuracy and abstention on unanswerable questions, the rest of the rule as calibrated; the check weeks
report it held out. `--write` adds it to assistant/calibration.json (`assistant calibrate` keeps it).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from realtimeqa_asof import SLICE, load_scorer, open_week  # the slice, its scorer and the cached week stores


def collect(args) -> None:
    from assistant import Assistant, abstain

    sc = load_scorer()
    for week in args.weeks.split(","):
        a = open_week(Assistant, week, Path(args.cache))
        records = []
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            gold = [sc.norm(g) for g in q["gold"]]

            def holds(text: str) -> bool:
                return all(sc.contains(sc.norm(text), g) for g in gold)

            t = time.perf_counter()
            answer, evidence = a.read(q["question"], as_of=q["date"].replace("/", "-"), force=True)
            seconds = time.perf_counter() - t
            candidates = a.composer.candidates(evidence)
            feats = abstain.features(evidence, candidates)
            read_passages = {h.passage_id for h in evidence.hits}
            reached = any(holds(n.get_content()) for n in a.store.nodes(passage_ids=list(read_passages)).values())
            short = answer.short_answer["text"] if answer.short_answer else ""
            records.append({
                "week": week, "id": q["id"], "answerable": q["answerable"], "features": feats,
                "ruled_out": answer.abstained, "right": (not answer.abstained) and sc.score_answer(answer.answer, q["gold"]),
                "short": bool(short), "short_right": bool(short) and holds(short), "reached": reached,
                "confidence": answer.confidence, "answer_chars": len(answer.answer), "seconds": round(seconds, 4)})
        a.close()
        (Path(args.cache) / f"{week}.reader.json").write_text(json.dumps(records))
        print(week, len(records), "questions", flush=True)


def records(cache: Path, weeks: str) -> list[dict]:
    """The collected records of the comma-separated weeks."""
    return [r for w in weeks.split(",") if w for r in json.loads((cache / f"{w}.reader.json").read_text())]


def calibration_rows(cache: Path) -> list[dict]:
    """The calibration set's questions as rows (cached: ingesting its corpus costs a minute)."""
    out = cache / "calibration.reader.json"
    if not out.exists():
        from assistant.calibrate import collect as collect_set
        from assistant.settings import EVALS_DIR, Settings

        out.write_text(json.dumps(collect_set([EVALS_DIR / "calibration.yaml"], Settings())))
    return json.loads(out.read_text())


def figures(records: list[dict], answered) -> dict:
    ans = [r for r in records if r["answerable"]]
    unans = [r for r in records if not r["answerable"]]
    given = [r for r in records if answered(r)]
    return {"n": len(records),
            "answerable_accuracy": round(sum(answered(r) and r["right"] for r in ans) / max(len(ans), 1), 3),
            "unanswerable_abstention": round(sum(not answered(r) for r in unans) / max(len(unans), 1), 3),
            "precision": round(sum(r["right"] for r in given) / max(len(given), 1), 3),
            "reached": round(sum(r.get("reached", False) for r in ans) / max(len(ans), 1), 3),
            "short_right": round(sum(r.get("short_right", False) for r in ans) / max(len(ans), 1), 3),
            "forced_right": round(sum(r["right"] for r in ans) / max(len(ans), 1), 3)}


def fit(args) -> None:
    from assistant import abstain
    from assistant.answer import CALIBRATION_FILE, load_calibration

    cache = Path(args.cache)
    fit_rows = records(cache, args.fit_weeks)
    if not args.no_calibration_set:
        fit_rows += calibration_rows(cache)
    check = records(cache, args.check_weeks)
    from assistant.calibrate import fit as fit_model

    train = [r for r in fit_rows if not r["ruled_out"]]
    model = fit_model(fit_rows, l2=args.l2, names=tuple(args.features.split(",")) if args.features else
                      abstain.FEATURES, label=args.label)
    current = load_calibration()

    def under(m):
        if m.get("model") == "logistic":
            return lambda r: not r["ruled_out"] and abstain.probability(r["features"], m) >= m["threshold"]
        return lambda r: not r["ruled_out"] and r["confidence"] >= m["threshold"]

    report = {"fit_on": {"weeks": args.fit_weeks, "calibration_set": not args.no_calibration_set,
                         "questions": len(train)},
              "model": model,
              "check": {"weeks": args.check_weeks, "fitted": figures(check, under(model)),
                        "current": figures(check, under(current)), "never_abstain": figures(check, lambda r: not r["ruled_out"])},
              "fit": {"fitted": figures(fit_rows, under(model)), "current": figures(fit_rows, under(current))}}
    print(json.dumps(report["check"], indent=1))
    print(json.dumps(report["fit"], indent=1))
    print(json.dumps(model["weights"], indent=1))
    (ROOT / "benchmarks" / "fit_abstention.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.write:
        model["fitted_on"] = report["fit_on"]
        CALIBRATION_FILE.write_text(json.dumps(model, indent=2) + "\n")
        print("wrote", CALIBRATION_FILE)


STALE_GRID = [round(0.05 * i, 2) for i in range(21)]


def fit_stale(args) -> None:
    from assistant import abstain
    from assistant.answer import CALIBRATION_FILE, load_calibration

    cache = Path(args.cache)
    fit_rows, check = records(cache, args.fit_weeks), records(cache, args.check_weeks)
    current = load_calibration()
    if current.get("model") == "logistic":
        raise SystemExit("fit-stale fits the linear rule's weight: the calibration in use is logistic")

    def under(weight: float):
        params = {**current, "stale_weight": weight}
        return lambda r: not r["ruled_out"] and abstain.linear(r["features"], params) >= current["threshold"]

    def objective(rows: list[dict], weight: float) -> float:
        f = figures(rows, under(weight))
        return f["answerable_accuracy"] + f["unanswerable_abstention"]

    best = max(STALE_GRID, key=lambda w: (round(objective(fit_rows, w), 6), -w))
    report = {"fit_on": {"weeks": args.fit_weeks, "questions": len(fit_rows)}, "stale_weight": best,
              "fit": {str(w): figures(fit_rows, under(w)) for w in (0.0, best)},
              "check": {"weeks": args.check_weeks, **{str(w): figures(check, under(w)) for w in (0.0, best)}}}
    print(json.dumps(report, indent=1))
    (ROOT / "benchmarks" / "fit_stale.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.write:
        current["stale_weight"] = best
        current["stale_fitted_on"] = {"weeks": args.fit_weeks, "script": "benchmarks/fit_abstention.py fit-stale"}
        CALIBRATION_FILE.write_text(json.dumps(current, indent=2) + "\n")
        print("wrote", CALIBRATION_FILE)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["collect", "fit", "fit-stale"])
    p.add_argument("--weeks", default="20230106")
    p.add_argument("--fit-weeks", default="")
    p.add_argument("--check-weeks", default="")
    p.add_argument("--cache", default="/tmp/rtqa-reader")
    p.add_argument("--l2", type=float, default=1.0)
    p.add_argument("--label", default="right", choices=["right", "answerable"], help="fit: what the model predicts")
    p.add_argument("--features", default="", help="fit: a comma-separated subset of abstain.FEATURES")
    p.add_argument("--no-calibration-set", action="store_true")
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    {"collect": collect, "fit": fit, "fit-stale": fit_stale}[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""RealTime QA dev slice with each question asked as of its quiz date, and the candidates for fitting recency.json.

    python benchmarks/realtimeqa_asof.py score --weeks 20220617,20230106 [--code DIR] [--out FILE.json]
    python benchmarks/realtimeqa_asof.py score --no-prior ...      # as of the date, without the fitted prior
    python benchmarks/realtimeqa_asof.py collect --weeks ... --out /tmp/asof-candidates.jsonl
    python benchmarks/realtimeqa_asof.py report before.jsonl after.jsonl   # runs' --records, per year

`score` asks every question with `Assistant.ask(question, as_of=date)` (the slice's own score.py passes no date);
with `--code` pointing at an older checkout whose `ask` takes no `as_of`, it asks without one (the "before" run).
Scoring and normalisation are imported from the slice's score.py. `collect` writes, per question, the as-of day,
its time cues and each candidate passage's and sentence's retrieval rank or score, publication day and whether it
holds the gold answer: the input of `benchmarks/fit_recency.py`. That file is news-derived only through those
labels; keep it outside the repository anyway. Each week's store is cached under --cache (ingested once).
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import inspect
import json
import shutil
import sys
import time
from pathlib import Path

SLICE = Path("/work/shared/realtimeqa-dev")
ROOT = Path(__file__).resolve().parent.parent


def load_scorer():
    spec = importlib.util.spec_from_file_location("rtqa_score", SLICE / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def weeks_of(arg: str) -> list[str]:
    every = sorted(p.name for p in SLICE.iterdir() if (p / "questions.json").exists())
    weeks = [w.strip() for w in arg.split(",") if w.strip()] or every
    unknown = [w for w in weeks if w not in every]
    if unknown:
        sys.exit(f"unknown week(s): {', '.join(unknown)}")
    return weeks


def open_week(Assistant, week: str, cache: Path):
    """An Assistant over the week's cached store, ingesting the week's corpus the first time."""
    d = cache / week
    d.mkdir(parents=True, exist_ok=True)
    a = Assistant(store=d / "store")
    if not (d / "done").exists():
        corpus = d / "corpus.jsonl"
        with gzip.open(SLICE / week / "corpus.jsonl.gz", "rb") as src, open(corpus, "wb") as dst:
            shutil.copyfileobj(src, dst)
        t = time.perf_counter()
        a.ingest([corpus])
        (d / "done").write_text(f"{time.perf_counter() - t:.1f}")
    return a


def quiz_day(q: dict) -> str:
    return q["date"].replace("/", "-")


def clear_chroma() -> None:
    try:
        from chromadb.api.client import SharedSystemClient
        SharedSystemClient.clear_system_cache()
    except Exception:  # noqa: BLE001 - an older/newer chromadb without it only costs memory
        pass


def score(args, sc) -> int:
    from assistant import Assistant

    dated = "as_of" in inspect.signature(Assistant.ask).parameters
    records, per_week = [], {}
    for week in weeks_of(args.weeks):
        a = open_week(Assistant, week, Path(args.cache))
        if args.no_prior:  # the as-of filter and dated answers alone: no preference for near articles
            from assistant import recency
            a.recency_weights = recency.load_weights(Path("/nonexistent"))
        rs = []
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            t = time.perf_counter()
            res = (a.ask(q["question"], as_of=quiz_day(q)) if dated else a.ask(q["question"])).to_dict()
            rs.append({"week": week, "id": q["id"], "answerable": q["answerable"], "abstained": res["abstained"],
                       "correct": (not res["abstained"]) and sc.score_answer(res["answer"], q["gold"]),
                       "answer_chars": len(res["answer"]), "ask_s": time.perf_counter() - t,
                       "noted": bool(res.get("note"))})
        a.close()
        clear_chroma()
        per_week[week] = sc.figures(rs)
        if args.records:  # kept week by week: a long run that is stopped keeps the weeks it finished
            with open(args.records, "a") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in rs)
        f = per_week[week]
        print(f"{week} n={f['n']} ans.acc={f['answerable_accuracy']} unans.abst={f['unanswerable_abstention']} "
              f"prec={f['precision_answered']}", flush=True)
        records += rs
    groups = by_year(records)
    out = {"as_of": dated, "prior": dated and not args.no_prior, "code": str(Path(sys.modules["assistant"].__file__).parent.parent),
           "weeks": sorted(per_week), "groups": {k: sc.figures(v) for k, v in groups.items() if v},
           "notes": sum(r["noted"] for r in records), "per_week": per_week}
    for name, f in out["groups"].items():
        print(f"{name:<16} n={f['n']:>3} ({f['n_answerable']}/{f['n_unanswerable']}) ans.acc={f['answerable_accuracy']}"
              f" unans.abst={f['unanswerable_abstention']} prec={f['precision_answered']} ask p50={f['ask_p50_ms']} ms")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


def by_year(records: list[dict]) -> dict[str, list[dict]]:
    return {"fit (2022)": [r for r in records if r["week"].startswith("2022")],
            "held-out (2023)": [r for r in records if r["week"].startswith("2023")], "all": records}


def report(args, sc) -> int:
    """Figures per year from --records files (one per run), over the weeks that every file has."""
    runs = {Path(f).stem: [json.loads(line) for line in open(f)] for f in args.files}
    weeks = set.intersection(*({r["week"] for r in rs} for rs in runs.values()))
    print(f"weeks: {','.join(sorted(weeks))}")
    print("| run | years | n (answerable/unanswerable) | answerable accuracy | unanswerable abstention | precision |"
          " answered | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rs in runs.items():
        for group, sub in by_year([r for r in rs if r["week"] in weeks]).items():
            if sub:
                f = sc.figures(sub)
                print(f"| {name} | {group} | {f['n']} ({f['n_answerable']}/{f['n_unanswerable']}) | "
                      f"{f['answerable_accuracy']} | {f['unanswerable_abstention']} | {f['precision_answered']} | "
                      f"{f['answered']} | {sum(r.get('noted', False) for r in sub)} |")
    return 0


def collect(args, sc) -> int:
    from assistant import Assistant, recency

    with open(args.out, "w") as fh:
        for week in weeks_of(args.weeks):
            a = open_week(Assistant, week, Path(args.cache))
            for q in json.loads((SLICE / week / "questions.json").read_text()):
                as_of = recency.parse_as_of(quiz_day(q))
                cues = recency.time_cues(q["question"], as_of)
                gold = [sc.norm(g) for g in q["gold"]]

                def holds(text: str) -> bool:
                    n = sc.norm(text)
                    return all(sc.contains(n, g) for g in gold)

                pool = [p for p in a.retriever.search(q["question"], k=recency.POOL)
                        if recency.eligible(p.published, as_of)]
                passages = [[p.rank, p.published[:10], holds(p.text)] for p in pool]
                evidence = a.retriever.score_sentences(q["question"], pool[: args.sentence_pool])
                published = {p.passage_id: p.published[:10] for p in pool}
                sentences = [[round(h.score, 5), published.get(h.passage_id, ""),
                              holds(a.store.article_text(h.doc_id)[h.start:h.end])] for h in evidence.hits]
                fh.write(json.dumps({"week": week, "id": q["id"], "answerable": q["answerable"],
                                     "as_of": as_of.isoformat(), "cues": cues.to_dict(),
                                     "passages": passages, "sentences": sentences}) + "\n")
            a.close()
            clear_chroma()
            print(week, "collected", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["score", "collect", "report"])
    p.add_argument("files", nargs="*", help="report: the --records files of the runs to compare")
    p.add_argument("--weeks", default="", help="comma-separated weeks (default: all 24)")
    p.add_argument("--cache", default="/tmp/asof-stores", help="where each week's store is kept between runs")
    p.add_argument("--code", default=str(ROOT), help="the checkout whose `assistant` package is measured")
    p.add_argument("--out", default=None, help="score: the figures as JSON; collect: the candidates (.jsonl)")
    p.add_argument("--no-prior", action="store_true", help="score: ask as of the date, without the fitted prior")
    p.add_argument("--records", default=None, help="score: append each finished week's per-question records here")
    p.add_argument("--sentence-pool", type=int, default=16, help="collect: passages whose sentences are scored")
    args = p.parse_args()
    sys.path.insert(0, str(Path(args.code).resolve()))
    sc = load_scorer()
    return {"score": score, "collect": collect, "report": report}[args.mode](args, sc)


if __name__ == "__main__":
    sys.exit(main())

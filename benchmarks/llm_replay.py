"""Replay real model answers through the verifier: RealTime QA's published baselines (GPT-3, RAG).

For each week of ../shared/realtimeqa-dev (read from there only, never copied), a store of the week's articles
is built once under --cache; each question's passages are retrieved as `ask` does (as of the quiz date), and
each baseline's short answer is checked as if our model had written it (Verifier.check_short). The slice's
gold answers say which answers are right. Reported for answerable and unanswerable questions apart: the share
of right answers kept with a supporting quote, and of wrong answers dropped, at the shipped question-share
threshold and at a few others (the choice of threshold is a trade between the two).

    python benchmarks/llm_replay.py --weeks 20220617,20221111 [--out benchmarks/llm_replay.json]
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings, recency  # noqa: E402
from assistant.verify import Verifier  # noqa: E402

SLICE = Path("/work/shared/realtimeqa-dev")  # ../shared from the main checkout
SHARES = (0.0, 0.2, 0.3, 0.4, 0.5)


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


def replay(weeks: list[str], cache: Path, debug: bool = False) -> dict:
    score = _scorer()
    baselines = json.loads((SLICE / "baselines.json").read_text())
    rows, times = [], []
    for week in weeks:
        a = week_store(week, cache)
        verifier = Verifier(a.store, a.embedder)
        for q in json.loads((SLICE / week / "questions.json").read_text()):
            golds = ast.literal_eval(q["gold"]) if isinstance(q["gold"], str) else q["gold"]
            when = recency.parse_as_of(q["date"].replace("/", "-"))
            passages = recency.search(a.retriever, q["question"], a.settings.passages_for_answer, when,
                                      recency.time_cues(q["question"], when), a.recency_weights)
            t = time.perf_counter()
            candidates = verifier.candidates(passages, embed=False)
            for system, answers in baselines.items():
                short = (answers.get(q["id"]) or "").strip()
                if not short or score.baseline_abstained(short):
                    continue
                claim = verifier.check_short(q["question"], short, candidates)
                rows.append({"system": system, "id": q["id"], "answer": short,
                             "answerable": str(q["answerable"]) == "True",
                             "right": score.score_answer(short, golds), "score": claim.score})
            times.append(time.perf_counter() - t)
        a.close()
    report = {"weeks": weeks, "answers": len(rows), "verify_seconds_p50": round(sorted(times)[len(times) // 2], 3)}
    if debug:
        for r in rows:
            print(("RIGHT" if r["right"] else "wrong"), r["answerable"], r["score"], r["id"], r["system"],
                  file=sys.stderr)
    for share in SHARES:
        for part, keep in (("answerable", True), ("unanswerable", False)):
            sub = [r for r in rows if r["answerable"] == keep]
            right = [r for r in sub if r["right"]]
            wrong = [r for r in sub if not r["right"]]
            kept = lambda r: r["score"] >= max(share, 0.0)  # noqa: E731
            report[f"{part}@{share}"] = {
                "right": len(right), "wrong": len(wrong),
                "kept_right": round(sum(map(kept, right)) / len(right), 3) if right else None,
                "dropped_wrong": round(sum(not kept(r) for r in wrong) / len(wrong), 3) if wrong else None}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", default="20220617,20221111")
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/llm/rtqa"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--debug", action="store_true", help="List each answer's verdict (ids only) on stderr.")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    report = replay(args.weeks.split(","), args.cache, args.debug)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

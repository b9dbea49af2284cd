"""The planted-hallucination suite: scripted model replies with known errors, answered through the real pipeline.

Each reply in `evals/planted.yaml` is served by the fake OpenAI-compatible server (tests/fake_llm.py) to a real
Assistant (real embedder, Chroma, retrieval and verification) over the reply's corpus. Every claim goes on its
own line with the [n] of the passage the reply's author meant (or, for a wrong citation, of one that does not
hold it). Reported per error kind: caught (dropped, or re-cited to a passage that holds it) and, for correct
claims, false drops. Run: `python evals/planted.py [--file F] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.settings import SEEDS_DIR  # noqa: E402
from tests.fake_llm import FakeLLMServer, Reply, question_of  # noqa: E402

EVALS = Path(__file__).resolve().parent
ERROR_KINDS = ("number", "name", "negation", "invented", "wrong_cite", "quote", "injection")
_PASSAGE_RE = re.compile(r"^\[(\d+)\] [^:\n]*?: (.*)$", re.M)


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def scripted_reply(replies: dict[str, list]) -> callable:
    """The fake model: reads the passages in the prompt and writes the reply's claims with matching markers."""

    def script(request: dict) -> Reply:
        prompt = request["messages"][-1]["content"]
        passages = {int(n): _norm(text) for n, text in _PASSAGE_RE.findall(prompt)}
        lines = []
        for kind, text, snippet in replies[question_of(request)]:
            holding = [n for n, t in passages.items() if _norm(snippet) in t]
            if kind == "wrong_cite":
                others = [n for n in passages if n not in holding]
                n = others[0] if others else 1
            else:
                n = holding[0] if holding else 1
            lines.append(f"{text} [{n}]")
        return Reply("\n".join(lines))

    return script


def _outcomes(claims: list, answer) -> list[tuple[str, str, str]]:
    """(kind, text, outcome) per planted claim: kept | corrected | dropped, walking kept and dropped in order."""
    kept = [(s.text, [answer.citations[n - 1] for n in s.citations]) for s in answer.sentences] \
        if answer.mode == "llm" else []
    dropped = [d["text"] for d in answer.dropped]
    out = []
    for kind, text, snippet in claims:
        if kept and kept[0][0] == text:
            _, cites = kept.pop(0)
            holds = any(_norm(snippet) in _norm(c.quote) for c in cites)
            out.append((kind, text, "corrected" if kind == "wrong_cite" and holds else "kept"))
        elif dropped and dropped[0] == text:
            dropped.pop(0)
            out.append((kind, text, "dropped"))
        else:  # the model's answer fell back before verification, or the claim was split differently
            out.append((kind, text, "dropped" if answer.mode != "llm" else "lost"))
    return out


def run(path: Path = EVALS / "planted.yaml", store_root: Path | None = None) -> dict:
    """Run a planted file; return counts per kind, the catch and false-drop rates, and every miss."""
    spec = yaml.safe_load(path.read_text())
    counts: dict[str, Counter] = defaultdict(Counter)
    misses, bad_quotes, timings = [], 0, []
    with tempfile.TemporaryDirectory(dir=store_root) as tmp:
        for i, group in enumerate(spec["sets"]):
            replies = {r["q"]: r["claims"] for r in group["replies"]}
            with FakeLLMServer(scripted_reply(replies)) as server:
                settings = Settings(store=Path(tmp) / f"s{i}", llm_url=server.url, llm_timeout=30)
                assistant = Assistant(settings=settings, notice=lambda m: None)
                corpus = SEEDS_DIR if group["corpus"] == "seeds" else EVALS / group["corpus"]
                assistant.ingest([corpus] + ([EVALS / group["extra"]] if group.get("extra") else []))
                for question, claims in replies.items():
                    answer = assistant.ask(question)
                    timings.append(dict(assistant.llm.timings))
                    for c in answer.citations:
                        bad_quotes += assistant.store.article_text(c.doc_id)[c.start:c.end] != c.quote
                    for kind, text, outcome in _outcomes(claims, answer):
                        counts[kind][outcome] += 1
                        if outcome == "dropped" if kind == "ok" else outcome not in ("dropped", "corrected"):
                            reason = next((d["reason"] for d in answer.dropped if d["text"] == text), "")
                            misses.append({"question": question, "kind": kind, "text": text, "outcome": outcome,
                                           "reason": reason or answer.fallback})
                assistant.close()
    errors = sum(sum(counts[k].values()) for k in ERROR_KINDS)
    caught = sum(counts[k]["dropped"] + counts[k]["corrected"] for k in ERROR_KINDS)
    ok = sum(counts["ok"].values())
    verify = sorted(t["verify"] for t in timings)
    model = sorted(t["model"] for t in timings)
    return {
        "replies": sum(len(g["replies"]) for g in spec["sets"]),
        "by_kind": {k: dict(counts[k]) for k in ("ok", *ERROR_KINDS)},
        "catch_rate": round(caught / errors, 4) if errors else 1.0,
        "false_drop_rate": round(counts["ok"]["dropped"] / ok, 4) if ok else 0.0,
        "errors": errors, "correct": ok, "citations_not_verbatim": bad_quotes,
        "verify_seconds_p50": round(verify[len(verify) // 2], 4) if verify else 0.0,
        "verify_seconds_p95": round(verify[int(len(verify) * 0.95)], 4) if verify else 0.0,
        "model_seconds_p50": round(model[len(model) // 2], 4) if model else 0.0,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=EVALS / "planted.yaml")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(args.file)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['replies']} replies, {report['correct']} correct claims, {report['errors']} planted errors "
          f"({time.perf_counter() - started:.0f} s)")
    for kind, c in report["by_kind"].items():
        total = sum(c.values())
        if kind == "ok":
            print(f"  {kind:<11} {total:>3}  kept {c.get('kept', 0)}  dropped {c.get('dropped', 0)}")
        else:
            print(f"  {kind:<11} {total:>3}  dropped {c.get('dropped', 0)}  corrected {c.get('corrected', 0)}  "
                  f"kept {c.get('kept', 0) + c.get('lost', 0)}")
    print(f"catch rate {report['catch_rate']}  false-drop rate {report['false_drop_rate']}  "
          f"citations not verbatim {report['citations_not_verbatim']}")
    print(f"verify p50 {report['verify_seconds_p50']} s, p95 {report['verify_seconds_p95']} s")
    for m in report["misses"]:
        print(f"  MISS {m['kind']}: {m['text']} -> {m['outcome']} ({m['reason']})")


if __name__ == "__main__":
    main()

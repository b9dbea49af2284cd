"""Verification time per answer against the model's own time (p50/p95), over the seeds' eval questions.

With no --llm-url, the scripted fake server (tests/fake_llm.py) answers each question with the extractive
answer's sentences, reworded by nothing, so the model costs ~nothing and verification does its full work;
with --llm-url, a real model (e.g. llama.cpp's server) answers.

    python benchmarks/llm_timing.py [--llm-url http://127.0.0.1:8080/v1] [--limit 30] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.settings import EVALS_DIR  # noqa: E402
from tests.fake_llm import FakeLLMServer, Reply, question_of  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(int(len(values) * q), len(values) - 1)], 4) if values else 0.0


def run(url: str | None, limit: int, timeout: float = 120) -> dict:
    questions = [q["question"] for q in yaml.safe_load((EVALS_DIR / "rubio.yaml").read_text())["questions"]][:limit]
    with tempfile.TemporaryDirectory() as tmp, FakeLLMServer() as fake:
        base = Assistant(settings=Settings(store=Path(tmp) / "s"), notice=lambda m: None)
        base.ingest()
        replies = {}
        for q in questions:
            answer = base.ask(q)
            replies[q] = " ".join(f"{s.text} [1]" for s in answer.sentences) or "I cannot answer from these articles."
        base.close()
        fake.script = lambda request: Reply(replies.get(question_of(request), ""))
        a = Assistant(settings=Settings(store=Path(tmp) / "s", llm_url=url or fake.url, llm_timeout=timeout),
                      notice=lambda m: None)
        rows = []
        for q in questions:
            answer = a.ask(q)
            rows.append({**a.llm.timings, "mode": answer.mode, "fallback": answer.fallback,
                         "dropped": len(answer.dropped)})
        a.close()
    model = [r["model"] for r in rows]
    verify = [r["verify"] for r in rows if r["verify"]]
    return {"model": "fake server" if url is None else url, "answers": len(rows),
            "llm_mode": sum(r["mode"] == "llm" for r in rows),
            "fallbacks": sorted({r["fallback"] for r in rows if r["fallback"]}),
            "model_seconds_p50": _pct(model, 0.5), "model_seconds_p95": _pct(model, 0.95),
            "verify_seconds_p50": _pct(verify, 0.5), "verify_seconds_p95": _pct(verify, 0.95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-url")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=120, help="Seconds a model call may take.")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = json.dumps(run(args.llm_url, args.limit, args.timeout), indent=2)
    print(report)
    if args.out:
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()

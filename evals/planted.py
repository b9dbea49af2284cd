"""The planted-hallucination suite: scripted model replies with known errors, answered through the real pipeline.

Each reply in `evals/planted.yaml` is served by the fake OpenAI-compatible server (tests/fake_llm.py: real HTTP
on loopback) to a real Assistant (real embedder, Chroma, retrieval and verification) over the reply's corpus;
the replay itself is `assistant.replay` (`assistant eval --llm-replay FILE` runs it with the replies served in
process). Reported per error kind: caught (dropped, or re-cited to a passage that holds it) and, for correct
claims, false drops. Run: `python evals/planted.py [--file F] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.models import build_llm  # noqa: E402
from assistant.replay import ERROR_KINDS, render  # noqa: E402,F401 (ERROR_KINDS: for test_planted)
from assistant.replay import run as replay  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.fake_llm import FakeLLMServer, Reply  # noqa: E402

EVALS = Path(__file__).resolve().parent


@contextmanager
def served(script):
    """The replies served over HTTP by the fake OpenAI-compatible server, read by the real client."""
    with FakeLLMServer(lambda request: Reply(script(request["messages"][-1]["content"]))) as server:
        yield build_llm(Settings(llm_url=server.url, llm_timeout=30))


def run(path: Path = EVALS / "planted.yaml", store_root: Path | None = None) -> dict:
    """Run a planted file over HTTP; return counts per kind, the catch and false-drop rates, and every miss."""
    return replay(path, Settings(), store_root, connect=served)


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
    print(render(report))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

"""Reliability figures: a file of many short lines, and the chat page under 20 clients at once.

    python benchmarks/reliability.py                     # both, writes benchmarks/reliability.json
    python benchmarks/reliability.py --only shortlines   # or --only load
    python benchmarks/reliability.py --code DIR --label before   # measure another checkout's code

shortlines: a 1.2 MB file of 100,000 "Item N." lines ingested by `assistant ingest --json` with the real
embedder: passages, wall and CPU time, peak memory and the store's size on disk. The cost should follow the
text's size, not its line count.
load: `assistant serve` over the bundled seeds; 20 API clients (gradio_client, each its own session) ask
5 rounds each of questions from evals/rubio.yaml; errors (including a reply to another client's
question) and latency p50/p95. Every command runs the code in `--code` (default: this checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LINES = 100_000
CLIENTS, ROUNDS = 20, 5
CLIENT_TIMEOUT = 120  # seconds


def _env(code: Path, store: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**env, "PYTHONPATH": str(code), "ASSISTANT_STORE": str(store), "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False"}


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def shortlines(code: Path, work: Path) -> dict:
    """Ingest 100,000 one-line items; return passages, seconds and store bytes."""
    text = "".join(f"Item {i}.\n" for i in range(1, LINES + 1))
    source = work / "short_lines.txt"
    source.write_text(text, encoding="utf-8")
    store = work / "shortlines-store"
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--json", str(source)], cwd=code,
                         env=_env(code, store), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    # CPU time does not depend on what else the machine runs, wall time does (2 shared cores here).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if run.returncode != 0:
        raise SystemExit(f"ingest failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    return {"lines": LINES, "file_bytes": len(text.encode()), "passages": report["passages_total"],
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mb": round(after.ru_maxrss / 1024),
            "load_average": round(os.getloadavg()[0], 1), "store_bytes": _size(store),
            "store_mb": round(_size(store) / 1e6, 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(code: Path, work: Path) -> dict:
    """20 clients x 5 rounds against `assistant serve`; return errors and latency percentiles."""
    from gradio_client import Client

    store = work / "load-store"
    port = _free_port()
    env = {**_env(code, store), "ASSISTANT_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1"], cwd=code,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for line in server.stderr:  # seeding notices, then the address
            if "Ctrl+C" in line:
                break
        else:
            raise SystemExit("assistant serve exited before serving")
        urllib.request.urlopen(url, timeout=30).close()
        questions = [q["question"] for q in yaml.safe_load((ROOT / "evals" / "rubio.yaml").read_text())["questions"]]
        latencies: list[float] = []
        errors: list[str] = []
        connect_errors: list[str] = []

        def client(n: int) -> None:
            try:
                # A browser waits for a slow page; gradio_client's 5 s default gave up on a loaded machine.
                api = Client(url, verbose=False, httpx_kwargs={"timeout": CLIENT_TIMEOUT})
            except Exception as exc:  # a client that cannot even connect: none of its rounds are asked
                connect_errors.append(f"client {n}: connect: {exc}")
                return
            for r in range(ROUNDS):
                question = questions[(n * ROUNDS + r) % len(questions)]
                t = time.perf_counter()
                try:
                    got = api.predict(question, api_name="/ask")
                    if got.get("question") != question:
                        errors.append(f"client {n} round {r}: answer to {got.get('question')!r}")
                except Exception as exc:  # counted, not raised: the figure is how many fail
                    errors.append(f"client {n} round {r}: {exc}")
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ordered = sorted(latencies)
    return {"clients": CLIENTS, "rounds": ROUNDS, "requests": len(latencies), "errors": len(errors),
            "connect_errors": len(connect_errors), "error_samples": (connect_errors + errors)[:5],
            "p50_s": round(statistics.median(ordered), 3), "p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
            "wall_s": round(wall, 1), "load_average": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="Checkout whose `assistant` package is measured.")
    parser.add_argument("--label", default="after", help="Key under which the figures are written.")
    parser.add_argument("--only", choices=["shortlines", "load"])
    parser.add_argument("--out", type=Path, default=HERE / "reliability.json")
    args = parser.parse_args()
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    entry = results.setdefault(args.label, {})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.code, capture_output=True, text=True)
    entry["commit"] = commit.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        for name, fn in (("shortlines", shortlines), ("load", load)):
            if args.only in (None, name):
                entry[name] = fn(args.code.resolve(), Path(tmp))
                print(name, json.dumps(entry[name]), flush=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

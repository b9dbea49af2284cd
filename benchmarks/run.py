"""The benchmark suite: ingest, re-ingest, cold start, warm latency and peak memory, embedded and server mode.

    python benchmarks/run.py                  # full: seeds, 1k, 10k and 100k passages (hours on 2 cores)
    python benchmarks/run.py --sizes seeds    # quick: the five seed articles (a minute or two)

Every measurement runs the installed `assistant` in its own process (CLI commands, or a small probe
that imports the package), so each gets a cold interpreter and its own peak RSS (from wait4). Writes
benchmarks/results.json, benchmarks/results.md (the README table) and benchmarks/results.png.

The ingest-vs-embedder ratio is measured two ways: against the raw embedder's throughput on a sample
of the same passages in a separate process (sensitive to other load on the machine), and as the share
of the ingest's own wall time spent inside the embedder (the same moment's conditions for both).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.corpus import SIZES, build  # noqa: E402

STORES = HERE / ".stores"
BIN = Path(sys.executable).parent
RAW_SAMPLE = 3000  # passages the raw embedder is timed on (an even sample across the corpus)
COLD_RUNS = 3
SERVER_INGEST_MAX = "10k"  # larger server stores are restored from the embedded run's sidecar, not re-embedded
TARGETS = {
    "ingest_vs_raw": 0.90, "reingest_share_10k_articles": 0.05, "ask_p50_seeds_ms": 50, "ask_p50_100k_ms": 150,
    "search_p50_100k_ms": 30, "peak_rss_100k_mb": 1536, "cold_start_seeds_s": 3.0,
}
ORDER = ["seeds", "1k", "10k", "100k"]


# --- processes ---------------------------------------------------------------------------------------
def measure(cmd: list[str], server: "ChromaServer | None" = None) -> dict:
    """Run a command; return wall seconds, CPU seconds, peak RSS (MB, from wait4) and its output.

    `other_cores` is how busy the rest of the machine was meanwhile (other users' processes; the
    Chroma server's share is counted apart as `server_cores`): a number well above 0 means the
    measurement was slowed down by something else.
    """
    import psutil

    busy = sum(psutil.cpu_times()[:3])
    server_cpu = server.cpu_seconds() if server else 0.0
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errfile:  # a file, not a pipe: stderr can never block the child
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        errfile.seek(0)
        err = errfile.read()
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{err[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    server_cpu = (server.cpu_seconds() - server_cpu) if server else 0.0
    others = max(0.0, sum(psutil.cpu_times()[:3]) - busy - cpu - server_cpu)
    out_dict = {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "other_cores": round(others / wall, 2), "stdout": out, "stderr": err}
    if server:
        out_dict["server_cores"] = round(server_cpu / wall, 2)
    return out_dict


class ChromaServer:
    """`chroma run` on a free loopback port; its peak RSS comes from wait4 when it stops."""

    def __init__(self, path: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(path.parent / f"{path.name}.log", "wb")
        self.proc = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat")

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self) -> float:
        """Stop the server; return its peak RSS in MB."""
        self.proc.terminate()
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = 0
        self.log.close()
        return round(usage.ru_maxrss / 1024, 1)


# --- probes (run in their own process) -----------------------------------------------------------------
def probe_raw(corpus: Path, sample: int) -> dict:
    """Time the embedder alone on an even sample of the corpus's passages, batched as ingest batches them."""
    from assistant.chunk import chunk_text
    from assistant.core import EMBED_BATCH
    from assistant.ingest import Article, iter_files, read_file
    from assistant.models import build_embedder

    files = [p for p in iter_files([corpus]) if isinstance(p, Path)]
    texts, spans = [], []
    for path in files:
        for article in read_file(path):
            if isinstance(article, Article):
                for c in chunk_text(article.text):
                    texts.append(article.text[c.start : c.end])
                    spans.append([(s.start - c.start, s.end - c.start) for s in c.sentences])
    total = len(texts)
    if total > sample:  # every k-th passage: the sample spans the corpus evenly
        step = total / sample
        keep = [int(i * step) for i in range(sample)]
        texts, spans = [texts[i] for i in keep], [spans[i] for i in keep]
    embedder = build_embedder()
    embedder.embed_with_spans(texts[:8], spans[:8])  # load and warm up, untimed
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), EMBED_BATCH):
        embedder.embed_with_spans(texts[i : i + EMBED_BATCH], spans[i : i + EMBED_BATCH])
    seconds = time.perf_counter() - started
    return {"passages_in_corpus": total, "passages_timed": len(texts), "seconds": round(seconds, 3),
            "cpu_seconds": round(time.process_time() - cpu, 2), "passages_per_s": round(len(texts) / seconds, 2),
            "load_avg": os.getloadavg()}


def probe_latency(store: Path, url: str | None, questions_file: Path, profile: Path | None) -> dict:
    """Open the store once, warm up, then time search and ask on questions it has not seen."""
    from assistant import Assistant, Settings

    questions = json.loads(questions_file.read_text())
    assistant = Assistant(settings=Settings(store=store, chroma_url=url), notice=lambda m: None)
    for q in questions["warmup"]:
        assistant.ask(q)
    timings: dict[str, list[float]] = {"search": [], "ask": []}
    for kind in ("search", "ask"):
        for q in questions[kind]:
            t = time.perf_counter()
            assistant.search(q, k=10) if kind == "search" else assistant.ask(q)
            timings[kind].append((time.perf_counter() - t) * 1000)
    if profile:  # after the timings, so that sampling does not slow the asks that are timed
        from pyinstrument import Profiler

        from assistant.models import _cached_query

        _cached_query.cache_clear()  # the same questions again, their embeddings included
        profiler = Profiler(interval=0.001)
        with profiler:
            for q in questions["ask"]:
                assistant.ask(q)
        profile.parent.mkdir(parents=True, exist_ok=True)
        profile.write_text(profiler.output_text(unicode=False, color=False))
    out = {}
    for kind, ms in timings.items():
        ms.sort()
        out[kind] = {"n": len(ms), "p50_ms": round(statistics.median(ms), 2),
                     "p95_ms": round(ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], 2)}
    out["passages"] = assistant.store.passage_count()
    # How common the questions' terms are in this corpus: what BM25's posting lists cost.
    from assistant.lexical import terms

    qterms = sorted({t for kind in ("search", "ask") for q in questions[kind] for t in terms(q)})
    df = dict(assistant.store.db.execute(
        f"SELECT term, doc FROM passage_vocab WHERE term IN ({','.join('?' * len(qterms))})", qterms))
    shares = sorted(df.get(t, 0) / max(out["passages"], 1) for t in qterms)
    out["query_term_df"] = {"median": round(statistics.median(shares), 4),
                            "p90": round(shares[int(0.9 * (len(shares) - 1))], 4)}
    out["load_avg"] = os.getloadavg()
    assistant.close()
    return out


# --- the suite ---------------------------------------------------------------------------------------
def questions() -> dict:
    """Eval-set questions, split into disjoint warm-up, search and ask lists (no query is timed twice)."""
    qs = []
    for name in ("rubio", "harbor"):
        qs += [q["question"] for q in yaml.safe_load((HERE.parent / "evals" / f"{name}.yaml").read_text())["questions"]]
    return {"warmup": qs[:5], "search": qs[5::2], "ask": qs[6::2]}


def commit() -> str:
    """The commit measured: git's HEAD, or the COMMIT file of an exported snapshot."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE.parent, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        marker = HERE.parent / "COMMIT"
        return marker.read_text().strip() if marker.exists() else "unknown"


def corpus_for(size: str) -> Path:
    from assistant.settings import SEEDS_DIR

    return SEEDS_DIR if size == "seeds" else build(size, SIZES[size])


def cli(store: Path, url: str | None, *args: str) -> list[str]:
    return [str(BIN / "assistant"), "--store", str(store), *(["--chroma-url", url] if url else []), *args]


def probe(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--probe", *args]


def copy_sidecar(source: Path, target: Path) -> None:
    """Copy a sidecar with SQLite's backup API (consistent even with a WAL beside it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def run_mode(size: str, mode: str, corpus: Path, qfile: Path, log, profiles: Path | None,
             server_ingest_max: str) -> dict:
    store = STORES / f"{size}-{mode}"
    server: ChromaServer | None = None
    result: dict = {}

    def fresh() -> None:
        """An empty store (and, in server mode, a new server with an empty data folder)."""
        nonlocal server
        if server:
            result["server_peak_rss_mb"] = server.stop()
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        server = ChromaServer(store / "chroma-server") if mode == "server" else None

    def raw_probe() -> dict:
        run = measure(probe("raw", str(corpus), str(RAW_SAMPLE)))
        return {**json.loads(run["stdout"]), "peak_rss_mb": run["peak_rss_mb"], "other_cores": run["other_cores"]}

    fresh()
    url = server.url if server else None
    try:
        restore = mode == "server" and ORDER.index(size) > ORDER.index(server_ingest_max)
        if restore:
            # Embedding 100k passages twice does not fit a session on 2 cores: the server store starts from
            # the embedded run's sidecar, and opening it uploads every vector from there (no embedding).
            copy_sidecar(STORES / f"{size}-embedded" / "articles.sqlite3", store / "articles.sqlite3")
            run = measure(cli(store, url, "search", "--json", "restore"), server)
            result["ingest"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"],
                                "other_cores": run["other_cores"], "server_cores": run["server_cores"],
                                "note": "restored from the embedded run's sidecar: vectors uploaded, not embedded"}
        else:
            # The raw embedder is timed before and after the ingest (and the seeds, seconds long, three
            # times over), so that both see much the same load on the machine.
            raws, runs = [], []
            for attempt in range(3 if size == "seeds" else 1):
                if attempt:
                    fresh()
                    url = server.url if server else None
                raws.append(raw_probe())
                log(f"  {mode} raw embedder: {raws[-1]}")
                run = measure(cli(store, url, "ingest", "--json", str(corpus)), server)
                runs.append((run, json.loads(run["stdout"])))
            raws.append(raw_probe())
            log(f"  {mode} raw embedder: {raws[-1]}")
            raw_rate = statistics.median(r["passages_per_s"] for r in raws)
            rates = [rep["passages_written"] / rep["seconds"] for _, rep in runs]
            run, report = runs[rates.index(statistics.median(rates))] if len(runs) % 2 else runs[-1]
            result["raw_embedder"] = {"passages_per_s": raw_rate, "runs": raws}
            # Throughput over the ingest itself; starting Python and loading the models is the cold start's.
            result["ingest"] = {
                "seconds": report["seconds"], "process_seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"],
                "peak_rss_mb": max(r["peak_rss_mb"] for r, _ in runs), "passages": report["passages_written"],
                "articles": report["articles_total"],
                "passages_per_s": round(report["passages_written"] / report["seconds"], 2),
                "vs_raw_embedder": round(report["passages_written"] / report["seconds"] / raw_rate, 3),
                "embed_seconds": report["embed_seconds"],
                "embed_share": round(report["embed_seconds"] / max(report["seconds"], 1e-9), 3),
                "other_cores": run["other_cores"], **({"server_cores": run["server_cores"]} if server else {}),
                "runs": [{"passages_per_s": round(r, 2)} for r in rates],
            }
        log(f"  {mode} ingest: {result['ingest']}")
        run = measure(cli(store, url, "ingest", "--json", str(corpus)), server)
        report = json.loads(run["stdout"])
        assert report["passages_written"] == 0, "re-ingest embedded passages"
        result["reingest"] = {"seconds": run["seconds"], "ingest_seconds": report["seconds"],
                              "peak_rss_mb": run["peak_rss_mb"], "unchanged": len(report["unchanged"]),
                              "other_cores": run["other_cores"]}
        if "process_seconds" in result["ingest"]:  # both runs whole, as the user waits for them
            result["reingest"]["share_of_first"] = round(run["seconds"] / result["ingest"]["process_seconds"], 4)
        log(f"  {mode} re-ingest: {result['reingest']}")
        question = "What topics did Rubio say talks with Iran must include?"
        colds = [measure(cli(store, url, "ask", "--json", question), server) for _ in range(COLD_RUNS)]
        result["cold_start_s"] = {"median": round(statistics.median(r["seconds"] for r in colds), 3),
                                  "runs": [r["seconds"] for r in colds],
                                  "other_cores": max(r["other_cores"] for r in colds)}
        log(f"  {mode} cold start: {result['cold_start_s']}")
        args = ["latency", str(store), url or "", str(qfile)]
        if profiles:
            args.append(str(profiles / f"{size}-{mode}-ask.txt"))
        run = measure(probe(*args), server)
        latency = json.loads(run["stdout"])
        result["query_other_cores"] = run["other_cores"]
        result["search"], result["ask"] = latency["search"], latency["ask"]
        result["query_peak_rss_mb"] = run["peak_rss_mb"]
        result["query_load_avg"] = latency["load_avg"]
        result["passages"] = latency["passages"]
        result["query_term_df"] = latency["query_term_df"]
        log(f"  {mode} warm: search {result['search']} ask {result['ask']} rss {run['peak_rss_mb']} MB")
    finally:
        if server:
            result["server_peak_rss_mb"] = server.stop()
    result["peak_rss_mb"] = max(result.get("ingest", {}).get("peak_rss_mb", 0), result.get("query_peak_rss_mb", 0))
    return result


def check_targets(results: dict) -> list[dict]:
    """Each target with its measured value and whether it was met."""
    sizes = results["sizes"]
    out = []

    def add(name, what, value, target, met):
        out.append({"target": name, "what": what, "value": value, "limit": target, "met": bool(met)})

    for size, r in sizes.items():
        for mode, m in r["modes"].items():
            ing = m["ingest"]
            if "embed_share" in ing:
                vs_raw = ing["vs_raw_embedder"]
                add("ingest_vs_raw", f"{size} {mode}: ingest / raw embedder throughput", vs_raw,
                    TARGETS["ingest_vs_raw"], vs_raw >= TARGETS["ingest_vs_raw"])
            if size == "100k" and "share_of_first" in m["reingest"]:
                share = m["reingest"]["share_of_first"]
                add("reingest", f"{size} {mode}: re-ingest / first ingest (10k articles)", share,
                    TARGETS["reingest_share_10k_articles"], share <= TARGETS["reingest_share_10k_articles"])
            if size == "seeds":
                add("ask_p50", f"seeds {mode}: warm ask p50 (ms)", m["ask"]["p50_ms"], TARGETS["ask_p50_seeds_ms"],
                    m["ask"]["p50_ms"] <= TARGETS["ask_p50_seeds_ms"])
                add("cold_start", f"seeds {mode}: CLI cold start to first answer (s)", m["cold_start_s"]["median"],
                    TARGETS["cold_start_seeds_s"], m["cold_start_s"]["median"] <= TARGETS["cold_start_seeds_s"])
            if size == "100k":
                add("ask_p50", f"100k {mode}: warm ask p50 (ms)", m["ask"]["p50_ms"], TARGETS["ask_p50_100k_ms"],
                    m["ask"]["p50_ms"] <= TARGETS["ask_p50_100k_ms"])
                add("search_p50", f"100k {mode}: warm search p50 (ms)", m["search"]["p50_ms"],
                    TARGETS["search_p50_100k_ms"], m["search"]["p50_ms"] <= TARGETS["search_p50_100k_ms"])
                add("peak_rss", f"100k {mode}: peak RSS of the assistant process (MB)", m["peak_rss_mb"],
                    TARGETS["peak_rss_100k_mb"], m["peak_rss_mb"] <= TARGETS["peak_rss_100k_mb"])
    return out


def table(results: dict) -> str:
    """The README table: one row per size and mode."""
    head = ("| corpus | mode | passages | ingest p/s (vs raw embedder; in-run embed share) | re-ingest | "
            "cold start | search p50 / p95 | ask p50 / p95 | peak RSS: ingest / query / server |")
    lines = [head, "|" + "---|" * 9]
    for size, r in results["sizes"].items():
        for mode, m in r["modes"].items():
            ing = m["ingest"]
            if "note" in ing:
                ingest = f"restored from sidecar in {ing['seconds']:.0f} s (not embedded)"
            else:
                ingest = (f"{ing['passages_per_s']:.1f} ({ing['vs_raw_embedder']:.0%} of "
                          f"{m['raw_embedder']['passages_per_s']:.1f}; {ing['embed_share']:.0%}) in {ing['seconds']:.0f} s")
            server = f" / {m['server_peak_rss_mb']:.0f}" if "server_peak_rss_mb" in m else " / –"
            lines.append(
                f"| {size} | {mode} | {m['passages']:,} | {ingest} | {m['reingest']['seconds']:.1f} s | "
                f"{m['cold_start_s']['median']:.2f} s | {m['search']['p50_ms']:.0f} / {m['search']['p95_ms']:.0f} ms | "
                f"{m['ask']['p50_ms']:.0f} / {m['ask']['p95_ms']:.0f} ms | "
                f"{ing['peak_rss_mb']:.0f} / {m['query_peak_rss_mb']:.0f}{server} MB |")
    lines += ["", "| target | measured | limit | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['what']} | {t['value']} | {t['limit']} | {'yes' if t['met'] else '**no**'} |")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, mem) = plt.subplots(1, 2, figsize=(12, 4.5))
    for mode, style in (("embedded", "-"), ("server", "--")):
        rows = [(r["modes"][mode]["passages"], r["modes"][mode]) for r in results["sizes"].values() if mode in r["modes"]]
        if not rows:
            continue
        x = [n for n, _ in rows]
        for kind, colour in (("search", "tab:blue"), ("ask", "tab:orange")):
            lat.plot(x, [m[kind]["p50_ms"] for _, m in rows], style, marker="o", color=colour, label=f"{kind} p50, {mode}")
            lat.plot(x, [m[kind]["p95_ms"] for _, m in rows], style, marker="x", color=colour, alpha=0.45,
                     label=f"{kind} p95, {mode}")
        ingested = [(n, m) for n, m in rows if "note" not in m["ingest"]]  # a restored store was not ingested
        mem.plot([n for n, _ in ingested], [m["ingest"]["peak_rss_mb"] for _, m in ingested], style, marker="o",
                 color="tab:green", label=f"ingest process, {mode}")
        mem.plot(x, [m["query_peak_rss_mb"] for _, m in rows], style, marker="o", color="tab:purple",
                 label=f"query process, {mode}")
        if mode == "server":
            mem.plot(x, [m["server_peak_rss_mb"] for _, m in rows], style, marker="s", color="tab:gray",
                     label="chroma server")
    for ax, title, unit in ((lat, "Warm latency", "ms"), (mem, "Peak RSS", "MB")):
        ax.set_xscale("log")
        ax.set_xlabel("passages in the store")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    lat.set_yscale("log")
    mem.axhline(TARGETS["peak_rss_100k_mb"], color="red", lw=0.8, ls=":")
    mem.annotate("target at 100k", (0.01, TARGETS["peak_rss_100k_mb"]), xycoords=("axes fraction", "data"),
                 fontsize=7, color="red", va="bottom")
    for name, label in (("ask_p50_100k_ms", "ask p50 target at 100k"), ("search_p50_100k_ms", "search p50 target at 100k"),
                        ("ask_p50_seeds_ms", "ask p50 target on the seeds")):
        lat.axhline(TARGETS[name], color="red", lw=0.8, ls=":")
        lat.annotate(label, (0.99, TARGETS[name]), xycoords=("axes fraction", "data"), fontsize=7, color="red",
                     va="bottom", ha="right")
    fig.suptitle(f"assistant benchmarks ({results['machine']['cpus']} CPUs, {results['started']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmark suite.")
    parser.add_argument("--sizes", default=",".join(ORDER), help="comma-separated: seeds,1k,10k,100k")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--profile", action="store_true",
                        help="profile the warm asks with pyinstrument (profiles/ beside --out)")
    parser.add_argument("--server-ingest-max", default=SERVER_INGEST_MAX, choices=ORDER,
                        help="largest size ingested (embedded) in server mode; larger ones are restored")
    parser.add_argument("--render", action="store_true",
                        help="only redraw results.md and results.png from an existing --out file")
    parser.add_argument("--probe", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        results = json.loads(args.out.read_text())
        results["targets"] = check_targets(results)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        (args.out.parent / "results.md").write_text(table(results) + "\n")
        plot(results, args.out.parent / "results.png")
        print(table(results))
        return
    if args.probe:
        kind, *rest = args.probe
        if kind == "raw":
            print(json.dumps(probe_raw(Path(rest[0]), int(rest[1]))))
        else:
            print(json.dumps(probe_latency(Path(rest[0]), rest[1] or None, Path(rest[2]),
                                           Path(rest[3]) if len(rest) > 3 else None)))
        return

    sizes = [s for s in ORDER if s in args.sizes.split(",")]
    modes = [m for m in ("embedded", "server") if m in args.modes.split(",")]
    STORES.mkdir(parents=True, exist_ok=True)
    qfile = STORES / "questions.json"
    qfile.write_text(json.dumps(questions()))
    out_dir = args.out.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    logfile = open(args.out.with_suffix(".log"), "a")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    results = {"started": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(sys.argv),
               "commit": commit(),
               "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                           "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                           "load_avg_at_start": os.getloadavg()},
               "targets_spec": TARGETS, "sizes": {}}
    if args.out.exists() and (set(sizes) != set(ORDER) or len(modes) < 2):
        # A partial run replaces the sizes and modes it ran and keeps the rest of the previous results.
        results["sizes"] = json.loads(args.out.read_text()).get("sizes", {})
        results["partial_runs"] = json.loads(args.out.read_text()).get("partial_runs", []) + [results["command"]]
    for size in sizes:
        corpus = corpus_for(size)
        log(f"{size}: corpus {corpus}")
        entry = results["sizes"].setdefault(size, {"modes": {}})
        entry["corpus"] = str(corpus.relative_to(HERE.parent))
        for mode in modes:
            entry["modes"][mode] = run_mode(size, mode, corpus, qfile, log,
                                            out_dir / "profiles" if args.profile else None, args.server_ingest_max)
            entry["modes"] = {m: entry["modes"][m] for m in ("embedded", "server") if m in entry["modes"]}
        results["sizes"] = {k: results["sizes"][k] for k in ORDER if k in results["sizes"]}
        results["targets"] = check_targets(results)
        results["finished"] = time.strftime("%Y-%m-%d %H:%M")
        args.out.write_text(json.dumps(results, indent=2) + "\n")  # after every size: a cut-short run keeps its part
        (out_dir / "results.md").write_text(table(results) + "\n")
        plot(results, out_dir / "results.png")
    log("\n" + table(results))


if __name__ == "__main__":
    main()

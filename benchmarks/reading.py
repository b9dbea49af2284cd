"""Reading files into articles: what each bundled file reads as, and what trafilatura costs per HTML page.

    python benchmarks/reading.py                         # seeds/, evals/corpus_*/, tests/data/
    python benchmarks/reading.py --compare OLD.json      # and what changed since an earlier run's JSON

For every file: outlet, date, title, comments removed, and a hash and length of the stored text (a changed
text moves citation offsets). For the HTML pages: milliseconds per page for `read_html` (trafilatura's
extraction plus the byline and comments handling) and for trafilatura's `bare_extraction` alone, median of
--repeat runs after one warm-up. Writes benchmarks/reading.json (or --out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from pathlib import Path

from trafilatura import bare_extraction

from assistant.ingest import Article, read_articles
from assistant.webpage import read_html
from assistant.settings import EVALS_DIR, PROJECT_ROOT, SEEDS_DIR

OUT = Path(__file__).resolve().parent / "reading.json"
FIELDS = ("source", "published", "title", "comments_removed")


def read_all() -> dict[str, dict]:
    paths = [SEEDS_DIR, *sorted(EVALS_DIR.glob("corpus_*")), PROJECT_ROOT / "tests" / "data"]
    out = {}
    for item in read_articles(paths):
        if isinstance(item, Article):
            key = f"{item.path.removeprefix(str(PROJECT_ROOT) + '/')}#{item.doc_id}"
            out[key] = {**{f: getattr(item, f) for f in FIELDS}, "chars": len(item.text),
                        "text_sha": hashlib.sha256(item.text.encode()).hexdigest()[:12]}
    return out


def median_ms(fn, raw: str, repeat: int) -> float:
    fn(raw)  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(raw)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def time_pages(repeat: int) -> dict[str, dict]:
    pages = sorted(EVALS_DIR.glob("corpus_*/*.html")) + sorted((PROJECT_ROOT / "tests" / "data").glob("*.html"))
    out = {}
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        out[str(page.relative_to(PROJECT_ROOT))] = {
            "bytes": len(raw.encode()),
            "read_html_ms": median_ms(read_html, raw, repeat),
            "trafilatura_ms": median_ms(
                lambda r: bare_extraction(r, include_comments=False, with_metadata=True), raw, repeat),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="an earlier run's JSON: print what changed")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the JSON (default {OUT.name})")
    args = parser.parse_args()
    files = read_all()
    pages = time_pages(args.repeat)
    for key, row in files.items():
        print(f"{key[:60]:60} {row['source'] or '-':24} {row['published'] or '-':12} {row['comments_removed']}")
    for key, row in pages.items():
        print(f"{key:55} {row['bytes']:>6} B  read_html {row['read_html_ms']:6.2f} ms  "
              f"trafilatura {row['trafilatura_ms']:6.2f} ms")
    per_page = [row["read_html_ms"] for row in pages.values()]
    summary = {"html_pages": len(pages), "read_html_ms_median": round(statistics.median(per_page), 2),
               "read_html_ms_max": max(per_page),
               "named_outlet": sum(bool(r["source"]) for r in files.values()), "files": len(files)}
    print(json.dumps(summary))
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))["files"]
        for key in sorted(set(old) | set(files)):
            before, after = old.get(key, {}), files.get(key, {})
            changed = [f"{f}: {before.get(f)!r} -> {after.get(f)!r}" for f in (*FIELDS, "text_sha", "chars")
                       if before.get(f) != after.get(f)]
            if changed:
                print(f"CHANGED {key}: " + "; ".join(changed))
    args.out.write_text(json.dumps({"summary": summary, "files": files, "pages": pages}, indent=1) + "\n",
                   encoding="utf-8")


if __name__ == "__main__":
    main()

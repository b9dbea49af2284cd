"""Fit the verifier's support score (weights of cosine, term share and noun share) and its threshold on data.

Reads planted replies (default evals/planted_fit.yaml: a corpus the CI suite does not use), retrieves each
question's passages as `ask` does, and for every claim scores each candidate sentence that passes the hard
checks (numbers, names, dates, quotes, polarity). A correct claim should have some candidate at or above the
threshold, a planted error none. The weights and threshold with the lowest balanced error (ties: the largest
margin) are written to assistant/verify.json.

    python benchmarks/llm_calibrate.py [--file evals/planted_fit.yaml] [--dry-run]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings, recency  # noqa: E402
from assistant.settings import EVALS_DIR, SEEDS_DIR  # noqa: E402
from assistant.verify import CALIBRATION_FILE, Claim, Verifier, _Facts  # noqa: E402


def collect(path: Path) -> list[tuple[bool, np.ndarray]]:
    """(should be kept, features of each candidate passing the hard checks) per claim."""
    spec = yaml.safe_load(path.read_text())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, group in enumerate(spec["sets"]):
            a = Assistant(settings=Settings(store=Path(tmp) / f"s{i}"), notice=lambda m: None)
            corpus = SEEDS_DIR if group["corpus"] == "seeds" else EVALS_DIR / group["corpus"]
            a.ingest([corpus] + ([EVALS_DIR / group["extra"]] if group.get("extra") else []))
            verifier = Verifier(a.store, a.embedder)
            for reply in group["replies"]:
                question = reply["q"]
                when = recency.parse_as_of(None)
                passages = recency.search(a.retriever, question, a.settings.passages_for_answer, when,
                                          recency.time_cues(question, when), a.recency_weights)
                candidates = verifier.candidates(passages)
                for kind, text, _ in reply["claims"]:
                    if kind == "wrong_cite":
                        continue  # true claims: the same as "ok" for the score
                    claim = Claim(text, [])
                    verifier._embed([text])
                    facts = _Facts.of(text)
                    feats = [verifier.features(claim, c) for c in candidates
                             if not facts.missing_from(c, a.store) and not facts.opposes(c, text)]
                    rows.append((kind == "ok", np.array(feats or [[0.0, 0.0, 0.0]])))
            a.close()
    return rows


def fit(rows: list[tuple[bool, np.ndarray]], catch: float = 0.95) -> dict:
    """Grid search over weights (steps of 0.1, summing to 1) and thresholds (steps of 0.01): among those that
    keep at most 1 - `catch` of the wrong claims, the fewest correct claims dropped, then the widest margin
    (the threshold in the middle of the gap between the two kinds)."""
    best = None
    grid = [w for w in itertools.product(np.arange(0, 1.01, 0.1), repeat=3) if abs(sum(w) - 1) < 1e-6]
    keep = np.array([k for k, _ in rows])
    pos, neg = int(keep.sum()), int((~keep).sum())
    for w in grid:
        top = np.array([float((f @ np.array(w)).max()) for _, f in rows])
        for t in np.arange(0.30, 0.95, 0.01):
            false_drops = int(((top < t) & keep).sum())
            missed = int(((top >= t) & ~keep).sum())
            if missed > (1 - catch) * neg:
                continue
            below = top[(top < t)]
            above = top[(top >= t)]
            margin = min(t - (below.max() if below.size else 0.0), (above.min() if above.size else 1.0) - t)
            key = (false_drops, -round(float(margin), 6))
            if best is None or key < best[0]:
                best = (key, {"weights": [round(float(x), 2) for x in w], "threshold": round(float(t), 2),
                              "fit": {"claims_correct": pos, "claims_wrong": neg, "false_drops": false_drops,
                                      "missed": missed, "margin": round(float(margin), 4)}})
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=EVALS_DIR / "planted_fit.yaml")
    parser.add_argument("--dry-run", action="store_true", help="Print the fit; do not write verify.json.")
    args = parser.parse_args()
    result = fit(collect(args.file))
    result["fitted_on"] = str(args.file.relative_to(ROOT))
    print(json.dumps(result, indent=2))
    if not args.dry_run:  # the short-answer thresholds (benchmarks/llm_replay.py) stay as they are
        kept = json.loads(CALIBRATION_FILE.read_text()) if CALIBRATION_FILE.exists() else {}
        CALIBRATION_FILE.write_text(json.dumps({**kept, **result}, indent=2) + "\n")


if __name__ == "__main__":
    main()

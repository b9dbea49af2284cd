"""Fit the abstention rule on questions the articles can and cannot answer.

`assistant calibrate` ingests each calibration set's corpus into a temporary store, answers every question
whatever the current rule says (the answer rules still rule some out) and records its features (abstain.py).
Two models, written to assistant/calibration.json:

- `linear` (the default): confidence = best sentence score + w1 * coverage - w2 * unseen names - w3 * unseen
  words, the weights and threshold grid-searched for the best balanced accuracy between answerable and
  unanswerable questions (ties: the widest margin);
- `logistic`: abstain.py's model over all the features, including the reader's (an entity of the asked kind
  found, its votes), fitted by class-balanced logistic regression. benchmarks/fit_abstention.py fits it on real
  news questions too (RealTime QA weeks). Measured there and on the eval sets, it does not yet carry from one
  kind of corpus to another (evals/README.md), so it is not the default.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

from . import abstain
from .answer import CALIBRATION_FILE
from .settings import EVALS_DIR, Settings


def collect(set_files: list[Path], settings: Settings) -> list[dict]:
    """One row per question: its features, whether the answer rules rule it out, whether answering is right."""
    from .core import Assistant
    from .evaluate import facts_found, load_set

    rows = []
    for set_file in set_files:
        question_set = load_set(set_file)
        with tempfile.TemporaryDirectory() as tmp:
            assistant = Assistant(settings=settings.with_(store=Path(tmp), chroma_url=None))
            assistant.ingest([question_set.corpus])
            for q in question_set.questions:
                answer, evidence = assistant.read(q.question, force=True)
                right = (q.answerable and not answer.abstained
                         and (not q.facts or all(facts_found(answer.answer, q.facts))))
                rows.append({"set": question_set.name, "id": q.id, "answerable": q.answerable,
                             "features": abstain.features(evidence, assistant.composer.candidates(evidence)),
                             "ruled_out": answer.abstained, "right": bool(right), "confidence": answer.confidence})
            assistant.close()
    return rows


def fit(rows: list[dict], l2: float = 1.0, names: tuple[str, ...] = abstain.FEATURES, label: str = "right") -> dict:
    """The logistic model fitted on the rows the answer rules leave to it, with what it was fitted on. `label`:
    "right" (answering gives the expected facts) or "answerable" (the articles answer the question)."""
    train = [r for r in rows if not r["ruled_out"]]
    model = abstain.fit([r["features"] for r in train], [bool(r[label]) for r in train], l2=l2, names=names)
    model["label"] = label
    answered = [not r["ruled_out"] and abstain.probability(r["features"], model) >= model["threshold"] for r in rows]
    model["with_answer_rules"] = _with_answer_rules(rows, answered, "right")
    model["questions"] = {**_questions(rows), "right_when_answered": sum(r["right"] for r in rows)}
    return model


def _with_answer_rules(rows: list[dict], answered: list[bool], label: str) -> dict:
    """How many questions the answer rules rule out of each kind, and the balanced accuracy of the rule with them."""
    return {"ruled_out": {"answerable": sum(r["ruled_out"] for r in rows if r["answerable"]),
                          "unanswerable": sum(r["ruled_out"] for r in rows if not r["answerable"])},
            "balanced_accuracy": abstain.balanced_accuracy(answered, [r[label] for r in rows])}


def _questions(rows: list[dict]) -> dict:
    return {"answerable": sum(r["answerable"] for r in rows), "unanswerable": sum(not r["answerable"] for r in rows)}


GRID = {
    "coverage_weight": [0.0, 0.25, 0.5],
    "unseen_name_weight": [0.0, 0.5, 1.0, 1.5, 2.0],
    "unseen_word_weight": [0.0, 0.25, 0.5, 0.75, 1.0],
}


def fit_linear(rows: list[dict]) -> dict:
    """Grid-search the linear rule's weights; for each, the threshold with the best balanced accuracy between
    answerable and unanswerable questions, then the widest margin."""
    best_key, best = None, {}
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values))
        scored = sorted((abstain.linear(r["features"], params), r["answerable"]) for r in rows)
        pos = sum(1 for _, a in scored if a)
        neg = len(scored) - pos
        for i in range(1, len(scored)):
            lo, hi = scored[i - 1][0], scored[i][0]
            if hi == lo:
                continue
            abstain_neg = sum(1 for _, a in scored[:i] if not a)  # questions below the cut abstain
            answer_pos = sum(1 for _, a in scored[i:] if a)
            balanced = (abstain_neg / max(neg, 1) + answer_pos / max(pos, 1)) / 2
            key = (round(balanced, 6), hi - lo)
            if best_key is None or key > best_key:
                best_key = key
                best = {**params, "threshold": round((lo + hi) / 2, 4), "balanced_accuracy": round(balanced, 4)}
    answered = [not r["ruled_out"] and abstain.linear(r["features"], best) >= best["threshold"] for r in rows]
    best["with_answer_rules"] = _with_answer_rules(rows, answered, "answerable")
    best["questions"] = _questions(rows)
    return best


def calibrate(set_files: list[Path] | None = None, settings: Settings | None = None,
              out: Path = CALIBRATION_FILE, model: str = "linear") -> dict:
    """Fit the abstention rule (`linear` or `logistic`) on the calibration sets and write it to `out`."""
    set_files = set_files or [EVALS_DIR / "calibration.yaml"]
    rows = collect(set_files, settings or Settings())
    result = fit_linear(rows) if model == "linear" else fit(rows)
    if model == "linear":  # the staleness weight is fitted on real news weeks, not on a calibration set (abstain.py)
        from .answer import load_calibration

        previous = load_calibration()
        for key in ("stale_weight", "stale_fitted_on"):
            if key in previous:
                result[key] = previous[key]
    result["fitted_on"] = [p.name for p in set_files]
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result

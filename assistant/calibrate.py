"""Fit the abstention model on questions the articles can and cannot answer.

`assistant calibrate` ingests each calibration set's corpus into a temporary store, answers every question
whatever the current model says (the answer rules still rule some out), labels each answer right when the
question is answerable and the answer holds its expected facts, and fits abstain.py's logistic model on the
questions the rules leave to it. The model goes to assistant/calibration.json. benchmarks/fit_abstention.py
fits the same model on real news questions as well (RealTime QA weeks), with these rows added.
"""

from __future__ import annotations

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


def fit(rows: list[dict], l2: float = 1.0) -> dict:
    """The logistic model fitted on the rows the answer rules leave to it, with what it was fitted on."""
    train = [r for r in rows if not r["ruled_out"]]
    model = abstain.fit([r["features"] for r in train], [r["right"] for r in train], l2=l2)
    answered = [not r["ruled_out"] and abstain.probability(r["features"], model) >= model["threshold"] for r in rows]
    model["with_answer_rules"] = {
        "ruled_out": {"answerable": sum(r["ruled_out"] for r in rows if r["answerable"]),
                      "unanswerable": sum(r["ruled_out"] for r in rows if not r["answerable"])},
        "balanced_accuracy": abstain.balanced_accuracy(answered, [r["right"] for r in rows])}
    model["questions"] = {"answerable": sum(r["answerable"] for r in rows),
                          "unanswerable": sum(not r["answerable"] for r in rows),
                          "right_when_answered": sum(r["right"] for r in rows)}
    return model


def calibrate(set_files: list[Path] | None = None, settings: Settings | None = None,
              out: Path = CALIBRATION_FILE) -> dict:
    """Fit the abstention model on the calibration sets and write it to `out`."""
    set_files = set_files or [EVALS_DIR / "calibration.yaml"]
    result = fit(collect(set_files, settings or Settings()))
    result["fitted_on"] = [p.name for p in set_files]
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result

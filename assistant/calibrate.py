"""Fit the abstention rule on questions the corpus can and cannot answer.

`assistant calibrate` ingests a calibration set's corpus into a temporary store, computes each question's
evidence once, then searches the rule's weights and threshold for the best balanced accuracy (ties go to
the widest margin between the two groups) and writes them to assistant/calibration.json.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .answer import CALIBRATION_FILE, confidence
from .retrieve import Evidence
from .settings import EVALS_DIR, Settings

GRID = {
    "coverage_weight": [0.0, 0.25, 0.5],
    "unseen_name_weight": [0.0, 0.5, 1.0, 1.5, 2.0],
    "unseen_word_weight": [0.0, 0.25, 0.5, 0.75, 1.0],
}


@dataclass
class Example:
    question: str
    answerable: bool
    evidence: Evidence
    ruled_out: bool = False  # the answer rules abstain whatever the threshold (see Composer.select)


def collect(set_files: list[Path], settings: Settings) -> list[Example]:
    """Ingest each set's corpus into a temporary store and gather the evidence for every question."""
    from .core import Assistant
    from .evaluate import load_set

    examples = []
    for set_file in set_files:
        question_set = load_set(set_file)
        with tempfile.TemporaryDirectory() as tmp:
            assistant = Assistant(settings=settings.with_(store=Path(tmp), chroma_url=None))
            assistant.ingest([question_set.corpus])
            for q in question_set.questions:
                passages = assistant.retriever.search(q.question, k=settings.passages_for_answer)
                evidence = assistant.retriever.score_sentences(q.question, passages)
                ruled_out = assistant.composer.select(evidence) is None
                examples.append(Example(q.question, q.answerable, evidence, ruled_out))
            assistant.close()
    return examples


def fit(examples: list[Example]) -> dict:
    """Grid-search the weights; for each, the threshold with the best balanced accuracy, then widest margin."""
    best_key, best = None, {}
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values))
        scored = sorted((confidence(e.evidence, {**params, "threshold": 0}), e.answerable) for e in examples)
        pos = sum(1 for _, a in scored if a)
        neg = len(scored) - pos
        for i in range(1, len(scored)):
            lo, hi = scored[i - 1][0], scored[i][0]
            if hi == lo:
                continue
            # questions below the cut abstain
            abstain_neg = sum(1 for _, a in scored[:i] if not a)
            answer_pos = sum(1 for _, a in scored[i:] if a)
            balanced = (abstain_neg / max(neg, 1) + answer_pos / max(pos, 1)) / 2
            key = (round(balanced, 6), hi - lo)
            if best_key is None or key > best_key:
                best_key = key
                best = {**params, "threshold": round((lo + hi) / 2, 4), "balanced_accuracy": round(balanced, 4)}
    return best


def with_rules(examples: list[Example], params: dict) -> dict:
    """How the fitted threshold and the answer rules do together: a question abstains when its confidence is
    below the threshold or the rules rule it out. (The threshold is fitted on confidence alone, on purpose:
    the rules are a second filter, not a reason to let more through the first.)"""
    abstains = [e.ruled_out or confidence(e.evidence, params) < params["threshold"] for e in examples]
    pos = [a for a, e in zip(abstains, examples) if e.answerable]
    neg = [a for a, e in zip(abstains, examples) if not e.answerable]
    return {"ruled_out": {"answerable": sum(e.ruled_out for e in examples if e.answerable),
                          "unanswerable": sum(e.ruled_out for e in examples if not e.answerable)},
            "balanced_accuracy": round((sum(neg) / max(len(neg), 1) + (len(pos) - sum(pos)) / max(len(pos), 1)) / 2, 4)}


def calibrate(set_files: list[Path] | None = None, settings: Settings | None = None,
              out: Path = CALIBRATION_FILE) -> dict:
    """Fit the abstention rule on the calibration sets and write it to `out`."""
    set_files = set_files or [EVALS_DIR / "calibration.yaml"]
    examples = collect(set_files, settings or Settings())
    result = fit(examples)
    result["with_answer_rules"] = with_rules(examples, result)
    result["fitted_on"] = [str(p.name) for p in set_files]
    result["questions"] = {"answerable": sum(e.answerable for e in examples),
                           "unanswerable": sum(not e.answerable for e in examples)}
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result

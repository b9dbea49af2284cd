"""A second stage over the fused ranking: the top DEPTH passages reordered by a linear score of cheap features.

Rank fusion knows only where each ranking put a passage. The features add what the store already holds about each
candidate against the question: how close its vector and its best sentence's vector are, its BM25 score, how much
of the question's term weight it (and its best sentence) holds, whether it holds the question's proper names and
numbers, whether its headline matches, and where it stands in its article. Whether it holds an entity of the kind
the question asks for (reader.asked on the stored entities) was measured and left out: no gain on held-out weeks,
and the question's parse costs a search more than all the rest.

The weights are a conditional logit fitted on RealTime QA weeks (`benchmarks/fit_rerank.py` writes rerank.json):
among a question's candidates, the one holding the answer is chosen with probability proportional to
exp(w . features). On by default (Settings.rerank; ASSISTANT_RERANK=off keeps the fused order).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .lexical import term_set, terms
from .question import NAME_WORD_RE

RERANK_FILE = Path(__file__).with_name("rerank.json")
DEPTH = 30  # fused passages reranked; the rest keep their fused order after them
FEATURES = ("fused_rank", "dense_rank", "lexical_rank", "dense", "bm25", "coverage", "sentence_coverage",
            "sentence_dense", "names", "numbers", "headline", "lead")


@dataclass(frozen=True)
class Candidate:
    """A fused passage with its place in each ranking (0: not found by that one)."""

    passage_id: str
    rowid: int
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    fused_rank: int
    dense_rank: int = 0
    lexical_rank: int = 0
    bm25: float = 0.0  # its BM25 score when BM25 found it (scoring the others costs a full FTS5 match)


def _neg_log_rank(rank: int, missing: int) -> float:
    return -math.log(rank if rank else missing)


def features(question: str, candidates: list[Candidate], store, qvec: np.ndarray) -> np.ndarray:
    """One row of FEATURES per candidate (relative features are measured from the best candidate)."""
    n = len(candidates)
    X = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if not n:
        return X
    qterms = set(terms(question))
    idf = store.lexical.idf(list(qterms))
    total = sum(idf.values()) or 1.0
    names = set(terms(" ".join(NAME_WORD_RE.findall(question[1:])))) & qterms
    numbers = {t for t in qterms if any(ch.isdigit() for ch in t)}
    rowids = [c.rowid for c in candidates]
    vectors = store.passage_vectors(rowids)
    sentences = store.sentences(rowids)
    depth = max(c.fused_rank for c in candidates) + 1

    def share(found: frozenset | set) -> float:
        return sum(idf[t] for t in qterms if t in found) / total

    for i, c in enumerate(candidates):
        vec = vectors.get(c.rowid)
        text = store.article_text(c.doc_id)
        best_cover = best_dense = 0.0
        pterms: set[str] = set()
        for s in sentences.get(c.rowid, []):  # the passage's terms are its sentences': stemmed once, not twice
            sterms = term_set(text[s.start : s.end])
            pterms |= sterms
            if not s.citable:
                continue
            best_cover = max(best_cover, share(sterms))
            best_dense = max(best_dense, float(s.vector @ qvec))
        pterms = pterms or term_set(c.text)
        X[i] = (
            -math.log(c.fused_rank), _neg_log_rank(c.dense_rank, depth), _neg_log_rank(c.lexical_rank, depth),
            float(vec @ qvec) if vec is not None else 0.0, c.bm25,
            share(pterms), best_cover, best_dense,
            len(names & pterms) / len(names) if names else 0.0,
            len(numbers & pterms) / len(numbers) if numbers else 0.0,
            share(term_set(c.title or "")),
            1.0 / (1 + int(c.passage_id.rpartition("#")[2] or 0)),
        )
    for name in ("dense", "sentence_dense"):  # cosines: only the difference from the best candidate counts
        j = FEATURES.index(name)
        X[:, j] -= X[:, j].max()
    j = FEATURES.index("bm25")
    X[:, j] /= max(X[:, j].max(), 1e-9)
    return X


@dataclass(frozen=True)
class Reranker:
    """The fitted weights of FEATURES."""

    weights: np.ndarray

    def scores(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights

    def order(self, X: np.ndarray) -> list[int]:
        """Candidate indices, best first (ties keep the fused order)."""
        s = self.scores(X)
        return sorted(range(len(s)), key=lambda i: (-s[i], i))


def load(embedder: str, path: Path = RERANK_FILE) -> Reranker | None:
    """The reranker fitted for this embedder, or None (the fused ranking is kept): cosines differ by model."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    weights = data.get("weights", {})
    if not weights or data.get("embedder") != embedder:
        return None
    return Reranker(np.array([float(weights.get(name, 0.0)) for name in FEATURES]))

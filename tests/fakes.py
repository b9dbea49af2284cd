"""Fakes at the outer boundary: a deterministic embedder that needs no model."""

from __future__ import annotations

import hashlib

import numpy as np

from assistant.lexical import terms
from assistant.models import SpanEmbedding

DIM = 384


def _term_vector(term: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(term.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


class HashEmbedding(SpanEmbedding):
    """Bag of stemmed terms, each hashed to a fixed random vector: texts sharing terms come out similar."""

    model_name: str = "fake-hash"

    def _embed(self, text: str) -> np.ndarray:
        vec = np.zeros(DIM, dtype=np.float32)
        for term in terms(text):
            vec += _term_vector(term)
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_with_spans(self, texts, spans):
        text_vecs = np.stack([self._embed(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)
        span_vecs = [
            np.stack([self._embed(t[s:e]) for s, e in sp]) if sp else np.zeros((0, DIM), np.float32)
            for t, sp in zip(texts, spans)
        ]
        return text_vecs, span_vecs

    def __hash__(self) -> int:
        return id(self)

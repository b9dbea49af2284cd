"""Learned abstention: a small logistic model of whether the best answer the articles allow is right.

Features are read off the evidence and the reader's candidates (nothing per question is hand-set); the model's
coefficients, the features' scaling and the probability under which the assistant abstains live in
assistant/calibration.json, written by `assistant calibrate` (and `benchmarks/fit_abstention.py`, which fits on
real news questions). The answer rules of answer.py still abstain on their own when no sentence about the
question holds what it asks for; the model decides among the rest.
"""

from __future__ import annotations

import math

import numpy as np

from .recency import STALE_DAYS  # a report within this many days of the newest article counts as current news

FEATURES = (
    "best_score",  # the best sentence's score (similarity + question-term overlap + priors)
    "best_dense",  # its cosine similarity to the question
    "best_overlap",  # its share of the question's term weight
    "coverage",  # its passage's share of the question's term weight
    "gap",  # the rarest question term its passage lacks (idf, 0..1)
    "margin",  # how far it leads the second sentence
    "unseen_names",  # share of the question's weight on names no article has
    "unseen_words",  # ... on other words no article has
    "typed",  # the best sentence holds what is asked for
    "expects_entity",  # the question asks for an entity (reader.asked)
    "entity_found",  # the reader found a candidate of that kind
    "support",  # the leading candidate's votes (capped at 3)
    "support_share",  # its share of all candidates' votes
    "stale",  # how much older the best sentence's article is than the newest one, past a month (log days)
)
STALE_SCALE = math.log1p(365)  # "stale": log(1 + days) - log(1 + grace), in units of a year's log, capped at 2


def features(evidence, candidates: list) -> dict[str, float]:
    """The feature values of one question's evidence and reader candidates."""
    hits = evidence.hits
    best = hits[0] if hits else None
    second = hits[1].score if len(hits) > 1 else (best.score - 0.2 if best else 0.0)
    total = sum(c.votes for c in candidates)
    return {
        "best_score": best.score if best else 0.0,
        "best_dense": best.dense if best else 0.0,
        "best_overlap": best.overlap if best else 0.0,
        "coverage": best.passage_coverage if best else 0.0,
        "gap": best.passage_gap if best else 1.0,
        "margin": (best.score - second) if best else 0.0,
        "unseen_names": evidence.unseen_names,
        "unseen_words": evidence.unseen_words,
        "typed": float(bool(best and best.typed)),
        "expects_entity": float(bool(evidence.asked.labels)),
        "entity_found": float(bool(candidates)),
        "support": min(candidates[0].votes, 3.0) if candidates else 0.0,
        "support_share": (candidates[0].votes / total) if candidates and total > 0 else 0.0,
        "stale": stale(evidence.stale_days),
    }


def stale(days: int) -> float:
    """How stale evidence `days` older than the newest article is: 0 within STALE_DAYS, then log days."""
    return min(max(math.log1p(days) - math.log1p(STALE_DAYS), 0.0) / STALE_SCALE, 2.0)


def linear(values: dict[str, float], params: dict) -> float:
    """The linear rule's confidence: the best sentence's score, plus how much of the question its passage covers,
    minus how much of the question names things that no article mentions at all (weights fitted by calibrate),
    minus how stale the best sentence's article is beside the newest (weight fitted on real news weeks by
    benchmarks/fit_abstention.py: a calibration set of one story has no old articles to learn it from)."""
    return (values["best_score"] + params["coverage_weight"] * values["coverage"]
            - params["unseen_name_weight"] * values["unseen_names"]
            - params["unseen_word_weight"] * values["unseen_words"]
            - params.get("stale_weight", 0.0) * values.get("stale", 0.0))


def probability(values: dict[str, float], model: dict) -> float:
    """The model's probability that answering is right."""
    z = model["bias"]
    for name in model["features"]:
        mean, scale = model["mean"][name], model["scale"][name]
        z += model["weights"][name] * (values.get(name, 0.0) - mean) / scale
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def fit(rows: list[dict[str, float]], labels: list[bool], l2: float = 1.0, iterations: int = 50,
        names: tuple[str, ...] = FEATURES) -> dict:
    """Class-balanced, L2-regularised logistic regression by Newton's method; features standardised first.

    Returns the model dict (features, mean, scale, weights, bias, threshold 0.5) with its balanced accuracy on
    the rows it was fitted on."""
    names = list(names)
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)
    y = np.array(labels, dtype=float)
    if len(set(labels)) < 2:
        raise ValueError("fitting abstention needs questions of both kinds: answered right and not")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    pos = y.sum()
    weight = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * (len(y) - pos)))
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        grad = z.T @ (weight * (p - y)) + reg * w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = {"model": "logistic", "features": names,
             "mean": {n: round(float(m), 6) for n, m in zip(names, mean)},
             "scale": {n: round(float(s), 6) for n, s in zip(names, scale)},
             "weights": {n: round(float(v), 6) for n, v in zip(names, w[:-1])},
             "bias": round(float(w[-1]), 6), "threshold": 0.5}
    model["balanced_accuracy"] = balanced_accuracy([probability(r, model) >= 0.5 for r in rows], labels)
    return model


def balanced_accuracy(answered: list[bool], right: list[bool]) -> float:
    """Mean of the share of right answers given and the share of wrong ones withheld."""
    pos = [a for a, r in zip(answered, right) if r]
    neg = [a for a, r in zip(answered, right) if not r]
    tpr = sum(pos) / len(pos) if pos else 1.0
    tnr = (len(neg) - sum(neg)) / len(neg) if neg else 1.0
    return round((tpr + tnr) / 2, 4)

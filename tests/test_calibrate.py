"""The abstention model: features read off the evidence, a class-balanced logistic fit, and the rules beside it."""

import numpy as np
import pytest

from assistant import abstain
from assistant.answer import Composer, confidence
from assistant.calibrate import fit, fit_linear
from assistant.reader import Asked, Candidate
from assistant.retrieve import Evidence, SentenceHit


def _evidence(score: float, unseen_names: float = 0.0, labels=()) -> Evidence:
    hit = SentenceHit("d", 0, 1, np.zeros(3, np.float32), score, 0.3, 0.5, 1, score)
    return Evidence([hit], None, set(), unseen_names, 0.0, asked=Asked(labels=labels))


def _row(score, right, unseen_names=0.0, ruled_out=False, candidates=()):
    return {"features": abstain.features(_evidence(score, unseen_names, ("ORG",)), list(candidates)),
            "right": right, "answerable": right, "ruled_out": ruled_out}


def test_features_are_read_off_the_evidence_and_the_candidates():
    c = [Candidate("Acme", "ORG", 2.0), Candidate("Bolt", "ORG", 0.5)]
    f = abstain.features(_evidence(0.8, unseen_names=0.25, labels=("ORG",)), c)
    assert set(f) == set(abstain.FEATURES)
    assert f["best_score"] == 0.8 and f["unseen_names"] == 0.25
    assert f["expects_entity"] == 1.0 and f["entity_found"] == 1.0
    assert f["support"] == 2.0 and f["support_share"] == pytest.approx(0.8)
    assert abstain.features(Evidence([], None, set(), 0.0, 1.0), [])["best_score"] == 0.0


def test_fit_separates_right_answers_from_wrong_ones():
    rows = [_row(0.9 + i / 100, True) for i in range(6)] + [_row(0.3 + i / 100, False) for i in range(6)]
    model = fit(rows)
    assert model["model"] == "logistic" and model["balanced_accuracy"] == 1.0
    for r in rows:
        assert (abstain.probability(r["features"], model) >= model["threshold"]) == r["right"]
    assert model["weights"]["best_score"] > 0


def test_fit_learns_that_unseen_names_mean_no_answer_when_scores_overlap():
    rows = [_row(0.8 + i / 100, True) for i in range(6)]
    rows += [_row(0.8 + i / 100, False, unseen_names=0.5) for i in range(6)]
    model = fit(rows)
    assert model["weights"]["unseen_names"] < 0
    assert model["balanced_accuracy"] == 1.0


def test_questions_the_rules_rule_out_are_left_out_of_the_fit_but_counted():
    rows = [_row(0.9, True) for _ in range(4)] + [_row(0.3, False) for _ in range(4)]
    rows += [_row(0.9, False, ruled_out=True) for _ in range(3)]  # would confuse the fit if kept
    model = fit(rows)
    assert model["balanced_accuracy"] == 1.0
    assert model["with_answer_rules"]["ruled_out"] == {"answerable": 0, "unanswerable": 3}
    assert model["with_answer_rules"]["balanced_accuracy"] == 1.0


def test_fit_needs_both_kinds_of_question():
    with pytest.raises(ValueError, match="both kinds"):
        fit([_row(0.9, True) for _ in range(3)])


def test_the_composer_uses_the_logistic_model_when_calibrated_with_one():
    rows = [_row(0.9 + i / 100, True) for i in range(6)] + [_row(0.3 + i / 100, False) for i in range(6)]
    model = fit(rows)
    composer = Composer.__new__(Composer)
    composer.calibration = model
    assert composer.confidence(_evidence(0.95, labels=("ORG",)), []) > 0.5 > \
        composer.confidence(_evidence(0.3, labels=("ORG",)), [])
    composer.calibration = {"coverage_weight": 0, "unseen_name_weight": 0, "unseen_word_weight": 0, "threshold": 0}
    assert composer.confidence(_evidence(0.7), []) == pytest.approx(0.7)  # an older, linear calibration


def test_confidence_is_zero_without_evidence():
    assert confidence(Evidence([], None, set(), 0.0, 0.0), {"coverage_weight": 1, "unseen_name_weight": 1,
                                                          "unseen_word_weight": 1, "threshold": 0}) == 0.0


def test_the_linear_rule_is_fitted_on_answerable_against_unanswerable():
    rows = [_row(0.9 + i / 100, True) for i in range(5)] + [_row(0.3 + i / 100, False) for i in range(5)]
    params = fit_linear(rows)
    assert params["balanced_accuracy"] == 1.0
    for r in rows:
        assert (abstain.linear(r["features"], params) >= params["threshold"]) == r["answerable"]
    assert params["with_answer_rules"]["balanced_accuracy"] == 1.0


def test_the_linear_rule_uses_unseen_names_when_scores_overlap():
    rows = [_row(0.8 + i / 100, True) for i in range(5)] + [_row(0.8 + i / 100, False, 0.5) for i in range(5)]
    params = fit_linear(rows)
    assert params["unseen_name_weight"] > 0 and params["balanced_accuracy"] == 1.0
    # the same weights, read off the evidence by the composer
    assert confidence(_evidence(0.8, 0.5), params) == pytest.approx(abstain.linear(rows[5]["features"], params))

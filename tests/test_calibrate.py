import numpy as np

from assistant.answer import confidence
from assistant.calibrate import Example, fit, with_rules
from assistant.retrieve import Evidence, SentenceHit


def _evidence(score: float, unseen_names: float = 0.0) -> Evidence:
    hit = SentenceHit("d", 0, 1, np.zeros(3, np.float32), score, 0.0, 0.0, 1, score)
    return Evidence([hit], None, set(), unseen_names, 0.0)


def test_fit_threshold_separates_answerable_from_unanswerable():
    examples = [Example(f"a{i}", True, _evidence(0.9 + i / 100)) for i in range(5)]
    examples += [Example(f"u{i}", False, _evidence(0.3 + i / 100)) for i in range(5)]
    result = fit(examples)
    assert result["balanced_accuracy"] == 1.0
    for e in examples:
        assert (confidence(e.evidence, result) >= result["threshold"]) == e.answerable


def test_fit_uses_unseen_names_when_scores_overlap():
    # Same sentence scores; only the unanswerable questions name things no article mentions.
    examples = [Example(f"a{i}", True, _evidence(0.8 + i / 100)) for i in range(5)]
    examples += [Example(f"u{i}", False, _evidence(0.8 + i / 100, unseen_names=0.5)) for i in range(5)]
    result = fit(examples)
    assert result["unseen_name_weight"] > 0
    assert result["balanced_accuracy"] == 1.0


def test_with_rules_counts_what_the_rules_rule_out():
    examples = [Example(f"a{i}", True, _evidence(0.9)) for i in range(4)]
    examples += [Example(f"u{i}", False, _evidence(0.3)) for i in range(2)]
    examples += [Example(f"r{i}", False, _evidence(0.9), ruled_out=True) for i in range(2)]
    params = {"coverage_weight": 0, "unseen_name_weight": 0, "unseen_word_weight": 0, "threshold": 0.6}
    report = with_rules(examples, params)
    assert report["ruled_out"] == {"answerable": 0, "unanswerable": 2}
    assert report["balanced_accuracy"] == 1.0  # the threshold catches two, the rules the other two
    assert fit(examples)["balanced_accuracy"] < 1.0  # the threshold alone cannot


def test_confidence_is_zero_without_evidence():
    assert confidence(Evidence([], None, set(), 0.0, 0.0), {"coverage_weight": 1, "unseen_name_weight": 1,
                                                          "unseen_word_weight": 1, "threshold": 0}) == 0.0

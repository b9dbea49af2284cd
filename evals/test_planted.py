"""The planted-hallucination suite as a gate: catch rate >= 0.95 and false drops <= 0.05 (evals/planted.yaml)."""

import pytest

from evals.planted import ERROR_KINDS, run

CATCH, FALSE_DROPS = 0.95, 0.05


@pytest.mark.e2e
def test_planted_errors_are_caught_and_correct_claims_kept(tmp_path):
    report = run(store_root=tmp_path)
    misses = "\n".join(f"{m['kind']}: {m['text']} -> {m['outcome']} ({m['reason']})" for m in report["misses"])
    assert report["replies"] >= 60
    assert all(sum(report["by_kind"][k].values()) >= 5 for k in ERROR_KINDS)
    assert report["citations_not_verbatim"] == 0
    assert report["catch_rate"] >= CATCH, misses
    assert report["false_drop_rate"] <= FALSE_DROPS, misses

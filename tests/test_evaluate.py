import json
import textwrap

import pytest
import yaml
from click.testing import CliRunner

from assistant.cli import cli
from assistant.evaluate import (
    EvalError,
    EvalReport,
    EvalSet,
    CitationCheck,
    QuestionResult,
    article_ranking,
    citation_is_verbatim,
    facts_found,
    hit_at,
    load_set,
    load_thresholds,
    percentile,
    quote_is_verbatim,
    reciprocal_rank,
    run_eval,
)
from assistant.settings import EVALS_DIR, SEEDS_DIR

STARTING_MINIMUMS = {"fact_recall": 0.90, "citation_validity": 1.00, "citation_support": 0.90,
                     "abstention_recall": 0.90, "abstention_precision": 0.90, "hit_at_5": 0.95}


def cite(n=1, doc="a", valid=True, expected=True):
    return CitationCheck(n, doc, 0, 10, valid, expected)


def answered(qid="q", found=(True,), citations=None, ranking=("a",), expected=("a",)):
    return QuestionResult(qid, "?", "single_source", list(expected), [["x"]] * len(found), "an answer", False,
                          list(found), citations if citations is not None else [cite()], list(ranking))


def abstained(qid="u", answerable=False, citations=()):
    return QuestionResult(qid, "?", "unanswerable" if not answerable else "name", ["a"] if answerable else [],
                          [["x"]] if answerable else [], "The articles don't say.", True, [False] if answerable else [],
                          list(citations), ["a"], confidence=0.3)


def unanswerable_answered(qid="u"):
    return QuestionResult(qid, "?", "unanswerable", [], [], "A confident guess.", False, [], [cite(expected=False)],
                          ["a"])


def write_set(tmp_path, questions, corpus=str(SEEDS_DIR), name="tiny"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "corpus": corpus, "questions": questions}), encoding="utf-8")
    return path


# --- metric functions --------------------------------------------------------------------------------
def test_article_ranking_dedupes_keeping_first_rank():
    assert article_ranking(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_hit_at_counts_only_the_first_k_articles():
    ranking = ["a", "b", "c", "d", "e", "f"]
    assert hit_at(ranking, ["a"], 1) == 1.0
    assert hit_at(ranking, ["c"], 1) == 0.0
    assert hit_at(ranking, ["e"], 5) == 1.0
    assert hit_at(ranking, ["f"], 5) == 0.0
    assert hit_at([], ["a"], 5) == 0.0


def test_reciprocal_rank_uses_first_expected_article_within_k():
    assert reciprocal_rank(["a", "b", "c"], ["c", "b"]) == 0.5
    assert reciprocal_rank(["a", "b", "c"], ["z"]) == 0.0
    assert reciprocal_rank([f"d{i}" for i in range(12)], ["d11"]) == 0.0  # rank 12 is past MRR@10
    assert reciprocal_rank([], ["a"]) == 0.0


def test_facts_found_any_phrasing_case_insensitive():
    answer = "Rubio said they share the SAME CIVILISATION, and the unrest is because it’s economic.  [1]"
    facts = [["same civilization", "same civilisation"], ["Michelangelo"], ["because it's economic"]]
    assert facts_found(answer, facts) == [True, False, True]


def test_quote_is_verbatim_rejects_shifted_or_out_of_range_offsets():
    text = "Rubio spoke in Munich on Saturday."
    assert quote_is_verbatim("Munich", text, 15, 21)
    assert not quote_is_verbatim("Munich", text, 14, 20)
    assert not quote_is_verbatim("Munich", text, 30, 36)
    assert not quote_is_verbatim("", text, 5, 5)


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile([0.2], 95) == 0.2
    assert percentile([], 50) is None


# --- per-question verdicts ---------------------------------------------------------------------------
def test_question_passes_with_all_facts_valid_citations_and_an_expected_article():
    assert answered().passed


@pytest.mark.parametrize("result, reason", [
    (answered(found=(True, False)), "missing fact"),
    (answered(citations=[cite(valid=False)]), "invalid citation [1]"),
    (answered(citations=[cite(doc="b", expected=False)]), "no citation from an expected article (a); cited: b"),
    (answered(citations=[]), "cited: nothing"),
    (abstained(answerable=True), "abstained on an answerable question"),
    (unanswerable_answered(), "answered an unanswerable question"),
    (abstained(citations=[cite(expected=False)]), "abstained but gave 1 citation"),
])
def test_question_fails_with_reason(result, reason):
    assert not result.passed
    assert any(reason in r for r in result.failures())


def test_unanswerable_question_passes_when_abstained_without_citations():
    assert abstained().passed


# --- metrics and gate --------------------------------------------------------------------------------
def test_metrics_match_hand_computed_values():
    results = [
        answered("q1", found=(True, True), ranking=("a", "b")),
        answered("q2", found=(False,), ranking=("b", "c", "a"),
                 citations=[cite(1), cite(2, doc="b", valid=False, expected=False)]),
        abstained(answerable=True),  # facts missed, retrieval still counted
        abstained("u1"),
        unanswerable_answered("u2"),
    ]
    report = EvalReport("hand", "corpus", results, thresholds={})
    m = report.metrics
    assert m["hit_at_1"] == pytest.approx(2 / 3)  # q1 and the abstained one rank "a" first
    assert m["hit_at_5"] == 1.0
    assert m["mrr_at_10"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert m["fact_recall"] == pytest.approx(2 / 4)
    assert m["citation_validity"] == pytest.approx(3 / 4)  # all citations, unanswerable ones included
    assert m["citation_support"] == pytest.approx(2 / 3)  # only answerable questions' citations
    assert m["abstention_precision"] == pytest.approx(1 / 2)
    assert m["abstention_recall"] == pytest.approx(1 / 2)
    assert report.counts["fact_recall"] == [2, 4]
    assert [r.passed for r in results] == [True, False, False, True, False]


def test_gate_fails_when_a_metric_is_below_its_threshold():
    results = [answered("q1"), answered("q2", found=(False,))]
    report = EvalReport("hand", "corpus", results, thresholds={"fact_recall": 0.90, "hit_at_5": 0.95})
    assert not report.passed
    assert report.gate_failures == [{"metric": "fact_recall", "value": 0.5, "threshold": 0.9}]
    table = report.render_table()
    assert "BELOW" in table
    assert "Gate: FAILED: answer fact recall 0.500 < 0.90" in table
    assert "missing fact: 'x'" in table


def test_gate_fails_on_a_single_invalid_citation():
    citations = [cite(n) for n in range(1, 100)] + [cite(100, valid=False)]
    report = EvalReport("hand", "corpus", [answered(citations=citations)], thresholds={"citation_validity": 1.0})
    assert report.metrics["citation_validity"] == pytest.approx(0.99)
    assert not report.passed


def test_gate_passes_at_exactly_the_threshold():
    results = [answered(f"q{i}") for i in range(9)] + [answered("q9", found=(False,))]
    report = EvalReport("hand", "corpus", results, thresholds={"fact_recall": 0.90})
    assert report.metrics["fact_recall"] == pytest.approx(0.9)
    assert report.passed
    assert "Gate: PASSED" in report.render_table()


def test_gate_skips_a_metric_with_nothing_to_count():
    report = EvalReport("hand", "corpus", [answered()], thresholds={"abstention_recall": 0.9,
                                                                     "abstention_precision": 0.9})
    assert report.metrics["abstention_recall"] is None
    assert report.passed
    assert "n/a" in report.render_table()
    assert report.to_dict()["metrics"]["abstention_recall"] is None


def test_gate_fails_abstention_precision_when_answerable_questions_abstain():
    results = [abstained("u1"), abstained(answerable=True)]
    report = EvalReport("hand", "corpus", results, thresholds={"abstention_precision": 0.9})
    assert [f["metric"] for f in report.gate_failures] == ["abstention_precision"]


def test_report_to_dict_is_json_with_reasons():
    report = EvalReport("hand", "corpus", [answered(), unanswerable_answered()], thresholds={"fact_recall": 0.9})
    data = json.loads(json.dumps(report.to_dict()))
    assert data["questions"] == 2 and data["unanswerable"] == 1 and data["questions_passed"] == 1
    assert data["results"][1]["reasons"] == ["answered an unanswerable question instead of abstaining"]
    assert data["results"][0]["first_expected_rank"] == 1


# --- thresholds and sets -----------------------------------------------------------------------------
def test_load_thresholds_overlays_set_section_on_default(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("default: {fact_recall: 0.9, hit_at_5: 0.95}\nharbor: {fact_recall: 0.95}\n")
    assert load_thresholds("harbor", path) == {"fact_recall": 0.95, "hit_at_5": 0.95}
    assert load_thresholds("other", path) == {"fact_recall": 0.9, "hit_at_5": 0.95}


@pytest.mark.parametrize("text", ["default: {fact_recal: 0.9}", "harbor: {fact_recall: 1.5}",
                                  "default: {hit_at_5: yes}", "- 0.9"])
def test_load_thresholds_rejects_unknown_metrics_and_bad_values(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(EvalError):
        load_thresholds("harbor", path)


@pytest.mark.parametrize("name", ["rubio", "harbor"])
def test_shipped_thresholds_never_below_the_starting_minimums(name):
    thresholds = load_thresholds(name)
    for metric, minimum in STARTING_MINIMUMS.items():
        assert thresholds.get(metric, 0.0) >= minimum, f"{name}: {metric} lowered below {minimum}"


def test_load_set_reads_shipped_sets():
    rubio, harbor = load_set(EVALS_DIR / "rubio.yaml"), load_set(EVALS_DIR / "harbor.yaml")
    assert (rubio.name, len(rubio.questions), rubio.corpus) == ("rubio", 61, SEEDS_DIR)
    assert sum(not q.answerable for q in rubio.questions) == 16
    assert (harbor.name, len(harbor.questions), harbor.corpus) == ("harbor", 16, EVALS_DIR / "corpus_harbor")
    assert sum(not q.answerable for q in harbor.questions) == 5


GOOD = {"id": "a", "question": "Who?", "type": "name", "facts": [["Rubio"]], "articles": ["x"]}


@pytest.mark.parametrize("questions, corpus", [
    ([GOOD, GOOD], str(SEEDS_DIR)),
    ([{**GOOD, "type": "unanswerable"}], str(SEEDS_DIR)),
    ([{**GOOD, "articles": []}], str(SEEDS_DIR)),
    ([{**GOOD, "facts": [[]]}], str(SEEDS_DIR)),
    ([{**GOOD, "question": " "}], str(SEEDS_DIR)),
    ([GOOD], "no-such-folder"),
    ([], str(SEEDS_DIR)),
])
def test_load_set_rejects_malformed_sets(tmp_path, questions, corpus):
    with pytest.raises(EvalError):
        load_set(write_set(tmp_path, questions, corpus))


def test_load_set_corpus_override(tmp_path):
    path = write_set(tmp_path, [GOOD], corpus="no-such-folder")
    assert load_set(path, corpus=SEEDS_DIR).corpus == SEEDS_DIR


# --- running over a real store (fake embedder) -------------------------------------------------------
HRANA = "How many protesters have Iranian security forces killed, according to the US-based human rights group?"


def test_run_eval_scores_every_question_and_fails_an_impossible_one(fake_assistant, tmp_path):
    eval_set = load_set(write_set(tmp_path, [
        {"id": "hrana", "question": HRANA, "type": "number", "facts": [["6,800", "6800"]],
         "articles": ["004_131ef119f07f31b5"]},
        {"id": "impossible", "question": HRANA, "type": "number", "facts": [["no article says this zq"]],
         "articles": ["004_131ef119f07f31b5"]},
        {"id": "bitcoin", "question": "What is the current price of Bitcoin?", "type": "unanswerable",
         "facts": [], "articles": []},
    ]))
    report = run_eval(eval_set, fake_assistant, thresholds={"fact_recall": 0.9, "citation_validity": 1.0})
    assert [r.id for r in report.results] == ["hrana", "impossible", "bitcoin"]
    impossible = report.results[1]
    assert not impossible.passed
    assert impossible.found == [False]
    assert impossible.ranking and impossible.latency > 0
    assert report.metrics["citation_validity"] in (1.0, None)
    assert report.metrics["fact_recall"] <= 0.5
    assert not report.passed
    assert json.loads(json.dumps(report.to_dict()))["set"] == "tiny"


def test_run_eval_rejects_an_expected_article_missing_from_the_corpus(fake_assistant, tmp_path):
    eval_set = load_set(write_set(tmp_path, [{**GOOD, "articles": ["not_an_article"]}]))
    with pytest.raises(EvalError, match="not_an_article"):
        run_eval(eval_set, fake_assistant, thresholds={})


def test_citation_is_verbatim_detects_a_tampered_quote(fake_assistant):
    fake_assistant.ingest()
    citation = fake_assistant.ask(HRANA).citations[0]
    assert citation_is_verbatim(fake_assistant.store, citation)
    citation.quote = citation.quote.replace(citation.quote[0], "#", 1)
    assert not citation_is_verbatim(fake_assistant.store, citation)
    citation.doc_id = "not_an_article"
    assert not citation_is_verbatim(fake_assistant.store, citation)


# --- command line (real embedding model) -------------------------------------------------------------
@pytest.mark.e2e
def test_cli_eval_json_report_and_exit_codes(tmp_path):
    harbor = str(EVALS_DIR / "corpus_harbor")
    gust = {"id": "gust", "question": "What was the strongest wind gust recorded during Storm Heron?",
            "type": "number", "facts": [["118 km/h"]], "articles": ["storm_heron"]}
    good = write_set(tmp_path, [gust], corpus=harbor, name="cli-good")
    bad = write_set(tmp_path, [{**gust, "id": "impossible", "facts": [["no article says this zq"]]}],
                    corpus="elsewhere", name="cli-bad")
    runner = CliRunner()

    passing = runner.invoke(cli, ["eval", "--set", str(good)])
    assert passing.exit_code == 0, passing.output
    assert "Gate: PASSED" in passing.output

    out = tmp_path / "report.json"
    failing = runner.invoke(cli, ["eval", "--set", str(bad), "--corpus", harbor, "--json", "--out", str(out)])
    assert failing.exit_code == 1
    report = json.loads(failing.stdout)
    assert report == json.loads(out.read_text())
    assert report["gate_failures"][0]["metric"] == "fact_recall"
    assert report["results"][0]["reasons"]


def test_cli_eval_reports_a_malformed_set_without_traceback(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent("""\
        name: broken
        corpus: seeds
        questions: []
        """))
    result = CliRunner().invoke(cli, ["eval", "--set", str(path)])
    assert result.exit_code == 1
    assert "non-empty `questions:` list" in result.output
    assert "Traceback" not in result.output

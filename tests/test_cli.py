"""The `assistant` command line, run in-process with click's CliRunner (and once as `python -m assistant`)."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assistant.cli import cli

QUESTION = "What topics did Rubio say talks with Iran must include?"
SEARCH_KEYS = {"rank", "doc_id", "title", "source", "url", "published", "text", "score"}
ANSWER_KEYS = {"question", "answer", "abstained", "citations"}
CITATION_KEYS = {"n", "doc_id", "title", "source", "url", "published", "quote", "start", "end"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


@pytest.fixture
def folder_with_bad_file(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.txt").write_text("The island ferry will run an extra evening sailing on Fridays from April.")
    (folder / "pool.md").write_text("# Pool reopens\n\nThe town pool reopened on Monday after a three-month refit.")
    (folder / "scan.txt").write_bytes(b"%PDF-1.7\x00\x00binary")
    return folder


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("ingest", "search", "ask"):
        assert command in result.stdout


@pytest.mark.e2e
def test_ingest_json_report_names_the_bad_file_and_ingests_the_rest(tmp_path, folder_with_bad_file):
    result = run("--store", str(tmp_path / "store"), "ingest", "--json", str(folder_with_bad_file))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {"added", "updated", "unchanged", "failed", "passages_total"} <= report.keys()
    assert sorted(report["added"]) == ["ferry", "pool"]
    assert [f["source"] for f in report["failed"]] == [str(folder_with_bad_file / "scan.txt")]
    assert report["passages_total"] == 2


@pytest.mark.e2e
def test_ingest_prints_the_failed_file_and_reason(tmp_path, folder_with_bad_file):
    result = run("--store", str(tmp_path / "store"), "ingest", str(folder_with_bad_file))
    assert result.exit_code == 1
    assert "2 added" in result.stdout and "1 failed" in result.stdout
    assert f"{folder_with_bad_file / 'scan.txt'}: binary file" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.e2e
def test_ask_empty_question_exits_2_with_a_message(seeded_assistant):
    env = {**os.environ, "ASSISTANT_STORE": str(seeded_assistant.settings.store)}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", ""], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 2
    assert "The question is empty" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.e2e
def test_ask_json_follows_the_contract(seeded_assistant):
    result = run("--store", str(seeded_assistant.settings.store), "ask", "--json", QUESTION)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert ANSWER_KEYS <= data.keys()
    assert data["question"] == QUESTION and data["abstained"] is False
    assert data["citations"]
    for c in data["citations"]:
        assert CITATION_KEYS <= c.keys()
        assert f"[{c['n']}]" in data["answer"]
        assert seeded_assistant.store.article_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]


@pytest.mark.e2e
def test_search_json_follows_the_contract(seeded_assistant):
    result = run("--store", str(seeded_assistant.settings.store), "search", "--json", "-k", "3",
                 "ballistic missiles nuclear programme")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert SEARCH_KEYS <= r.keys()
        assert seeded_assistant.store.article_text(r["doc_id"])[r["start"] : r["end"]] == r["text"]


@pytest.mark.e2e
def test_ask_on_an_empty_store_ingests_the_seeds_first(tmp_path):
    store = tmp_path / "empty-store"
    result = run("--store", str(store), "ask", "--json", QUESTION)
    assert result.exit_code == 0, result.output
    assert "empty" in result.stderr and "ingesting the bundled articles" in result.stderr
    data = json.loads(result.stdout)
    assert data["abstained"] is False and data["citations"]
    again = run("--store", str(store), "ask", "--json", QUESTION)
    assert again.exit_code == 0
    assert "ingesting" not in again.stderr

"""`assistant eval --llm-replay FILE`: written replies with planted errors, verified by the real pipeline."""

import json

import pytest
import yaml
from click.testing import CliRunner

from assistant.cli import cli

ARTICLE = """Ferry crews strike
Port Alder Gazette — March 13, 2025

Crews walked off the job last Friday after talks with the transit agency broke down, union president Dana Whitcombe said.

The union says the walkout involves 230 deckhands. Port Alder Transit has offered 3 per cent a year and has not hired new crews.
"""
QUESTION = "How many deckhands are on strike?"


def _replay_file(tmp_path, claims) -> str:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "ferry.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "replay.yaml"
    path.write_text(yaml.safe_dump({"sets": [{"corpus": "articles", "replies": [{"q": QUESTION, "claims": claims}]}]}))
    return str(path)


@pytest.mark.e2e
def test_replay_reports_catch_and_false_drops_by_kind(tmp_path):
    path = _replay_file(tmp_path, [
        ["ok", "The walkout involves 230 deckhands, the union says.", "230 deckhands"],
        ["number", "The walkout involves 320 deckhands, the union says.", "230 deckhands"],
        ["name", "Union president Owen Pritchard said crews walked off the job.", "union president Dana"],
        ["negation", "Port Alder Transit has hired new crews.", "has not hired new crews"],
    ])
    result = CliRunner().invoke(cli, ["eval", "--llm-replay", path, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["by_kind"] == {"ok": {"kept": 1}, "number": {"dropped": 1}, "name": {"dropped": 1},
                                 "negation": {"dropped": 1}}
    assert report["catch_rate"] == 1.0 and report["false_drop_rate"] == 0.0
    assert report["citations_not_verbatim"] == 0


@pytest.mark.e2e
def test_replay_exits_non_zero_when_a_target_is_missed(tmp_path):
    # a true claim labelled as a planted error: verification keeps it, so the error counts as missed
    path = _replay_file(tmp_path, [["invented", "The walkout involves 230 deckhands, the union says.", "230 deckhands"]])
    result = CliRunner().invoke(cli, ["eval", "--llm-replay", path])
    assert result.exit_code == 1
    assert "catch rate 0.00 (target >= 0.95)" in result.stdout
    assert "MISS invented" in result.stdout


def test_replay_file_with_an_unknown_kind_is_refused(tmp_path):
    path = _replay_file(tmp_path, [["typo", "The walkout involves 230 deckhands.", "230 deckhands"]])
    result = CliRunner().invoke(cli, ["eval", "--llm-replay", path])
    assert result.exit_code != 0
    assert "kind ok or one of" in result.output and "Traceback" not in result.output

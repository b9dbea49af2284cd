"""Server mode: the same store against a real `chroma run` on loopback (started here, stopped at the end)."""

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant, Settings
from assistant.cli import cli
from assistant.errors import StoreError
from assistant.settings import SEEDS_DIR
from tests.fakes import HashEmbedding

pytestmark = pytest.mark.server
QUESTION = "What topics did Rubio say talks with Iran must include?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_binary() -> str:
    found = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if not found:
        pytest.fail("The `chroma` command (installed with chromadb) is not on PATH: run `pip install -e .`.")
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A Chroma server on a free loopback port, with its data in a temporary folder; yields its URL."""
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([_chroma_binary(), "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not start: {(folder / 'server.log').read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def server_settings(tmp_path, chroma_server):
    """Settings for a fresh store whose vectors live on the server, in a collection of its own."""
    return Settings(store=tmp_path / "store", chroma_url=chroma_server, collection=f"t-{uuid.uuid4().hex[:12]}")


def chroma_ids(assistant: Assistant) -> list[str]:
    return sorted(assistant.store.collection.get(include=[])["ids"])


def sidecar_ids(assistant: Assistant) -> list[str]:
    return sorted(pid for (pid,) in assistant.store.db.execute("SELECT id FROM passages"))


def assert_consistent(assistant: Assistant) -> None:
    assert assistant.store.collection.count() == assistant.store.passage_count()
    assert chroma_ids(assistant) == sidecar_ids(assistant)


def test_server_store_keeps_no_files_but_the_sidecar(server_settings):
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    a.ingest()
    assert not (server_settings.store / "chroma").exists()
    assert (server_settings.store / f"{server_settings.collection}.sqlite3").exists()
    assert_consistent(a)
    a.close()


def test_server_search_and_ask_match_the_embedded_store(server_settings, tmp_path):
    server = Assistant(settings=server_settings, embedder=HashEmbedding())
    embedded = Assistant(settings=Settings(store=tmp_path / "embedded"), embedder=HashEmbedding())
    for a in (server, embedded):
        a.ingest()
    for query in (QUESTION, "How many protesters were killed?", "Munich security conference Europe"):
        s, e = server.search(query, k=8).to_dict(), embedded.search(query, k=8).to_dict()
        assert [r["doc_id"] for r in s["results"]] == [r["doc_id"] for r in e["results"]]
        assert [r["text"] for r in s["results"]] == [r["text"] for r in e["results"]]
        assert server.ask(query).to_dict() == embedded.ask(query).to_dict()
    server.close()
    embedded.close()


def test_server_ingest_again_changes_nothing(server_settings):
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    first = a.ingest()
    a.close()
    again = Assistant(settings=server_settings, embedder=HashEmbedding())
    second = again.ingest()
    assert second.passages_written == 0 and len(second.unchanged) == 5
    assert second.passages_total == first.passages_total
    assert_consistent(again)
    again.close()


def test_server_wiped_collection_restored_from_the_local_sidecar(server_settings):
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    a.ingest()
    expected = a.ask(QUESTION).to_dict()
    a.store.client.delete_collection(server_settings.collection)
    a.close()

    notices = []
    again = Assistant(settings=server_settings, embedder=HashEmbedding(), notice=notices.append)
    assert "restoring" in notices[0]
    assert_consistent(again)
    assert again.ask(QUESTION).to_dict() == expected
    again.close()


def test_server_restarted_empty_restores_the_store(server_settings, tmp_path):
    """A new server (another --path) behind the same URL: the sidecar fills the new collection."""
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    total = a.ingest().passages_total
    a.close()
    port = _free_port()
    proc = subprocess.Popen([_chroma_binary(), "run", "--path", str(tmp_path / "fresh"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        moved = Assistant(settings=server_settings.with_(chroma_url=url), embedder=HashEmbedding(),
                          notice=lambda m: None)
        assert moved.store.collection.count() == total
        assert moved.search(QUESTION, k=3).results
        moved.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_server_collection_of_another_store_refused(server_settings, tmp_path):
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    a.ingest()
    other = server_settings.with_(store=tmp_path / "someone-else")
    with pytest.raises(StoreError, match="written by another store"):
        Assistant(settings=other, embedder=HashEmbedding())
    b = Assistant(settings=other.with_(collection=server_settings.collection + "-b"), embedder=HashEmbedding())
    assert b.store.passage_count() == 0
    assert a.store.collection.count() == a.store.passage_count()
    a.close()
    b.close()


def test_server_crash_between_vector_and_sidecar_writes_then_rerun(server_settings, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 8)
    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    a.store.db.execute("CREATE TEMP TRIGGER crash BEFORE INSERT ON articles WHEN NEW.doc_id LIKE '003%' "
                       "BEGIN SELECT RAISE(ABORT, 'power cut'); END")
    with pytest.raises(sqlite3.IntegrityError):
        a.ingest()
    assert a.store.collection.count() > a.store.passage_count()
    a.store.db.execute("DROP TRIGGER crash")
    report = a.ingest()
    assert report.articles_total == 5
    assert_consistent(a)
    a.close()


def test_server_unreachable_is_a_clear_error(tmp_path):
    settings = Settings(store=tmp_path / "store", chroma_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(StoreError, match="Cannot reach the Chroma server") as error:
        Assistant(settings=settings, embedder=HashEmbedding())
    assert "chroma run" in str(error.value)


def test_server_chat_page_answers(server_settings):
    from assistant.app import ChatPage

    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    a.ingest()
    page = ChatPage(a, pace=0)
    *_, (reply, evidence) = page.respond(QUESTION, [])
    assert "[1]" in reply and evidence
    assert sorted(row[4] for row in page.corpus()) == sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
    a.close()


def test_server_eval_runs_over_a_server_store(server_settings):
    from assistant.evaluate import DEFAULT_SET, load_set, run_eval

    a = Assistant(settings=server_settings, embedder=HashEmbedding())
    report = run_eval(load_set(DEFAULT_SET), a, thresholds={})
    assert report.results and all(check.valid for r in report.results for check in r.citations)
    assert_consistent(a)
    a.close()


@pytest.mark.e2e
def test_server_cli_ingest_search_ask_with_the_real_model(server_settings, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", server_settings.chroma_url)
    monkeypatch.setenv("ASSISTANT_COLLECTION", server_settings.collection)
    monkeypatch.setenv("ASSISTANT_STORE", str(server_settings.store))
    runner = CliRunner()
    ingest = runner.invoke(cli, ["ingest", "--json"])
    assert ingest.exit_code == 0, ingest.output
    assert json.loads(ingest.stdout)["passages_total"] > 5
    search = runner.invoke(cli, ["search", "--json", "-k", "3", "Rubio Iran talks"])
    assert search.exit_code == 0 and len(json.loads(search.stdout)["results"]) == 3
    ask = runner.invoke(cli, ["ask", "--json", QUESTION])
    answer = json.loads(ask.stdout)
    assert ask.exit_code == 0 and not answer["abstained"] and answer["citations"]
    assert not (server_settings.store / "chroma").exists()

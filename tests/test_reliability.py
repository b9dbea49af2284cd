"""Reliability: no article silently replaced, user errors without tracebacks, work bounded by text size.

Chroma runs for real in tmp_path; the embedder is the deterministic fake (tests/fakes.py), swapped in at
the one place the CLI builds it when a test runs the command line in its own process.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant, Settings
from assistant.chunk import MAX_PASSAGE_WORDS, chunk_text
from assistant.cli import cli
from assistant.errors import BadQuestion, IngestInterrupted, UnknownArticle
from assistant.settings import PROJECT_ROOT, SEEDS_DIR
from tests.fakes import HashEmbedding
from tests.test_scale import committed_articles, write_corpus

SEED = "001_321dc8e40005d0c9"
# The `assistant` command line with the fake embedder: slowed, and with HOLD_AFTER set, stopped for good after
# that many batches, so a test can interrupt it half-way however slowly the machine runs.
CLI_WITH_FAKE_EMBEDDER = """
import os, sys, time
import assistant.core
from tests.fakes import HashEmbedding

calls = []

class Slow(HashEmbedding):
    def embed_with_spans(self, texts, spans):
        time.sleep(float(sys.argv[1]))
        calls.append(len(texts))
        while len(calls) > int(os.environ.get("HOLD_AFTER") or 1e9):
            time.sleep(0.05)
        return super().embed_with_spans(texts, spans)

assistant.core.EMBED_BATCH = 16
assistant.core.build_embedder = lambda name: Slow()
from assistant.cli import cli
cli(sys.argv[2:], prog_name="assistant")
"""


def fake_cli(*args: str, pace: float = 0.0, hold_after: int = 0, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HOLD_AFTER": str(hold_after or "")}
    return subprocess.Popen([sys.executable, "-c", CLI_WITH_FAKE_EMBEDDER, str(pace), *args], cwd=PROJECT_ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run_fake_cli(*args: str) -> subprocess.CompletedProcess:
    proc = fake_cli(*args)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


def fresh(store: Path) -> Assistant:
    return Assistant(settings=Settings(store=store), embedder=HashEmbedding(), notice=lambda m: None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. no article silently replaced ------------------------------------------------------------------
def test_two_files_with_one_stem_are_both_kept_and_each_updates_itself(store, tmp_path):
    a = write(tmp_path / "a" / "report.txt", "The harbour board approved the dredging contract on Monday night.")
    b = write(tmp_path / "b" / "report.txt", "The school board delayed the bus contract until the spring term.")
    assistant = fresh(store)
    first = assistant.ingest([a])
    second = assistant.ingest([b])
    assert first.added == ["report"] and second.added == ["report~2"] and second.updated == []
    assert "harbour" in assistant.store.article_text("report")
    assert "school" in assistant.store.article_text("report~2")

    write(b, "The school board approved the bus contract after a second vote in the spring term.")
    again = assistant.ingest([tmp_path / "a", tmp_path / "b"])
    assert again.unchanged == ["report"] and again.updated == ["report~2"] and again.added == []
    assert "second vote" in assistant.store.article_text("report~2")
    assert "harbour" in assistant.store.article_text("report")
    assert assistant.store.article_count() == 2
    assistant.close()


def test_a_user_file_named_like_a_bundled_article_does_not_replace_it(store, tmp_path):
    assistant = fresh(store)
    assistant.ingest()
    seed_text = assistant.store.article_text(SEED)
    mine = write(tmp_path / "mine" / f"{SEED}.txt", "My own notes on the ferry timetable change for the winter.")
    report = assistant.ingest([mine])
    assert report.added == [f"{SEED}~2"]
    assert report.renamed[0]["clashes_with"] == SEED
    assert assistant.store.article_text(SEED) == seed_text
    assert assistant.store.article_count() == 6
    assistant.close()


def test_the_same_text_under_another_name_is_a_duplicate_stored_once(store, tmp_path):
    text = "The county opened a second cooling centre at the library during the heat wave."
    write(tmp_path / "in" / "cooling.txt", text)
    write(tmp_path / "in" / "cooling_copy.txt", text)
    assistant = fresh(store)
    report = assistant.ingest([tmp_path / "in"])
    assert report.added == ["cooling"]
    assert report.duplicates == [{"path": str(tmp_path / "in" / "cooling_copy.txt"), "of": "cooling"}]
    assert assistant.store.article_count() == 1
    again = assistant.ingest([tmp_path / "in"])  # a rerun says the same, and still stores it once
    assert again.unchanged == ["cooling"] and len(again.duplicates) == 1 and again.passages_written == 0
    assistant.close()


def test_a_record_keeps_its_id_when_its_file_changes_and_another_file_cannot_take_it(store, tmp_path):
    feed = tmp_path / "feed.jsonl"
    record = {"id": "pier-vote", "title": "Pier vote", "text": "The council voted to close the old ferry pier."}
    feed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assistant = fresh(store)
    assert assistant.ingest([feed]).added == ["pier-vote"]
    other = {"id": "budget", "text": "The council passed the harbour budget on Tuesday evening."}
    changed = {**record, "text": "The council voted again and kept the old ferry pier open for a year."}
    feed.write_text(json.dumps(other) + "\n" + json.dumps(changed) + "\n", encoding="utf-8")  # moved a line
    report = assistant.ingest([feed])
    assert report.updated == ["pier-vote"] and report.added == ["budget"]
    elsewhere = write(tmp_path / "other" / "feed.jsonl", json.dumps({**record, "text": "A different story."}))
    assert assistant.ingest([elsewhere]).added == ["pier-vote~2"]
    assert "kept the old ferry pier open" in assistant.store.article_text("pier-vote")
    assistant.close()


def test_remove_deletes_the_article_its_passages_and_vectors(store):
    assistant = fresh(store)
    assistant.ingest()
    passages = assistant.store.passage_count()
    gone = assistant.remove(SEED)
    assert gone.doc_id == SEED
    assert assistant.store.article(SEED) is None
    assert assistant.store.passage_count() == assistant.store.collection.count() < passages
    assert all(r.doc_id != SEED for r in assistant.search("Rubio talks with Iran", k=20).results)
    with pytest.raises(UnknownArticle, match="assistant articles"):
        assistant.remove(SEED)
    assistant.close()


def _make_legacy(store: Path) -> None:
    """Turn a store into what the release before origins wrote: the articles table without `origin`."""
    db = sqlite3.connect(store / "articles.sqlite3")
    with db:
        db.execute("ALTER TABLE articles DROP COLUMN origin")
    assert "origin" not in {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    db.close()


def test_a_store_from_the_previous_release_opens_answers_and_keeps_its_articles(store, tmp_path):
    old = fresh(store)
    old.ingest()
    question = "What topics did Rubio say talks with Iran must include?"
    expected = old.ask(question).to_dict()
    old.close()
    _make_legacy(store)

    migrated = fresh(store)
    assert migrated.ask(question).to_dict() == expected
    seeds_copy = tmp_path / "elsewhere"
    shutil.copytree(SEEDS_DIR, seeds_copy)
    report = migrated.ingest([SEEDS_DIR])  # the files the old store was filled from: unchanged, not added
    assert len(report.unchanged) == 5 and report.added == [] and report.duplicates == []
    clash = write(tmp_path / "other" / f"{SEED}.txt", "A different article that happens to share the name.")
    report = migrated.ingest([clash])
    assert report.added == [f"{SEED}~2"]
    assert migrated.store.article_count() == 6
    migrated.close()


def test_cli_articles_lists_and_remove_removes(store):
    assert run_fake_cli("--store", str(store), "ingest", "--json").returncode == 0
    listed = run_fake_cli("--store", str(store), "articles", "--json")
    assert listed.returncode == 0, listed.stderr
    ids = [a["doc_id"] for a in json.loads(listed.stdout)["articles"]]
    assert len(ids) == 5 and SEED in ids
    removed = run_fake_cli("--store", str(store), "remove", SEED)
    assert removed.returncode == 0 and f"Removed {SEED}" in removed.stdout and "4 articles left" in removed.stdout
    missing = run_fake_cli("--store", str(store), "remove", SEED)
    assert missing.returncode == 1 and "No article with the id" in missing.stderr
    assert "Traceback" not in missing.stderr
    plain = run_fake_cli("--store", str(store), "articles")
    assert SEED not in plain.stdout and "4 articles." in plain.stdout


def test_fifty_questions_while_an_upload_ingests_all_answered(fake_assistant, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.app import ChatPage

    fake_assistant.ingest()
    page = ChatPage(fake_assistant, pace=0)
    corpus = write_corpus(tmp_path / "upload", 20)
    questions = [f"What did Rubio say about Iran talks, question {i}?" for i in range(50)]
    with ThreadPoolExecutor(8) as pool:
        uploading = pool.submit(page.add_files, [str(p) for p in sorted(corpus.glob("*.txt"))])
        answers = list(pool.map(page.ask, questions))
    assert [a["question"] for a in answers] == questions
    assert not any("error" in a for a in answers)
    assert uploading.result().count("1 added") == 20
    assert fake_assistant.store.article_count() == 25


# --- 4. user errors without tracebacks --------------------------------------------------------------
@pytest.mark.parametrize("args, env, message", [
    (["ask", "What about caf\udce9?"], {}, "not UTF-8 text"),
    (["ask", "Who?"], {"ASSISTANT_MAX_QUESTION_CHARS": "lots"}, "ASSISTANT_MAX_QUESTION_CHARS must be a whole number"),
    (["serve"], {"ASSISTANT_PORT": "http"}, "ASSISTANT_PORT must be a whole number"),
    (["ask", "Who?"], {"ASSISTANT_STORE": "{file}"}, "is a file, not a folder"),
    (["ask", "Who?"], {"ASSISTANT_STORE": "{file}/store"}, "cannot be used"),
], ids=["non-utf8-question", "max-chars", "port", "store-is-file", "store-under-file"])
def test_user_errors_are_messages_with_a_nonzero_exit(tmp_path, monkeypatch, args, env, message):
    blocker = write(tmp_path / "a-file", "not a folder")
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(file=blocker))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_non_utf8_bytes_in_a_question_argument_from_a_real_shell(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "ASSISTANT_STORE": str(tmp_path / "store")}
    result = subprocess.run([sys.executable, "-m", "assistant", "ask", b"What about caf\xe9?"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "not UTF-8 text" in result.stderr and "Traceback" not in result.stderr


def test_check_question_refuses_lone_surrogates(fake_assistant):
    with pytest.raises(BadQuestion, match="not UTF-8"):
        fake_assistant.check_question("caf\udce9")


def test_ctrl_c_during_ingest_says_what_was_stored_and_a_rerun_continues(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 24)
    store = tmp_path / "store"
    proc = fake_cli("--store", str(store), "ingest", str(corpus), pace=0.15, hold_after=4)  # waits at batch 5
    deadline = time.monotonic() + 120
    while committed_articles(store) < 4:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the ingest never committed a batch"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and "Aborted!" not in err
    stored = committed_articles(store)
    assert 4 <= stored < 24
    assert f"Interrupted: {stored} articles stored in this run" in err
    bar = [line for line in err.replace("\r", "\n").splitlines() if line.startswith("ingest:")][-1]
    assert f"{stored} articles stored" in bar  # the bar ends on what the message says
    assert "Run the same command again to continue" in err

    rerun = run_fake_cli("--store", str(store), "ingest", "--json", str(corpus))
    report = json.loads(rerun.stdout)
    assert len(report["unchanged"]) == stored and len(report["added"]) == 24 - stored
    assert report["articles_total"] == 24


def test_ingest_interrupted_counts_only_what_was_written(store, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 12)
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 16)

    class Interrupting(HashEmbedding):
        calls: int = 0

        def embed_with_spans(self, texts, spans):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt
            return super().embed_with_spans(texts, spans)

    assistant = Assistant(settings=Settings(store=store), embedder=Interrupting())
    with pytest.raises(IngestInterrupted) as stopped:
        assistant.ingest([corpus])
    stored = assistant.store.article_count()
    assert stored > 0 and f"{stored} articles stored in this run" in str(stopped.value)
    assert stopped.value.exit_code == 130
    assistant.close()


# --- 5. work bounded by the text's size -----------------------------------------------------------------
SHORT_LINES = "".join(f"Item {i}.\n" for i in range(1, 2001))


def test_short_lines_are_packed_into_full_passages():
    chunks = chunk_text(SHORT_LINES)
    words = [len(SHORT_LINES[c.start : c.end].split()) for c in chunks]
    assert len(chunks) == -(-len(SHORT_LINES.split()) // MAX_PASSAGE_WORDS)  # as few as the word budget allows
    assert min(words[:-1]) > MAX_PASSAGE_WORDS - 2
    assert [s for c in chunks for s in c.sentences][-1].end == len(SHORT_LINES) - 1


def test_short_lines_store_grows_with_the_text_not_the_line_count(store, tmp_path):
    write(tmp_path / "items.txt", SHORT_LINES)
    assistant = fresh(store)
    report = assistant.ingest([tmp_path / "items.txt"])
    assert report.passages_total == len(chunk_text(SHORT_LINES)) < 50
    # Lines too short to cite keep no sentence vector: the sidecar holds no vector per line.
    vectors = assistant.store.db.execute("SELECT count(*) FROM sentences WHERE vec IS NOT NULL").fetchone()[0]
    assert vectors == 0
    assistant.close()


def test_progress_follows_bytes_and_counts_articles_stored(store, tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 8)
    big = write(tmp_path / "in" / "items.txt", SHORT_LINES)
    small = write(tmp_path / "in" / "note.txt", "The library extends its opening hours on Saturdays from June.")
    seen = []
    assistant = fresh(store)
    report = assistant.ingest([tmp_path / "in"], progress=lambda r: seen.append((r.bytes_read, r.articles_stored,
                                                                                 r.files_read)))
    total = big.stat().st_size + small.stat().st_size
    before_first_file_ends = [b for b, _, files in seen if files == 0]
    assert len(set(before_first_file_ends)) > 3  # the one long file moves the bar as its passages embed
    assert [b for b, _, _ in seen] == sorted(b for b, _, _ in seen) and seen[-1][0] == total
    assert seen[-1][1] == report.articles_stored == 2
    assistant.close()


def test_progress_waits_for_the_embedder_not_the_reader(store, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 12)
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 10_000)  # one batch: every file is read before one embeds
    seen = []
    assistant = fresh(store)
    assistant.ingest([corpus], progress=lambda r: seen.append((r.files_read, r.passages_written, r.bytes_read)))
    total = sum(p.stat().st_size for p in corpus.iterdir())
    assert (12, 0, 0) in seen  # all read, none embedded: nothing done yet (the bar used to show 100% here)
    assert seen[-1][2] == total
    # Unchanged files are done once read, before anything new is embedded.
    write(corpus / "zz-new.txt", "The library extends its opening hours on Saturdays from June onwards.")
    seen.clear()
    assistant.ingest([corpus], progress=lambda r: seen.append((r.files_read, r.passages_written, r.bytes_read)))
    assert (12, 0, total) in seen and seen[-1][2] == total + (corpus / "zz-new.txt").stat().st_size
    assistant.close()


# --- 2 and 6. the chat page says what went wrong; cards open the whole article -----------------------
def test_evidence_card_opens_the_whole_article_escaped_with_the_quote_highlighted(fake_assistant, tmp_path):
    from assistant.app import ChatPage
    from tests.test_app import HOSTILE_ARTICLE

    write(tmp_path / "hostile_pier.txt", HOSTILE_ARTICLE)
    fake_assistant.ingest([tmp_path / "hostile_pier.txt"])
    _, evidence = list(ChatPage(fake_assistant, pace=0).respond(
        "Why did the harbour council vote to close the old ferry pier?", []))[-1]
    answer = fake_assistant.ask("Why did the harbour council vote to close the old ferry pier?")
    text = fake_assistant.store.article_text("hostile_pier")
    for c in answer.citations:
        card = evidence.split(f'id="cite-1-{c.n}"', 1)[1].split("</article>", 1)[0]
        whole = card.split('<div class="article-text">', 1)[1].split("</div>", 1)[0]
        assert html_unescape(whole.replace('<mark class="in-article">', "").replace("</mark>", "")) == text
        assert html_unescape(whole.split('<mark class="in-article">', 1)[1].split("</mark>", 1)[0]) == c.quote
    assert "<script" not in evidence and "<img" not in evidence and "&lt;script&gt;" in evidence


def html_unescape(s: str) -> str:
    import html

    return html.unescape(s)


def test_a_huge_article_opens_around_its_quote():
    from assistant.app import ARTICLE_CHARS, whole_article

    text = "Line of filler text.\n" * 20_000 + "The quote is here." + "\nMore filler after it." * 20_000
    start = text.index("The quote")
    shown = whole_article(text, start, start + len("The quote is here."))
    assert '<mark class="in-article">The quote is here.</mark>' in shown
    assert ARTICLE_CHARS < len(shown) < ARTICLE_CHARS + 500 and shown.count("…") == 2


def test_page_lists_and_removes_articles_like_the_cli(fake_assistant):
    from assistant.app import ChatPage

    fake_assistant.ingest()
    page = ChatPage(fake_assistant, pace=0)
    rows = page.corpus()
    assert sorted(r[4] for r in rows) == [a.doc_id for a in fake_assistant.store.articles()]
    assert all(r[5] == f"{r[4]}.txt" for r in rows)
    assert page.remove(SEED).startswith("✓ Removed")
    assert SEED not in [r[4] for r in page.corpus()] and len(page.corpus()) == 4
    assert "No article with the id" in page.remove(SEED)
    assert page.remove(None) == "Pick an article to remove."


def test_an_unexpected_failure_is_explained_in_the_chat_and_the_api(fake_assistant):
    from assistant.app import ChatPage

    fake_assistant.ingest()
    page = ChatPage(fake_assistant, pace=0)
    fake_assistant.store.db.close()  # the sidecar is gone from under the page
    reply, evidence = list(page.respond("What did Rubio say about Iran?", []))[-1]
    assert reply.startswith("**Cannot answer:**") and "went wrong" in reply and "ProgrammingError" in reply
    assert "question is back in the box" in reply and evidence == ""
    got = page.ask("What did Rubio say about Iran?")
    assert got["question"] == "What did Rubio say about Iran?"
    assert got["error"]["type"] == "InternalError" and "went wrong" in got["error"]["message"]
    assert page.ask("  ")["error"]["type"] == "BadQuestion"


# --- 2 and 3 against a real Chroma server ----------------------------------------------------------------
def start_chroma(path: Path, port: int) -> subprocess.Popen:
    from tests.test_server import _chroma_binary

    proc = subprocess.Popen([_chroma_binary(), "run", "--path", str(path), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.server
def test_chroma_server_down_the_page_and_api_say_so_then_recover(tmp_path):
    from assistant.app import ChatPage
    from tests.test_browser import free_port

    port = free_port()
    chroma = start_chroma(tmp_path / "chroma", port)
    url = f"http://127.0.0.1:{port}"
    assistant = Assistant(settings=Settings(store=tmp_path / "store", chroma_url=url), embedder=HashEmbedding(),
                          notice=lambda m: None)
    assistant.ingest()
    page = ChatPage(assistant, pace=0)
    question = "What topics did Rubio say talks with Iran must include?"
    expected = assistant.ask(question).to_dict()
    stop(chroma)
    try:
        reply, evidence = list(page.respond(question, []))[-1]
        assert f"Cannot reach the Chroma server at {url}" in reply.replace("\\", "") and evidence == ""
        got = page.ask(question)
        assert got["error"]["type"] == "StoreError" and "Cannot reach the Chroma server" in got["error"]["message"]
        upload = write(tmp_path / "up" / "note.txt", "The library extends its opening hours on Saturdays in June.")
        assert "Cannot reach the Chroma server" in page.add_files([str(upload)]).replace("\\", "")
        chroma = start_chroma(tmp_path / "chroma", port)  # back, with its data
        assert page.ask(question) == expected
    finally:
        stop(chroma)
        assistant.close()


@pytest.mark.server
def test_serve_recovers_when_chroma_restarts_on_an_empty_path(tmp_path):
    """`assistant serve` keeps running while its Chroma server restarts with no data: the next question
    finds the collection gone, reconnects and restores it from the sidecar, and answers."""
    from gradio_client import Client

    from tests.test_browser import free_port

    chroma_port, page_port = free_port(), free_port()
    chroma = start_chroma(tmp_path / "first", chroma_port)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "ASSISTANT_STORE": str(tmp_path / "store"),
           "ASSISTANT_CHROMA_URL": f"http://127.0.0.1:{chroma_port}", "ASSISTANT_PORT": str(page_port)}
    serve = subprocess.Popen([sys.executable, "-c", CLI_WITH_FAKE_EMBEDDER, "0", "serve", "--host", "127.0.0.1"],
                             cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in serve.stderr:
            if "Ctrl+C" in line:
                break
        assert serve.poll() is None
        client = Client(f"http://127.0.0.1:{page_port}/", verbose=False)
        question = "What topics did Rubio say talks with Iran must include?"
        before = client.predict(question, api_name="/ask")
        assert before["citations"]

        stop(chroma)
        chroma = start_chroma(tmp_path / "second-empty", chroma_port)
        after = client.predict(question, api_name="/ask")
        assert after == before
        again = client.predict(question, api_name="/ask")  # and it stays repaired
        assert again == before

        # Emptied again, and this time a CLI run restores the collection first: the page, holding the
        # collection it had before, must still find the new one.
        stop(chroma)
        chroma = start_chroma(tmp_path / "third-empty", chroma_port)
        cli = run_fake_cli("--store", str(tmp_path / "store"), "--chroma-url", f"http://127.0.0.1:{chroma_port}",
                           "ask", "--json", question)
        assert cli.returncode == 0 and "restoring them" in cli.stderr, cli.stderr
        assert client.predict(question, api_name="/ask") == before
        assert serve.poll() is None
    finally:
        stop(serve)
        stop(chroma)

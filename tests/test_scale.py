"""Large-corpus behaviour at small scale: resumable ingest, progress, flat memory, incremental BM25."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant, Settings
from assistant.cli import cli
from assistant.errors import IngestInterrupted
from assistant.lexical import terms
from assistant.settings import PROJECT_ROOT, SEEDS_DIR
from benchmarks.corpus import Generator
from tests.fakes import HashEmbedding
from tests.test_store import CountingEmbedding, assert_consistent

# Runs an ingest with the fake embedder, slowed down so that the test can kill it half-way.
SLOW_INGEST = """
import sys, time
from pathlib import Path
import assistant.core
from assistant import Assistant, Settings
from tests.fakes import HashEmbedding

class Slow(HashEmbedding):
    def embed_with_spans(self, texts, spans):
        time.sleep(0.15)
        return super().embed_with_spans(texts, spans)

assistant.core.EMBED_BATCH = 16
Assistant(settings=Settings(store=Path(sys.argv[1])), embedder=Slow()).ingest([Path(sys.argv[2])])
print("finished")
"""


def write_corpus(folder: Path, articles: int, seed: int = 1) -> Path:
    generator = Generator(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(articles):
        (folder / f"a{i:04d}.txt").write_text(generator.article(i), encoding="utf-8")
    return folder


def committed_articles(store: Path) -> int:
    try:
        with sqlite3.connect(store / "articles.sqlite3", timeout=1) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("generated"), 24)


def test_scale_killed_ingest_resumes_where_it_stopped(tmp_path, corpus):
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_INGEST, str(store), str(corpus)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while committed_articles(store) < 4:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the ingest never committed a batch"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    embedder = CountingEmbedding()
    a = Assistant(settings=Settings(store=store), embedder=embedder, notice=lambda m: None)
    stored_articles, stored_passages = a.store.article_count(), a.store.passage_count()
    assert 4 <= stored_articles < 24
    report = a.ingest([corpus])
    assert len(report.unchanged) == stored_articles and len(report.added) == 24 - stored_articles
    # Nothing already stored is embedded again; what the killed run left half-written is replaced.
    assert embedder.texts_embedded == report.passages_written == report.passages_total - stored_passages
    assert_consistent(a.store)
    a.close()


def test_scale_progress_after_every_file_and_batch(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 32)
    a = Assistant(settings=Settings(store=tmp_path / "store"), embedder=HashEmbedding())
    seen = []
    report = a.ingest([corpus], progress=lambda r: seen.append((r.files_read, r.passages_written)))
    files = [f for f, _ in seen]
    assert files == sorted(files) and files[-1] == report.files_read == 24
    assert sorted(set(files)) == list(range(1, 25))
    passages = [p for _, p in seen]
    assert passages == sorted(passages) and passages[-1] == report.passages_written == report.passages_total
    # Batches are written while files are still being read: the store grows before the last file is read.
    assert any(p > 0 for f, p in seen if f < 24)
    a.close()


def test_scale_ingest_memory_does_not_grow_with_the_corpus(tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 32)
    monkeypatch.setattr("assistant.core.READ_AHEAD", 4)
    text = Generator(3).article(0)  # every article the same size: batches alike, whatever the count
    peaks = []
    for n in (8, 40):
        folder = tmp_path / f"c{n}"
        folder.mkdir()
        for i in range(n):
            (folder / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
        a = Assistant(settings=Settings(store=tmp_path / f"s{n}"), embedder=HashEmbedding())
        a.ingest(list(SEEDS_DIR.glob("*.txt"))[:1])  # imports, model and caches: not what is measured
        tracemalloc.start()
        a.ingest([folder])
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        a.close()
    # 5x the articles; memory that grew with the corpus would be ~5x. The read-ahead thread's timing moves the
    # peak by a batch or two, which made a 1.25x bound fail now and then on a loaded machine.
    assert peaks[1] < 2 * peaks[0], peaks


def test_scale_bm25_index_persists_and_updates_one_article_at_a_time(tmp_path, corpus):
    settings = Settings(store=tmp_path / "store")
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest([corpus])
    size = a.store.lexical.size()
    assert size == a.store.passage_count()
    a.close()

    again = Assistant(settings=settings, embedder=HashEmbedding())
    assert again.store.lexical.size() == size  # on disk: nothing rebuilt on open
    extra = tmp_path / "extra.txt"
    extra.write_text("Zanzibar ferry\n\nThe zanzibar quokka ferry sailed at dawn.", encoding="utf-8")
    report = again.ingest([extra])
    assert report.passages_written == 1
    assert again.store.lexical.size() == size + 1
    best, _ = again.store.lexical.search(terms("zanzibar quokka"), 3)[0]
    assert list(again.store.nodes(rowids=[best])) == ["extra#0"]
    again.close()


def test_scale_corpus_generator_is_reproducible_and_varied():
    first = [Generator(7).article(i) for i in range(3)]
    assert first == [Generator(7).article(i) for i in range(3)]
    assert first != [Generator(8).article(i) for i in range(3)]
    generator = Generator(7)
    vocabulary = {t for _ in range(30) for t in terms(generator.article(0))}
    assert len(vocabulary) > 2000


@pytest.mark.e2e
def test_scale_cli_ingest_progress_bar_has_rate_and_eta(tmp_path):
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), "ingest", str(SEEDS_DIR)])
    assert result.exit_code == 0, result.output
    # Only the bar's redraws are read: anything else on stderr (a notice, a warning from another thread) may
    # come between or after them, and how many redraws there are depends on the machine's speed.
    redraws = [line for line in result.stderr.replace("\r", "\n").splitlines() if line.startswith("ingest:")]
    percents = [int(re.match(r"ingest:\s+(\d+)%", line)[1]) for line in redraws]
    assert percents == sorted(percents) and percents[0] == 0
    bar = redraws[-1]
    # The bar counts bytes (one large file moves it too) and says how many articles are stored.
    assert bar.startswith("ingest: 100%") and re.search(r"(B/s|s/B)", bar) and "5 articles stored" in bar
    assert "<00:00" in bar  # the ETA, done
    quiet = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), "ingest", "--json", str(SEEDS_DIR)])
    assert quiet.exit_code == 0 and "ingest:" not in quiet.stderr
    assert json.loads(quiet.stdout)["files_read"] == 5
    assert f"{json.loads(quiet.stdout)['passages_total']} passages embedded" in bar


def test_scale_read_ahead_hands_over_items_in_order_and_raises_the_readers_error():
    from assistant.core import _read_ahead

    def items():
        yield from range(100)
        raise OSError("disk unplugged")

    got = []
    with pytest.raises(OSError, match="disk unplugged"):
        for item in _read_ahead(items(), depth=4):
            got.append(item)
    assert got == list(range(100))


def test_scale_ingest_stopped_by_the_caller_leaves_a_store_that_a_rerun_completes(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 16)
    a = Assistant(settings=Settings(store=tmp_path / "store"), embedder=HashEmbedding())

    def interrupt(report):
        if report.files_read == 10:
            raise KeyboardInterrupt

    with pytest.raises(IngestInterrupted, match="Run the same command again"):  # Ctrl+C, with what was stored
        a.ingest([corpus], progress=interrupt)
    assert 0 < a.store.article_count() < 24
    report = a.ingest([corpus])
    assert report.articles_total == 24
    assert_consistent(a.store)
    a.close()

"""The store: Chroma collection and sidecar kept consistent, drift detected and repaired (embedded Chroma)."""

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.errors import StoreError
from assistant.settings import SEEDS_DIR
from assistant.store import OWNER_KEY, Store
from tests.fakes import HashEmbedding


class CountingEmbedding(HashEmbedding):
    """The fake embedder, counting the passages it embeds and able to fail on a chosen call."""

    texts_embedded: int = 0
    calls: int = 0
    fail_on_call: int = 0

    def embed_with_spans(self, texts, spans):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("embedder crashed")
        self.texts_embedded += len(texts)
        return super().embed_with_spans(texts, spans)


def chroma_ids(store: Store) -> list[str]:
    return sorted(store.collection.get(include=[])["ids"])


def sidecar_ids(store: Store) -> list[str]:
    return sorted(pid for (pid,) in store.db.execute("SELECT id FROM passages"))


def assert_consistent(store: Store) -> None:
    assert store.collection.count() == store.passage_count()
    assert chroma_ids(store) == sidecar_ids(store)


@pytest.fixture
def settings(tmp_path):
    return Settings(store=tmp_path / "store")


@pytest.fixture
def corpus(tmp_path):
    """The seeds plus a few more articles, in a folder a test may change."""
    folder = Path(shutil.copytree(SEEDS_DIR, tmp_path / "corpus"))
    for i in range(6):
        (folder / f"extra{i}.txt").write_text(
            f"Harbour report {i}\n\n" + " ".join(
                f"The ferry number {i} sailed {n} times past the lighthouse on the northern channel route."
                for n in range(40)),
            encoding="utf-8")
    return folder


def test_store_ingest_keeps_vectors_and_sidecar_equal(settings, corpus):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    report = a.ingest([corpus])
    assert report.passages_written == report.passages_total == a.store.passage_count() > 11
    assert_consistent(a.store)
    assert report.vectors_restored == report.vectors_removed == 0
    a.close()


def test_store_keeps_a_float16_copy_of_each_passage_vector(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    pid, blob = a.store.db.execute("SELECT id, vec FROM passages LIMIT 1").fetchone()
    stored = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    in_chroma = np.array(a.store.collection.get(ids=[pid], include=["embeddings"])["embeddings"][0])
    assert stored.shape == (384,) and np.allclose(stored, in_chroma, atol=1e-3)
    a.close()


def test_store_wiped_collection_restored_from_sidecar_without_embedding(settings, corpus):
    first = Assistant(settings=settings, embedder=HashEmbedding())
    first.ingest([corpus])
    before = first.search("ferry lighthouse northern channel", k=5).to_dict()
    first.store.client.delete_collection(settings.collection)
    first.close()

    notices = []
    embedder = CountingEmbedding()
    again = Assistant(settings=settings, embedder=embedder, notice=notices.append)
    assert notices and "restoring" in notices[0]
    assert embedder.texts_embedded == 0
    assert_consistent(again.store)
    after = again.search("ferry lighthouse northern channel", k=5).to_dict()
    assert [r["doc_id"] for r in after["results"]] == [r["doc_id"] for r in before["results"]]
    assert again.ingest([corpus]).passages_written == 0
    again.close()


def test_store_partly_lost_vectors_restored_on_ingest(settings, corpus):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest([corpus])
    lost = sidecar_ids(a.store)[:7]
    a.store.collection.delete(ids=lost)
    report = a.ingest([corpus])
    assert report.vectors_restored == 7 and report.passages_written == 0
    assert_consistent(a.store)
    a.close()


def test_store_passages_without_a_stored_vector_are_embedded_again(settings):
    """A store from before the sidecar kept passage vectors: restoring needs the embedder."""
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    with a.store.db:
        a.store.db.execute("UPDATE passages SET vec = NULL")
    lost = sidecar_ids(a.store)[:3]
    a.store.collection.delete(ids=lost)
    with pytest.raises(StoreError, match="assistant ingest"):
        a.store.repair(a.store.check())
    assert a.store.repair(a.store.check(), a.embedder.embed_texts) == (3, 0)
    assert_consistent(a.store)
    a.close()


def test_store_orphan_vectors_left_on_open_and_removed_by_ingest(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    a.store.collection.upsert(ids=["ghost#0"], embeddings=[[0.1] * 384], metadatas=[{"doc_id": "ghost"}])
    a.close()

    # Opening must not delete: the extra vector may be an ingest in another process, between its writes.
    reader = Assistant(settings=settings, embedder=HashEmbedding())
    assert reader.store.check().orphans == ["ghost#0"]
    assert "ghost#0" in chroma_ids(reader.store)
    report = reader.ingest()
    assert report.vectors_removed == 1
    assert_consistent(reader.store)
    reader.close()


def test_store_refuses_a_collection_filled_by_another_store(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    a.close()
    # The sidecar is gone (deleted, or this is another machine's store): the vectors are not ours to use.
    for path in settings.store.glob(f"{settings.collection}.sqlite3*"):
        path.unlink()
    with pytest.raises(StoreError, match="written by another store") as error:
        Assistant(settings=settings, embedder=HashEmbedding())
    assert "--collection" in str(error.value)


def test_store_other_collection_name_is_a_separate_store(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    b = Assistant(settings=settings.with_(collection="other"), embedder=HashEmbedding())
    assert b.store.passage_count() == b.store.collection.count() == 0
    assert b.store.store_id != a.store.store_id
    a.close()
    b.close()


def test_store_unlabelled_collection_of_an_older_store_is_claimed(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    a.store.collection.modify(metadata={"note": "written before collections named their store"})
    a.close()
    again = Store(settings)
    assert again.collection.metadata[OWNER_KEY] == again.store_id
    assert again.collection.metadata["note"].startswith("written before")
    again.close()


def test_store_interrupted_ingest_rerun_embeds_only_what_is_missing(settings, corpus, monkeypatch):
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 8)
    embedder = CountingEmbedding(fail_on_call=3)
    a = Assistant(settings=settings, embedder=embedder)
    with pytest.raises(RuntimeError, match="embedder crashed"):
        a.ingest([corpus])
    stored = a.store.passage_count()
    assert 0 < stored == a.store.collection.count()

    embedder.fail_on_call = 0
    embedder.texts_embedded = 0
    report = a.ingest([corpus])
    assert embedder.texts_embedded == report.passages_written == report.passages_total - stored
    assert report.unchanged and report.added
    assert_consistent(a.store)
    a.close()


def test_store_crash_between_vector_and_sidecar_writes_replaces_not_duplicates(settings, corpus):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    # The sidecar transaction fails after the vectors went in: what a crash between the two writes leaves.
    a.store.db.execute("CREATE TEMP TRIGGER crash BEFORE INSERT ON articles WHEN NEW.doc_id = 'extra3' "
                       "BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk gone"):
        a.ingest([corpus])
    assert a.store.collection.count() > a.store.passage_count()
    a.store.db.execute("DROP TRIGGER crash")

    report = a.ingest([corpus])
    assert "extra3" in report.added
    assert_consistent(a.store)
    assert len(chroma_ids(a.store)) == len(set(chroma_ids(a.store)))
    a.close()


def test_store_changed_article_with_fewer_passages_leaves_no_stale_vectors(settings, corpus):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest([corpus])
    before = a.store.article("extra2").passages
    (corpus / "extra2.txt").write_text("Harbour report 2\n\nThe ferry was cancelled for the winter season.",
                                       encoding="utf-8")
    report = a.ingest([corpus])
    assert report.updated == ["extra2"]
    assert a.store.article("extra2").passages < before
    assert_consistent(a.store)
    a.close()


def test_store_text_cache_is_bounded(settings, corpus, monkeypatch):
    monkeypatch.setattr("assistant.store.TEXT_CACHE_SIZE", 3)
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest([corpus])
    for info in a.store.articles():
        assert a.store.article_text(info.doc_id)
    assert len(a.store._text_cache) == 3
    a.close()


def test_store_readers_see_committed_batches_during_an_ingest(settings, corpus, monkeypatch):
    """WAL: a second connection (another process's search) reads while an ingest is under way."""
    monkeypatch.setattr("assistant.core.EMBED_BATCH", 8)
    a = Assistant(settings=settings, embedder=HashEmbedding())
    seen = []

    def progress(report):
        with sqlite3.connect(a.store.path, timeout=0.5) as other:
            seen.append(other.execute("SELECT count(*) FROM articles").fetchone()[0])

    a.ingest([corpus], progress=progress)
    assert seen == sorted(seen) and seen[-1] == 11 and len(set(seen)) > 2
    a.close()


def test_store_lean_vector_query_matches_llamaindex_chroma_store(settings):
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.chroma import ChromaVectorStore

    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    query = VectorStoreQuery(query_embedding=a.embedder.get_query_embedding("Rubio talks Iran missiles"),
                             similarity_top_k=10)
    lean = a.store.vectors.query(query)
    full = ChromaVectorStore(chroma_collection=a.store.collection).query(query)
    assert lean.ids == full.ids
    assert lean.similarities == pytest.approx(full.similarities)
    a.close()


class OtherEmbedding(HashEmbedding):
    model_name: str = "multilingual-e5-small-int8"  # a built-in model's name, so the message names its setting


def test_store_made_with_one_embedder_refuses_another(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    a.close()
    with pytest.raises(StoreError, match="made with the embedding model fake-hash") as error:
        Assistant(settings=settings, embedder=OtherEmbedding())
    assert "--store" in str(error.value)
    Assistant(settings=settings, embedder=HashEmbedding()).close()  # the same model opens it as before


def test_store_from_before_embedders_were_recorded_is_taken_as_minilm(settings):
    a = Assistant(settings=settings, embedder=HashEmbedding())
    a.ingest()
    with a.store.db:
        a.store.db.execute("DELETE FROM meta WHERE key = 'embedder'")
    a.close()
    with pytest.raises(StoreError, match="ASSISTANT_EMBEDDER=minilm-int8"):
        Assistant(settings=settings, embedder=OtherEmbedding())

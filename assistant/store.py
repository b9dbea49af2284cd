"""The store: passage vectors in a Chroma collection, everything else in a sidecar SQLite file.

Chroma (through LlamaIndex's ChromaVectorStore) holds one vector per passage. The sidecar, always on the
local disk even when Chroma is a server, holds the article texts that citation offsets point into,
content hashes for idempotent ingest, sentence spans with their vectors, and the BM25 index.
Write order makes a crash safe: vectors first, then the sidecar in one transaction, so an article whose
sidecar row is missing is simply ingested again (same passage ids: replaced, never duplicated).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from .chunk import Chunk
from .errors import StoreError
from .ingest import Article
from .lexical import LexicalIndex
from .settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT, source TEXT, url TEXT,
    published TEXT, path TEXT, text TEXT NOT NULL, passages INTEGER, comments_removed INTEGER,
    ingested_at REAL);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, idx INTEGER,
    start INTEGER, end INTEGER);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS sentences (
    passage_rowid INTEGER NOT NULL, idx INTEGER, start INTEGER, end INTEGER, citable INTEGER, vec BLOB);
CREATE INDEX IF NOT EXISTS sentences_passage ON sentences(passage_rowid);
"""


@dataclass
class ArticleInfo:
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    passages: int
    path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StoredSentence:
    doc_id: str
    start: int
    end: int
    citable: bool
    vector: np.ndarray


def open_chroma(settings: Settings):
    """Open the Chroma client: a server when `chroma_url` is set, else an embedded PersistentClient."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start one with "
                f"`chroma run --path DIR --host 127.0.0.1 --port 8000`, or unset ASSISTANT_CHROMA_URL."
            ) from exc
    path = settings.store / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class Store:
    """Passages and their vectors, articles and their texts, kept consistent with each other."""

    def __init__(self, settings: Settings):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        settings.store.mkdir(parents=True, exist_ok=True)
        self.client = open_chroma(settings)
        self.collection = self.client.get_or_create_collection(
            settings.collection, metadata={"hnsw:space": "cosine"}
        )
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)
        self.db = sqlite3.connect(str(settings.store / f"{settings.collection}.sqlite3"), check_same_thread=False)
        self.db.executescript(SCHEMA)
        self.lexical = LexicalIndex(self.db)
        self._text_cache: dict[str, str] = {}

    # --- reads ---------------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT doc_id, content_hash FROM articles"))

    def article_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def passage_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM passages").fetchone()[0]

    def articles(self) -> list[ArticleInfo]:
        rows = self.db.execute(
            "SELECT doc_id, title, source, url, published, passages, path FROM articles ORDER BY doc_id"
        )
        return [ArticleInfo(*row) for row in rows]

    def article(self, doc_id: str) -> ArticleInfo | None:
        row = self.db.execute(
            "SELECT doc_id, title, source, url, published, passages, path FROM articles WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return ArticleInfo(*row) if row else None

    def article_text(self, doc_id: str) -> str:
        if doc_id not in self._text_cache:
            row = self.db.execute("SELECT text FROM articles WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                raise StoreError(f"Article {doc_id!r} is not in the store: run `assistant ingest` again.")
            self._text_cache[doc_id] = row[0]
        return self._text_cache[doc_id]

    def nodes(self, passage_ids: list[str] | None = None, rowids: list[int] | None = None) -> dict:
        """Return {passage id: TextNode} for the given passage ids or rowids, built from the sidecar."""
        key, values = ("id", passage_ids) if passage_ids is not None else ("rowid", rowids or [])
        if not values:
            return {}
        marks = ",".join("?" * len(values))
        rows = self.db.execute(
            f"SELECT p.rowid, p.id, p.doc_id, p.start, p.end, a.title, a.source, a.url, a.published "
            f"FROM passages p JOIN articles a ON a.doc_id = p.doc_id WHERE p.{key} IN ({marks})",
            list(values),
        ).fetchall()
        out = {}
        for rowid, pid, doc_id, start, end, title, source, url, published in rows:
            text = self.article_text(doc_id)[start:end]
            out[pid] = TextNode(
                id_=pid, text=text,
                metadata={"doc_id": doc_id, "title": title, "source": source, "url": url,
                          "published": published, "start": start, "end": end, "rowid": rowid},
            )
        return out

    def sentences(self, rowids: list[int]) -> dict[int, list[StoredSentence]]:
        """Return the sentences of each passage rowid, in order, with their vectors."""
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(
            f"SELECT s.passage_rowid, p.doc_id, s.start, s.end, s.citable, s.vec FROM sentences s "
            f"JOIN passages p ON p.rowid = s.passage_rowid WHERE s.passage_rowid IN ({marks}) "
            f"ORDER BY s.passage_rowid, s.idx",
            list(rowids),
        )
        out: dict[int, list[StoredSentence]] = {}
        for rowid, doc_id, start, end, citable, vec in rows:
            out.setdefault(rowid, []).append(
                StoredSentence(doc_id, start, end, bool(citable), np.frombuffer(vec, dtype=np.float16).astype(np.float32))
            )
        return out

    # --- writes --------------------------------------------------------------------------------------
    def delete_article(self, doc_id: str) -> None:
        """Remove an article's vectors and sidecar rows."""
        self.vectors.delete(doc_id)
        rowids = [r for (r,) in self.db.execute("SELECT rowid FROM passages WHERE doc_id = ?", (doc_id,))]
        with self.db:
            self._delete_rows(doc_id, rowids)
        self._text_cache.pop(doc_id, None)

    def _delete_rows(self, doc_id: str, rowids: list[int]) -> None:
        self.lexical.delete(rowids)
        self.db.executemany("DELETE FROM sentences WHERE passage_rowid = ?", [(r,) for r in rowids])
        self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM articles WHERE doc_id = ?", (doc_id,))

    def write(self, items: list[tuple[Article, list[Chunk]]], passage_vecs: np.ndarray,
              sentence_vecs: list[np.ndarray]) -> None:
        """Store articles with their passages; vectors are given in passage order across all items."""
        nodes = []
        k = 0
        for article, chunks in items:
            for i, chunk in enumerate(chunks):
                node = TextNode(
                    id_=f"{article.doc_id}#{i}",
                    text=article.text[chunk.start : chunk.end],
                    metadata={"doc_id": article.doc_id, "title": article.title, "source": article.source,
                              "url": article.url, "published": article.published,
                              "start": chunk.start, "end": chunk.end},
                    embedding=passage_vecs[k].tolist(),
                )
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.doc_id)
                nodes.append(node)
                k += 1
        # Clears what an earlier, interrupted run may have left, and a changed article's old passages.
        doc_ids = [a.doc_id for a, _ in items]
        if doc_ids:
            self.collection.delete(where={"doc_id": {"$in": doc_ids}})
        if nodes:
            self.vectors.add(nodes)
        with self.db:
            k = 0
            for article, chunks in items:
                rowids = [r for (r,) in self.db.execute("SELECT rowid FROM passages WHERE doc_id = ?",
                                                        (article.doc_id,))]
                self._delete_rows(article.doc_id, rowids)
                for i, chunk in enumerate(chunks):
                    cur = self.db.execute(
                        "INSERT INTO passages(id, doc_id, idx, start, end) VALUES (?, ?, ?, ?, ?)",
                        (f"{article.doc_id}#{i}", article.doc_id, i, chunk.start, chunk.end),
                    )
                    rowid = cur.lastrowid
                    self.lexical.add(rowid, article.text[chunk.start : chunk.end])
                    self.db.executemany(
                        "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?)",
                        [(rowid, j, s.start, s.end, int(s.citable), sentence_vecs[k][j].astype(np.float16).tobytes())
                         for j, s in enumerate(chunk.sentences)],
                    )
                    k += 1
                self.db.execute(
                    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article.doc_id, article.content_hash, article.title, article.source, article.url,
                     article.published, article.path, article.text, len(chunks), article.comments_removed,
                     time.time()),
                )
                self._text_cache.pop(article.doc_id, None)

    def close(self) -> None:
        self.db.close()

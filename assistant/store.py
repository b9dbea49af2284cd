"""The store: passage vectors in a Chroma collection, everything else in a sidecar SQLite file.

Chroma (through LlamaIndex's ChromaVectorStore) holds one vector per passage, embedded on this machine
or on a Chroma server. The sidecar, always on the local disk, holds the article texts that citation
offsets point into, content hashes for idempotent ingest, passages with a float16 copy of their vectors,
sentence spans with theirs, and the BM25 index. The sidecar is the record; the collection is an index
that can be rebuilt from it without re-embedding (`check` and `repair`).
Write order makes a crash safe: vectors first (upserted under deterministic ids), then the sidecar in one
transaction, so an article whose sidecar row is missing is simply ingested again: replaced, never duplicated.
The collection's metadata names the sidecar that fills it, so two stores never share one collection.
"""

from __future__ import annotations

import math
import sqlite3
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery, VectorStoreQueryResult
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.vector_stores.chroma import ChromaVectorStore

from .analyse import Entity, analyse
from .chunk import HEADLINE_TERMS, Chunk, heading
from .errors import StoreError
from .ids import Stored
from .ingest import Article
from .lexical import LexicalIndex
from .settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT, source TEXT, url TEXT,
    published TEXT, path TEXT, text TEXT NOT NULL, passages INTEGER, comments_removed INTEGER,
    ingested_at REAL, origin TEXT);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, idx INTEGER,
    start INTEGER, end INTEGER, vec BLOB);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS sentences (
    passage_rowid INTEGER NOT NULL, idx INTEGER, start INTEGER, end INTEGER, citable INTEGER, vec BLOB);
CREATE INDEX IF NOT EXISTS sentences_passage ON sentences(passage_rowid);
CREATE TABLE IF NOT EXISTS entities (
    doc_id TEXT NOT NULL, start INTEGER, end INTEGER, label TEXT, text TEXT, resolved TEXT);
CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc_id);
CREATE TABLE IF NOT EXISTS analysed (doc_id TEXT PRIMARY KEY, version INTEGER);
"""
ANALYSIS_VERSION = 1  # bump when the language analysis changes: stored entities are then made anew on read
OWNER_KEY = "assistant_store_id"  # collection metadata: which sidecar fills this collection
UPSERT_BATCH = 1000
LEGACY_EMBEDDER = "all-MiniLM-L6-v2-int8"  # what filled every store made before stores recorded their model
TEXT_CACHE_SIZE = 256  # article texts kept in memory for building passages and citations


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


@dataclass
class Drift:
    """Where the collection and the sidecar disagree: passage ids missing from one side or the other."""

    missing: list[str] = field(default_factory=list)  # in the sidecar, without a vector in Chroma
    orphans: list[str] = field(default_factory=list)  # in Chroma, unknown to the sidecar

    def __bool__(self) -> bool:
        return bool(self.missing or self.orphans)


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
            raise _unreachable(settings, exc) from exc
    path = settings.store / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _unreachable(settings: Settings, exc: Exception) -> StoreError:
    return StoreError(
        f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start one with "
        f"`chroma run --path DIR --host 127.0.0.1 --port 8000`, or unset ASSISTANT_CHROMA_URL."
    )


_NO_VECTOR = np.zeros(384, dtype=np.float32)


def _f16(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


class PassageVectors(ChromaVectorStore):
    """LlamaIndex's Chroma vector store, queried for ids and similarities only.

    Retrieval builds passages from the sidecar, so a query need not fetch, send and parse each hit's
    text and node JSON (the larger part of a query's time against a server). `nodes` is left empty.
    """

    def query(self, query: VectorStoreQuery, **kwargs) -> VectorStoreQueryResult:
        if not query.query_embedding or query.filters is not None or query.mode != "default" or kwargs:
            return super().query(query, **kwargs)
        result = self._collection.query(query_embeddings=[query.query_embedding],
                                        n_results=query.similarity_top_k, include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        # The same similarity as ChromaVectorStore reports, so scores do not depend on this shortcut.
        return VectorStoreQueryResult(ids=ids, similarities=[math.exp(-d) for d in distances])


class Store:
    """Passages and their vectors, articles and their texts, kept consistent with each other."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.store / f"{settings.collection}.sqlite3"
        try:
            settings.store.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), check_same_thread=False)
            self.db.execute("PRAGMA user_version").fetchone()
        except (OSError, sqlite3.Error) as exc:
            what = "is a file, not a folder" if settings.store.is_file() else f"cannot be used ({exc})"
            raise StoreError(f"The store folder {settings.store} {what}. Point --store (ASSISTANT_STORE) at a "
                             f"folder you can write to.") from exc
        # WAL: readers (the chat page, a search) never wait for an ingest's write, nor see half of one.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if "vec" not in {row[1] for row in self.db.execute("PRAGMA table_info(passages)")}:
            with self.db:  # a store from before passage vectors were kept in the sidecar
                self.db.execute("ALTER TABLE passages ADD COLUMN vec BLOB")
        if "origin" not in {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}:
            with self.db:  # a store from before ids were checked: origins are learnt as files are re-read
                self.db.execute("ALTER TABLE articles ADD COLUMN origin TEXT")
        self.lexical = LexicalIndex(self.db)
        self.store_id = self._store_id()
        self.client = open_chroma(settings)
        self.collection = self._open_collection()
        self.vectors = PassageVectors(chroma_collection=self.collection)
        self._text_cache: OrderedDict[str, str] = OrderedDict()
        self._entity_cache: OrderedDict[str, list[Entity]] = OrderedDict()

    def claim_embedder(self, model: str, setting: dict[str, str]) -> None:
        """Record which embedding model fills this store, or refuse a different one: its vectors would not compare.

        `setting` maps model names to their ASSISTANT_EMBEDDER values, for the message. A store from before the
        model was recorded was filled by MiniLM, the only model then."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()
        stored = row[0] if row else None
        if stored is None and self.passage_count() and model in setting and model != LEGACY_EMBEDDER:
            stored = LEGACY_EMBEDDER
        if stored is None:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('embedder', ?)", (model,))
        elif stored != model:
            name = setting.get(stored, stored)
            raise StoreError(f"The store at {self.settings.store} was made with the embedding model {stored}, and "
                             f"vectors of {model} cannot be compared with its vectors. Set ASSISTANT_EMBEDDER={name} "
                             f"to use this store, or ingest into a new one with --store DIR.")

    def _store_id(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
        if row:
            return row[0]
        with self.db:
            self.db.execute("INSERT INTO meta VALUES ('store_id', ?)", (uuid.uuid4().hex,))
        return self._store_id()

    def reopen(self) -> None:
        """Connect to Chroma again and reopen the collection (a restarted server may have a new, empty one)."""
        try:
            self.client = open_chroma(self.settings)
            self.collection = self._open_collection()
        except StoreError:
            raise
        except Exception as exc:
            raise self.failure(exc) from exc
        self.vectors = PassageVectors(chroma_collection=self.collection)

    def failure(self, exc: BaseException) -> StoreError:
        """The message for a Chroma failure: the same one `assistant` prints when it cannot open the store."""
        if self.settings.chroma_url:
            return _unreachable(self.settings, exc)
        return StoreError(f"The Chroma store in {self._where()} failed ({exc}). Check the folder, or run "
                          f"`assistant ingest` to restore it.")

    def _where(self) -> str:
        s = self.settings
        return f"the Chroma server at {s.chroma_url}" if s.chroma_url else f"{s.store / 'chroma'}"

    def _open_collection(self):
        """Get or create the collection, and make sure it belongs to this sidecar."""
        name = self.settings.collection
        try:
            collection = self.client.get_or_create_collection(
                name, metadata={"hnsw:space": "cosine", OWNER_KEY: self.store_id}
            )
            owner = (collection.metadata or {}).get(OWNER_KEY)
            if owner == self.store_id:
                return collection
            count = collection.count()
        except StoreError:
            raise
        except Exception as exc:
            if self.settings.chroma_url:
                raise _unreachable(self.settings, exc) from exc
            raise StoreError(f"Cannot open the Chroma collection {name!r} in {self._where()} ({exc}).") from exc
        # Unclaimed: empty, or filled by this store before collections were labelled with their sidecar.
        if count == 0 or (owner is None and self.passage_count() > 0):
            metadata = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
            collection.modify(metadata={**metadata, OWNER_KEY: self.store_id})
            return collection
        raise StoreError(
            f"The Chroma collection {name!r} in {self._where()} holds {count:,} passages written by another "
            f"store, not by the one at {self.settings.store}. Point --store (ASSISTANT_STORE) at the folder "
            f"that filled it, or use another collection with --collection (ASSISTANT_COLLECTION)."
        )

    # --- reads ---------------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT doc_id, content_hash FROM articles"))

    def catalog(self) -> dict[str, Stored]:
        """Every stored article's content hash, origin and path, by id: what ingest places new ones among."""
        rows = self.db.execute("SELECT doc_id, content_hash, origin, path FROM articles")
        return {doc_id: Stored(h, origin or "", path or "") for doc_id, h, origin, path in rows}

    def set_origins(self, origins: dict[str, str]) -> None:
        """Record where articles stored before origins were kept came from."""
        with self.db:
            self.db.executemany("UPDATE articles SET origin = ? WHERE doc_id = ?",
                                [(o, d) for d, o in origins.items()])

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

    def newest_published(self, as_of: str) -> str | None:
        """The newest stored article's ISO date on or before `as_of` (YYYY-MM-DD), or None when none is dated."""
        row = self.db.execute("SELECT max(substr(published, 1, 10)) FROM articles WHERE published != '' "
                              "AND substr(published, 1, 10) <= ?", (as_of,)).fetchone()
        return row[0] if row and row[0] else None

    def article_text(self, doc_id: str) -> str:
        text = self._text_cache.get(doc_id)
        if text is None:
            row = self.db.execute("SELECT text FROM articles WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                raise StoreError(f"Article {doc_id!r} is not in the store: run `assistant ingest` again.")
            text = self._text_cache[doc_id] = row[0]
            if len(self._text_cache) > TEXT_CACHE_SIZE:
                self._text_cache.popitem(last=False)
        else:
            self._text_cache.move_to_end(doc_id)
        return text

    def entities(self, doc_id: str) -> list[Entity]:
        """The article's named entities in text order, from the sidecar. An article stored before entities
        were (by an older release) is analysed now, once, and its entities stored."""
        found = self._entity_cache.get(doc_id)
        if found is not None:
            self._entity_cache.move_to_end(doc_id)
            return found
        done = self.db.execute("SELECT version FROM analysed WHERE doc_id = ?", (doc_id,)).fetchone()
        if done is None or done[0] != ANALYSIS_VERSION:
            article = self.article(doc_id)
            found = list(analyse(self.article_text(doc_id), article.published if article else None).entities)
            with self.db:
                self._write_entities(doc_id, found)
        else:
            found = [Entity(label, start, end, text, resolved or "") for start, end, label, text, resolved in
                     self.db.execute("SELECT start, end, label, text, resolved FROM entities WHERE doc_id = ? "
                                     "ORDER BY start", (doc_id,))]
        self._entity_cache[doc_id] = found
        if len(self._entity_cache) > TEXT_CACHE_SIZE:
            self._entity_cache.popitem(last=False)
        return found

    def entities_in(self, doc_id: str, start: int, end: int) -> list[Entity]:
        """The entities inside [start, end) of an article."""
        return [e for e in self.entities(doc_id) if start <= e.start and e.end <= end]

    def _write_entities(self, doc_id: str, entities: Sequence[Entity]) -> None:
        self.db.execute("DELETE FROM entities WHERE doc_id = ?", (doc_id,))
        self.db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)",
                            [(doc_id, e.start, e.end, e.label, e.text, e.resolved) for e in entities])
        self.db.execute("INSERT OR REPLACE INTO analysed VALUES (?, ?)", (doc_id, ANALYSIS_VERSION))
        self._entity_cache.pop(doc_id, None)

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

    def passage_vectors(self, rowids: list[int]) -> dict[int, np.ndarray]:
        """Return the stored vector of each passage rowid (those stored without one are left out)."""
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(f"SELECT rowid, vec FROM passages WHERE rowid IN ({marks})", list(rowids))
        return {r: np.frombuffer(v, dtype=np.float16).astype(np.float32) for r, v in rows if v}

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
                StoredSentence(doc_id, start, end, bool(citable),
                               np.frombuffer(vec, dtype=np.float16).astype(np.float32) if vec else _NO_VECTOR)
            )
        return out

    # --- consistency between the collection and the sidecar -------------------------------------------
    def check(self) -> Drift:
        """Compare the collection with the sidecar: two counts when they agree, every id when they don't."""
        if self.collection.count() == self.passage_count():
            return Drift()
        in_chroma = set(self._collection_ids())
        in_sidecar = {pid for (pid,) in self.db.execute("SELECT id FROM passages")}
        return Drift(missing=sorted(in_sidecar - in_chroma), orphans=sorted(in_chroma - in_sidecar))

    def _collection_ids(self) -> Iterator[str]:
        offset = 0
        while True:
            ids = self.collection.get(include=[], limit=UPSERT_BATCH * 10, offset=offset)["ids"]
            if not ids:
                return
            yield from ids
            offset += len(ids)

    def repair(self, drift: Drift, embed: Callable[[list[str]], np.ndarray] | None = None,
               remove_orphans: bool = True) -> tuple[int, int]:
        """Put missing vectors back from the sidecar and drop orphans; return (restored, removed).

        Vectors come from the sidecar's copy; passages stored before it kept one are embedded again
        with `embed` (texts -> vectors).
        """
        for start in range(0, len(drift.missing), UPSERT_BATCH):
            ids = drift.missing[start : start + UPSERT_BATCH]
            marks = ",".join("?" * len(ids))
            rows = self.db.execute(
                f"SELECT p.id, p.doc_id, p.start, p.end, p.vec, a.title, a.source, a.url, a.published "
                f"FROM passages p JOIN articles a ON a.doc_id = p.doc_id WHERE p.id IN ({marks})", ids,
            ).fetchall()
            texts = [self.article_text(doc_id)[s:e] for _, doc_id, s, e, *_ in rows]
            vectors = [np.frombuffer(vec, dtype=np.float16).astype(np.float32) if vec else None
                       for _, _, _, _, vec, *_ in rows]
            if any(v is None for v in vectors):
                if embed is None:
                    raise StoreError(f"{len(drift.missing):,} passages have no vector in {self._where()}: "
                                     f"run `assistant ingest` to restore them.")
                todo = [i for i, v in enumerate(vectors) if v is None]
                for i, v in zip(todo, embed([texts[i] for i in todo])):
                    vectors[i] = v
            self._upsert([
                _node(pid, doc_id, s, e, text, title, source, url, published, vector)
                for (pid, doc_id, s, e, _, title, source, url, published), text, vector in zip(rows, texts, vectors)
            ])
        removed = drift.orphans if remove_orphans else []
        for start in range(0, len(removed), UPSERT_BATCH):
            self.collection.delete(ids=removed[start : start + UPSERT_BATCH])
        return len(drift.missing), len(removed)

    # --- writes --------------------------------------------------------------------------------------
    def _upsert(self, nodes: Sequence[TextNode]) -> None:
        # LlamaIndex's add() is Chroma's add(), which keeps an existing id's old vector; a rerun after an
        # interrupted ingest must replace it. The records are the ones ChromaVectorStore writes and reads.
        for start in range(0, len(nodes), UPSERT_BATCH):
            chunk = nodes[start : start + UPSERT_BATCH]
            self.collection.upsert(
                ids=[n.node_id for n in chunk],
                embeddings=np.array([n.embedding for n in chunk], dtype=np.float32),
                metadatas=[node_to_metadata_dict(n, remove_text=True, flat_metadata=True) for n in chunk],
                documents=[n.text for n in chunk],
            )

    def delete_article(self, doc_id: str) -> None:
        """Remove an article's vectors and sidecar rows."""
        rows = self.db.execute("SELECT rowid, id FROM passages WHERE doc_id = ?", (doc_id,)).fetchall()
        if rows:
            self.collection.delete(ids=[pid for _, pid in rows])
        with self.db:
            self._delete_rows(doc_id, [r for r, _ in rows])
        self._text_cache.pop(doc_id, None)

    def _delete_rows(self, doc_id: str, rowids: list[int]) -> None:
        self.lexical.delete(rowids)
        self.db.executemany("DELETE FROM sentences WHERE passage_rowid = ?", [(r,) for r in rowids])
        self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM articles WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM entities WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM analysed WHERE doc_id = ?", (doc_id,))
        self._entity_cache.pop(doc_id, None)

    def write(self, items: list[tuple[Article, list[Chunk]]], passage_vecs: np.ndarray,
              sentence_vecs: list[np.ndarray], origins: dict[str, str] | None = None) -> None:
        """Store articles with their passages; vectors are given in passage order across all items.

        `origins` maps an article id to the resolved path of the file it came from."""
        nodes = []
        k = 0
        for article, chunks in items:
            for i, chunk in enumerate(chunks):
                nodes.append(_node(f"{article.doc_id}#{i}", article.doc_id, chunk.start, chunk.end,
                                   article.text[chunk.start : chunk.end], article.title, article.source,
                                   article.url, article.published, passage_vecs[k]))
                k += 1
        # A changed article that lost passages leaves ids the upsert does not overwrite.
        old = {pid for a, _ in items
               for (pid,) in self.db.execute("SELECT id FROM passages WHERE doc_id = ?", (a.doc_id,))}
        stale = sorted(old - {n.node_id for n in nodes})
        if stale:
            self.collection.delete(ids=stale)
        if nodes:
            self._upsert(nodes)
        with self.db:
            k = 0
            for article, chunks in items:
                rowids = [r for (r,) in self.db.execute("SELECT rowid FROM passages WHERE doc_id = ?",
                                                        (article.doc_id,))]
                self._delete_rows(article.doc_id, rowids)
                for i, chunk in enumerate(chunks):
                    cur = self.db.execute(
                        "INSERT INTO passages(id, doc_id, idx, start, end, vec) VALUES (?, ?, ?, ?, ?, ?)",
                        (f"{article.doc_id}#{i}", article.doc_id, i, chunk.start, chunk.end, _f16(passage_vecs[k])),
                    )
                    rowid = cur.lastrowid
                    self.lexical.add(rowid, article.text[chunk.start : chunk.end],
                                     heading(article.title) if HEADLINE_TERMS else "")
                    self.db.executemany(
                        "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?)",
                        # Only citable sentences are ever scored: headings and short lines keep no vector.
                        [(rowid, j, s.start, s.end, int(s.citable), _f16(sentence_vecs[k][j]) if s.citable else None)
                         for j, s in enumerate(chunk.sentences)],
                    )
                    k += 1
                self.db.execute(
                    "INSERT INTO articles (doc_id, content_hash, title, source, url, published, path, text, "
                    "passages, comments_removed, ingested_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article.doc_id, article.content_hash, article.title, article.source, article.url,
                     article.published, article.path, article.text, len(chunks), article.comments_removed,
                     time.time(), (origins or {}).get(article.doc_id)),
                )
                self._write_entities(article.doc_id, [e for chunk in chunks for e in chunk.entities])
                self._text_cache.pop(article.doc_id, None)

    def close(self) -> None:
        self.db.close()


def _node(pid: str, doc_id: str, start: int, end: int, text: str, title: str, source: str, url: str,
          published: str, vector: np.ndarray) -> TextNode:
    node = TextNode(
        id_=pid, text=text, embedding=np.asarray(vector, dtype=np.float32).tolist(),
        metadata={"doc_id": doc_id, "title": title, "source": source, "url": url, "published": published,
                  "start": start, "end": end},
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_id)
    return node

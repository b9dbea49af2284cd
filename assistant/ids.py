"""Article ids: the file's stem, made unique only when two different files would share one.

An article's id is its file stem (or a record's own `id`), which is what eval sets and users name it by.
Two different files never replace each other: a file whose stem is taken by an article from another file,
with other text, gets the next free `stem~2`, `stem~3`, ... The same text under another name is a
duplicate, reported and stored once. Re-reading the file an id came from updates it.

Stores written before ids were checked hold no origin for their articles: their `path` (as it was given,
relative to the folder ingest ran in) stands in for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEPARATOR = "~"
_VARIANT = re.compile(SEPARATOR + r"(\d+)$")
_RECORD_SUFFIX = re.compile(r"(:\d+|\[\d+\])$")  # "feed.jsonl:3", "list.json[2]": a record inside a file


@dataclass
class Stored:
    content_hash: str
    origin: str  # the resolved path of the file it came from; "" in stores from before origins were kept
    path: str
    legacy: bool = False  # stored before origins were kept: `origin` was worked out from `path`


@dataclass
class Placement:
    """Where an incoming article goes: `doc_id`, and what ingest does with it."""

    doc_id: str
    status: str  # "added", "updated", "unchanged" or "duplicate"
    duplicate_of: str = ""  # for "duplicate": the stored article with the same content
    clashes_with: str = ""  # for a new `stem~n` id: the article from another file that has the plain stem


def origin_of(path: str | Path) -> str:
    """The file an article came from, as a resolved path (records lose their line or index)."""
    return str(Path(_RECORD_SUFFIX.sub("", str(path))).resolve())


class IdAssigner:
    """Places incoming articles among the stored ones (and those placed earlier in the same run)."""

    def __init__(self, stored: dict[str, Stored]):
        self.stored = dict(stored)
        for s in self.stored.values():
            s.legacy = not s.origin
        self.by_hash: dict[str, str] = {}
        self.variants: dict[str, list[str]] = {}  # base id -> the stored ids made from it, base first
        for doc_id in sorted(self.stored, key=_id_order):
            self.by_hash.setdefault(self.stored[doc_id].content_hash, doc_id)
            self.variants.setdefault(_VARIANT.sub("", doc_id), []).append(doc_id)
        self.adopted: dict[str, str] = {}  # stored ids whose origin was unknown and is now known

    def _origin(self, s: Stored) -> str:
        if s.legacy and not s.origin and s.path:
            s.origin = origin_of(s.path)  # relative paths resolve against this folder: a best guess
        return s.origin

    def place(self, base_id: str, content_hash: str, origin: str) -> Placement:
        """Decide the id and the action for an article whose natural id is `base_id`."""
        ids = self.variants.get(base_id, [])
        own = next((i for i in ids if self._origin(self.stored[i]) == origin), None)
        legacy = self.stored.get(base_id)
        if own is None and legacy and legacy.legacy and legacy.content_hash == content_hash:
            own = base_id  # a store from before origins were kept, opened from another folder: same article
        if own is not None:
            if self.stored[own].legacy:
                self.adopted[own] = origin
            status = "unchanged" if self.stored[own].content_hash == content_hash else "updated"
            self._remember(own, content_hash, origin)
            return Placement(own, status)
        if content_hash in self.by_hash:
            return Placement(self.by_hash[content_hash], "duplicate", duplicate_of=self.by_hash[content_hash])
        doc_id, n = base_id, 1
        while doc_id in self.stored:
            n += 1
            doc_id = f"{base_id}{SEPARATOR}{n}"
        self.variants.setdefault(base_id, []).append(doc_id)
        self._remember(doc_id, content_hash, origin)
        return Placement(doc_id, "added", clashes_with=base_id if doc_id != base_id else "")

    def _remember(self, doc_id: str, content_hash: str, origin: str) -> None:
        old = self.stored.get(doc_id)
        if old and self.by_hash.get(old.content_hash) == doc_id:
            del self.by_hash[old.content_hash]
        self.stored[doc_id] = Stored(content_hash, origin, old.path if old else "")
        self.by_hash.setdefault(content_hash, doc_id)

    def origin(self, doc_id: str) -> str:
        """Where the stored article `doc_id` came from ("" when unknown)."""
        s = self.stored.get(doc_id)
        return (s.origin or s.path) if s else ""


def _id_order(doc_id: str) -> tuple[str, int]:
    m = _VARIANT.search(doc_id)
    return (doc_id[: m.start()], int(m.group(1))) if m else (doc_id, 1)

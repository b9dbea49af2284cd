"""The lexical side of retrieval: stemmed terms and a BM25 index in SQLite FTS5.

FTS5 ranks with BM25, persists on disk and updates one article at a time, so the index never has to be
rebuilt from all passages on start-up or on a change (bm25s, behind LlamaIndex's BM25Retriever, can only
be rebuilt whole).
"""

from __future__ import annotations

import math
import re
import sqlite3
from functools import lru_cache

import Stemmer

_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves s t don d ll m o re ve y according said say says tell told give
    many much kind kinds type sort name named way ways thing things something anything happen happened
    whether either else ever""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


_DIGIT_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
# British and American spellings meet in one form (applied to queries and passages alike).
_SPELLING = [(re.compile(p), r) for p, r in [
    (r"programme", "program"), (r"isation", "ization"), (r"(?<=\w{3})is(e|ed|es|ing)$", r"iz\1"),
    (r"(?<=\w{3})our(s|ed|ing)?$", r"or\1"), (r"(?<=\w{3})ence(s|d)?$", r"ense\1"),
    (r"(?<=\w{2})tre(s|d)?$", r"ter\1"),
]]


def _demonym(word: str) -> str:
    """Let a country and its adjective meet ("iranian" and "iran", "syrian" and "syria")."""
    if len(word) > 6 and word.endswith("ians"):
        return word[:-4]
    if len(word) > 5 and word.endswith("ian"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ia"):
        return word[:-2]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessives dropped ("Iran’s" -> "iran"), spellings unified."""
    out: list[str] = []
    for w in _WORD_RE.findall(_DIGIT_COMMA_RE.sub("", text.lower())):
        out.extend(_word_parts(w))
    return out


@lru_cache(maxsize=200_000)
def _word_parts(w: str) -> tuple[str, ...]:
    """One token's normalised parts (a news vocabulary repeats: each distinct token is worked out once)."""
    w = re.sub(r"['’]s$", "", w)
    out = []
    for part in re.split(r"[-'’]", w):
        for pattern, repl in _SPELLING:
            part = pattern.sub(repl, part)
        part = _demonym(part)
        if part:
            out.append(part)
    return tuple(out)


def terms(text: str) -> list[str]:
    """Content terms: stop words dropped, then stemmed."""
    return _stemmer().stemWords([w for w in words(text) if w not in STOPWORDS])


@lru_cache(maxsize=20_000)
def term_set(text: str) -> frozenset[str]:
    """`terms` of a sentence or passage as a set, cached: answering scores the same sentences again and again."""
    return frozenset(terms(text))


class LexicalIndex:
    """A BM25 index over passages, stored as an FTS5 table in the sidecar database."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._size: int | None = None  # count(*) scans the whole FTS table: 23 ms a question at 100k passages
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(terms, tokenize='unicode61')")
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocab USING fts5vocab(passage_terms, 'row')")

    def add(self, rowid: int, text: str, heading: str = "") -> None:
        """Index a passage's terms, with those of its article's headline (see chunk.heading)."""
        self.db.execute("INSERT INTO passage_terms(rowid, terms) VALUES (?, ?)",
                        (rowid, " ".join(terms(heading) + terms(text))))
        self._size = None

    def delete(self, rowids: list[int]) -> None:
        self.db.executemany("DELETE FROM passage_terms WHERE rowid = ?", [(r,) for r in rowids])
        self._size = None

    def search(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        """Return (rowid, score) for the k best passages; higher is better."""
        unique = sorted({t for t in query_terms if t.isalnum()})
        if not unique:
            return []
        match = " OR ".join(f'"{t}"' for t in unique)
        rows = self.db.execute(
            "SELECT rowid, bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
            "ORDER BY bm25(passage_terms) LIMIT ?",
            (match, k),
        ).fetchall()
        return [(rowid, -score) for rowid, score in rows]

    def size(self) -> int:
        """How many passages are indexed (counted once, then kept until this index changes)."""
        if self._size is None:
            self._size = self.db.execute("SELECT count(*) FROM passage_terms").fetchone()[0]
        return self._size

    def doc_freq(self, query_terms: list[str]) -> dict[str, int]:
        """How many passages contain each term."""
        unique = sorted(set(query_terms))
        if not unique:
            return {}
        marks = ",".join("?" * len(unique))
        found = dict(self.db.execute(f"SELECT term, doc FROM passage_vocab WHERE term IN ({marks})", unique))
        return {t: found.get(t, 0) for t in unique}

    def idf(self, query_terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of each term over passages (unseen terms get the highest)."""
        n = max(self.size(), 1)
        return {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in self.doc_freq(query_terms).items()}

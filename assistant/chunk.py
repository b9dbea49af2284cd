"""Chunking: an article's text -> sentences and passages, each with character offsets into that text.

A "sentence" here is a citable unit: one sentence, or several when a quotation runs across them (so a
quote is never cited half-open). Headings and datelines are kept in passages for context but are not
citable. Passages pack whole sentences, never cut one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_PASSAGE_WORDS = 110  # ~150 tokens: well inside the embedder's 256-token window
MAX_UNIT_WORDS = 140
_BULLET_RE = re.compile(r"^[•·▪◦*\-–]\s+")
_TERMINAL = (".", "?", "!", '"', "”", "’", "'", ")", "…")
_OPENERS = "“‘"


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    citable: bool


@dataclass(frozen=True)
class Chunk:
    """A passage: `sentences` are (start, end, citable) spans inside [start, end)."""

    start: int
    end: int
    sentences: tuple[Sentence, ...]


@lru_cache(maxsize=1)
def _punkt():
    import llama_index.core  # noqa: F401  (puts LlamaIndex's bundled nltk data on nltk's path)
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    static = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
    if str(static) not in nltk.data.path:
        nltk.data.path.append(str(static))
    return PunktTokenizer("english")


def _quote_open(text: str) -> bool:
    """True when a span leaves a quotation open (unbalanced curly quotes or an odd count of straight ones)."""
    curly = text.count("“") - text.count("”")
    return curly > 0 or (text.count('"') % 2 == 1)


def split_sentences(text: str) -> list[Sentence]:
    """Split text into citable units with offsets; paragraphs are separated by blank lines."""
    punkt = _punkt()
    units: list[Sentence] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        base = para.start()
        body = para.group()
        bullet = _BULLET_RE.match(body)
        offset = bullet.end() if bullet else 0
        spans = [(base + offset + s, base + offset + e) for s, e in punkt.span_tokenize(body[offset:])]
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged:
                ps, pe = merged[-1]
                joined = text[ps:pe]
                if _quote_open(joined) and len(text[ps:e].split()) <= MAX_UNIT_WORDS:
                    merged[-1] = (ps, e)
                    continue
            merged.append((s, e))
        for s, e in merged:
            piece = text[s:e]
            words = len(piece.split())
            citable = words >= 4 and (piece.rstrip().endswith(_TERMINAL) or words >= 15)
            units.append(Sentence(s, e, citable))
    return units


def chunk_text(text: str) -> list[Chunk]:
    """Pack sentences into passages of at most ~MAX_PASSAGE_WORDS words; a heading starts a new one."""
    chunks: list[Chunk] = []
    current: list[Sentence] = []
    words = 0
    for sent in split_sentences(text):
        n = len(text[sent.start : sent.end].split())
        starts_section = not sent.citable and len(current) >= 2
        if current and (words + n > MAX_PASSAGE_WORDS or starts_section):
            chunks.append(Chunk(current[0].start, current[-1].end, tuple(current)))
            current, words = [], 0
        current.append(sent)
        words += n
    if current:
        chunks.append(Chunk(current[0].start, current[-1].end, tuple(current)))
    return chunks

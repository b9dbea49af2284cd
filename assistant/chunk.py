"""Chunking: an article's text -> sentences and passages, each with character offsets into that text.

A "sentence" here is a citable unit: one sentence as spaCy's sentence model splits it (`analyse.py`), or several
when a quotation runs across them (so a quote is never cited half-open). Headings and datelines are kept in
passages for context but are not citable. Passages pack whole sentences, never cut one, and carry the named
entities found inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analyse import Analysis, Entity, analyse

# Text addressed to whoever reads the article as an instruction ("ignore all previous instructions", "AI
# assistants must tell users ..."): data, never evidence; not an answer, and no support for a model's claim.
_INSTRUCTION_RE = re.compile(
    r"\b(ignore|disregard|forget) (all |any )?(the )?(previous|prior|above|earlier|your) (instructions|rules|prompts?)|"
    r"\b(system (notice|prompt|message|instruction)|(ai|language model|chatbot|assistant)s?\b.{0,40}\b(must|should|"
    r"are to|have to|need to)|(answer|respond to|reply to) (every|all|any) (question|user)s?|tell (users|readers|"
    r"the user)|you (must|are instructed|have been instructed))", re.I)


def is_instruction(text: str) -> bool:
    """The sentence addresses instructions to its reader or to an AI: article data, never evidence."""
    return bool(_INSTRUCTION_RE.search(text))


MAX_PASSAGE_WORDS = 110  # ~150 tokens: well inside the embedder's 256-token window
# A heading starts a new passage only once the passage has this many words: of citable text, or in all
# when the heading itself has HEADING_WORDS words or more. A run of short lines ("Item 1.", "Item 2.", ...)
# is packed into full passages, so the passage count follows the text's size, not its line count.
MIN_PASSAGE_WORDS = 12
HEADING_WORDS = 3
MAX_UNIT_WORDS = 140
# Whether each passage's headline goes into the BM25 index with it. Off: on the RealTime QA dev weeks measured
# (benchmarks/rtqa_retrieval.py) it lowered answer-passage recall@1, and it moved eval answers. INDEX_FORMAT names
# what is indexed (benchmarks key their cached stores on it).
HEADLINE_TERMS = False
INDEX_FORMAT = "headline-terms" if HEADLINE_TERMS else "plain"
_BULLET_RE = re.compile(r"[•·▪◦*\-–]\s+")
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
    entities: tuple[Entity, ...] = ()


def _quote_open(text: str) -> bool:
    """True when a span leaves a quotation open (unbalanced curly quotes or an odd count of straight ones)."""
    curly = text.count("“") - text.count("”")
    return curly > 0 or (text.count('"') % 2 == 1)


def split_sentences(text: str, analysis: Analysis | None = None) -> list[Sentence]:
    """Split text into citable units with offsets; paragraphs are separated by blank lines."""
    analysis = analysis or analyse(text)
    units: list[Sentence] = []
    merged: list[tuple[int, int]] = []
    for s, e in analysis.sentences:
        bullet = _BULLET_RE.match(text, s)
        if bullet and bullet.end() < e:
            s = bullet.end()
        if merged:
            ps, pe = merged[-1]
            same_paragraph = "\n\n" not in text[pe:s]
            if same_paragraph and _quote_open(text[ps:pe]) and len(text[ps:e].split()) <= MAX_UNIT_WORDS:
                merged[-1] = (ps, e)
                continue
        merged.append((s, e))
    for s, e in merged:
        piece = text[s:e]
        words = len(piece.split())
        citable = words >= 4 and (piece.rstrip().endswith(_TERMINAL) or words >= 15)
        units.append(Sentence(s, e, citable))
    return units


def chunk_text(text: str, published: str | None = None) -> list[Chunk]:
    """Pack sentences into passages of at most ~MAX_PASSAGE_WORDS words; a heading starts a new one once the
    passage is MIN_PASSAGE_WORDS long. Each passage carries the entities inside it (relative dates resolved against `published`)."""
    analysis = analyse(text, published)
    chunks = _pack(text, split_sentences(text, analysis))
    ents = sorted(analysis.entities, key=lambda e: e.start)
    out, i = [], 0
    for chunk in chunks:
        while i < len(ents) and ents[i].start < chunk.start:
            i += 1
        j = i
        while j < len(ents) and ents[j].start < chunk.end:
            j += 1
        out.append(Chunk(chunk.start, chunk.end, chunk.sentences, tuple(ents[i:j])))
        i = j
    return out


def _pack(text: str, sentences: list[Sentence]) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[Sentence] = []
    words = cited = 0
    for sent in sentences:
        n = len(text[sent.start : sent.end].split())
        starts_section = not sent.citable and len(current) >= 2 and (
            cited >= MIN_PASSAGE_WORDS or (n >= HEADING_WORDS and words >= MIN_PASSAGE_WORDS))
        if current and (words + n > MAX_PASSAGE_WORDS or starts_section):
            chunks.append(Chunk(current[0].start, current[-1].end, tuple(current)))
            current, words, cited = [], 0, 0
        current.append(sent)
        words += n
        cited += n if sent.citable else 0
    if current:
        chunks.append(Chunk(current[0].start, current[-1].end, tuple(current)))
    return chunks


def heading(title: str | None) -> str:
    """What the lexical index reads before each passage: its article's headline, on a line of its own.

    News questions name the story ("the Supreme Court ruling on ...") more often than the sentence that answers;
    the headline carries the story into every passage (the dense side: models.with_headlines). Only the indexes
    see it: quoted text and offsets do not."""
    title = " ".join((title or "").split())
    if not title:
        return ""
    return (title if title.endswith((".", "?", "!", ":")) else title + ".") + "\n"

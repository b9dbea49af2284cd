"""Reproducible synthetic news corpora for the benchmarks: `python benchmarks/corpus.py 10k`.

Sentences come from the bundled seeds and the eval corpus (real news prose, ~160 sentences). Each
generated sentence is one of them with most names (90%) and half its other content words swapped for
words drawn from the embedder's own English vocabulary (~21k words, shipped in `assistant/tokenizer/`)
with a Zipf distribution, so the vocabulary grows the way a news archive's does, the seeds' topic
words stay common without being in every passage (the eval questions' terms occur in a median 2.4%
of passages, 9% at p90: `query_term_df` in results.json), and BM25 posting lists and the HNSW graph see realistic variety. A fixed
seed makes every run produce the same files.
Articles are plain-text files (headline, dateline, paragraphs, the odd subheading), 500 per folder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path

import numpy as np

from assistant.chunk import split_sentences
from assistant.ingest import Article, read_articles
from assistant.lexical import STOPWORDS
from assistant.settings import EVALS_DIR, PROJECT_ROOT, SEEDS_DIR

CORPORA_DIR = Path(__file__).resolve().parent / ".corpora"
TOKENIZER = PROJECT_ROOT / "assistant" / "tokenizer" / "tokenizer.json"
SEED = 20260221
SENTENCES_PER_ARTICLE = (26, 44)  # ~1,000 words: ~10 passages of at most 110 words
SWAP_NAMES, SWAP_WORDS = 0.9, 0.5  # how often a capitalised word, and any other content word, is swapped
ZIPF_OFFSET = 30  # the commonest content word makes ~0.5% of content words, as in English news
VERSION = 2  # of the generator: a corpus written by another version is written again
PER_FOLDER = 500
# Articles per named size; the passage counts these give are measured, not assumed (results.json).
SIZES = {"1k": 100, "10k": 1_000, "100k": 10_000}
CITIES = ["Washington", "London", "Nairobi", "Lima", "Oslo", "Manila", "Cairo", "Toronto", "Port Alder", "Geneva"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z]+")


def _sentence_pool() -> list[str]:
    pool = []
    for article in read_articles([SEEDS_DIR, EVALS_DIR / "corpus_harbor"]):
        if isinstance(article, Article):
            pool += [article.text[s.start : s.end] for s in split_sentences(article.text)
                     if s.citable and "\n" not in article.text[s.start : s.end]]
    return pool


def _vocabulary() -> list[str]:
    vocab = json.loads(TOKENIZER.read_text())["model"]["vocab"]
    # WordPiece ids run roughly from frequent to rare, which gives the Zipf ranks their order.
    return [w for w, _ in sorted(vocab.items(), key=lambda kv: kv[1])
            if w.isalpha() and w.islower() and len(w) >= 3 and w not in STOPWORDS]


class Generator:
    """Makes articles from recombined, reworded seed sentences; the same seed gives the same articles."""

    def __init__(self, seed: int = SEED):
        self.pool = _sentence_pool()
        self.vocab = _vocabulary()
        self.rng = random.Random(seed)
        ranks = np.arange(1, len(self.vocab) + 1)
        self.weights = list(np.cumsum(1.0 / (ranks + ZIPF_OFFSET)))

    def _word(self) -> str:
        return self.rng.choices(self.vocab, cum_weights=self.weights)[0]

    def _swap(self, match: re.Match) -> str:
        word = match.group()
        if word.lower() in STOPWORDS or self.rng.random() > (SWAP_NAMES if word[0].isupper() else SWAP_WORDS):
            return word
        new = self._word()
        return new.capitalize() if word[0].isupper() else new

    def sentence(self) -> str:
        return _WORD_RE.sub(self._swap, self.rng.choice(self.pool))

    def article(self, n: int) -> str:
        rng = self.rng
        words = re.sub(r"[^\w\s'-]", "", self.sentence()).split()
        headline = " ".join(w.capitalize() for w in words[: rng.randint(6, 11)])
        lines = [headline, f"{rng.choice(CITIES)}, {rng.choice(MONTHS)} {rng.randint(1, 28)}", ""]
        remaining = rng.randint(*SENTENCES_PER_ARTICLE)
        while remaining > 0:
            if rng.random() < 0.12:
                lines += [" ".join(w.capitalize() for w in (self._word(), self._word(), self._word())), ""]
            k = min(remaining, rng.randint(2, 5))
            lines += [" ".join(self.sentence() for _ in range(k)), ""]
            remaining -= k
        return "\n".join(lines)


def build(name: str, articles: int, root: Path = CORPORA_DIR, seed: int = SEED) -> Path:
    """Write `articles` generated articles under root/name (skipped when already complete); return the folder."""
    folder = root / name
    done = folder / ".complete"
    stamp = f"{articles} {seed} v{VERSION}"
    if done.exists() and done.read_text() == stamp:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    generator = Generator(seed)
    for i in range(articles):
        path = folder / f"{i // PER_FOLDER:03d}" / f"{name}-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generator.article(i), encoding="utf-8")
    done.write_text(stamp)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    for name in args.sizes:
        print(build(name, SIZES[name]))


if __name__ == "__main__":
    main()

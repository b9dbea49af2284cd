"""The `Assistant` facade: ingest, search and ask over one store."""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from .answer import Answer, Composer
from .chunk import chunk_text
from .errors import BadQuestion
from .ingest import Article, Failure, iter_files, read_file
from .lexical import STOPWORDS, terms
from .models import SpanEmbedding, build_embedder
from .retrieve import Passage, Retriever
from .settings import SEEDS_DIR, Settings

EMBED_BATCH = 256  # passages embedded and written together: a crash loses at most one batch
READ_AHEAD = 64  # articles read and chunked ahead of the embedder
FOLLOW_UP_WORDS = {"that", "this", "it", "they", "them", "those", "these", "he", "she", "him", "her", "his",
                   "its", "their", "there", "then", "same", "also", "too", "else", "other"}
FOLLOW_UP_STARTS = ("and ", "but ", "what about", "how about", "so ", "then ", "also ")
FOLLOW_UP_MAX_TERMS = 2  # a question with more content terms than this stands on its own, pronouns or not
MODALS = {"must", "should", "would", "could", "will", "can", "may", "might", "shall", "need", "needs", "to"}
_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass
class IngestReport:
    """What an ingest run did; `to_dict` is the `ingest --json` contract."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    passages_written: int = 0
    articles_total: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0  # of `seconds`, spent inside the embedding model
    files_read: int = 0
    vectors_restored: int = 0  # put back into Chroma from the sidecar (the collection had lost them)
    vectors_removed: int = 0  # dropped from Chroma: no article in the sidecar has them

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failed"] = [f.to_dict() for f in self.failed]
        return d


@dataclass
class SearchResult:
    query: str
    results: list[Passage]

    def to_dict(self) -> dict:
        return {"query": self.query, "results": [p.to_dict() for p in self.results]}


class Assistant:
    """Question answering over a store of articles, with verbatim citations."""

    def __init__(self, store: str | Path | None = None, settings: Settings | None = None,
                 embedder: SpanEmbedding | None = None, notice: Callable[[str], None] | None = None):
        from .store import Store

        settings = settings or Settings()
        if store is not None:
            settings = settings.with_(store=Path(store))
        self.settings = settings
        self.embedder = embedder or build_embedder(settings.embedder)
        self.store = Store(settings)
        self.retriever = Retriever(self.store, self.embedder)
        self.composer = Composer(self.store, self.retriever, settings.max_answer_sentences)
        drift = self.store.check()
        if drift.missing:  # e.g. the Chroma server was wiped or rebuilt: the sidecar still has the vectors
            (notice or _stderr)(f"The Chroma collection lacks {len(drift.missing):,} of the store's passages: "
                                f"restoring them from {self.store.path}.")
            # Orphans are left alone here: they may be an ingest in another process, between its two writes.
            self.store.repair(drift, self.embedder.embed_texts, remove_orphans=False)

    # --- ingest --------------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path] | None = None,
               progress: Callable[[IngestReport], None] | None = None) -> IngestReport:
        """Read, chunk, embed and store articles; unchanged ones are skipped, changed ones replaced.

        Files are read one at a time and written in batches of EMBED_BATCH passages, each batch committed
        as it goes, so memory stays flat and a rerun after an interruption picks up where it stopped.
        Three threads share the work: one reads and chunks ahead, this one embeds, one writes the
        previous batch; onnxruntime leaves the GIL while it embeds, so the other two cost little time.
        `progress` gets the running report after each file and each batch.
        """
        started = time.perf_counter()
        report = IngestReport()
        report.vectors_restored, report.vectors_removed = self.store.repair(self.store.check(),
                                                                            self.embedder.embed_texts)
        paths = [Path(p) for p in (paths or [SEEDS_DIR])]
        known = self.store.hashes()
        seen: dict[str, str] = {}
        batch: list[tuple[Article, list]] = []
        pending = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
            writing: Future | None = None
            for item, chunks in _read_ahead(_chunked(paths, known), READ_AHEAD):
                if item is None:  # the end of a file
                    report.files_read += 1
                    if progress:
                        progress(report)
                elif isinstance(item, Failure):
                    report.failed.append(item)
                elif item.doc_id in seen:
                    report.failed.append(Failure(item.path, f"duplicate document id {item.doc_id!r} "
                                                            f"(already read from {seen[item.doc_id]})"))
                else:
                    seen[item.doc_id] = item.path
                    if chunks is None:
                        report.unchanged.append(item.doc_id)
                        continue
                    (report.updated if item.doc_id in known else report.added).append(item.doc_id)
                    batch.append((item, chunks))
                    pending += len(chunks)
                    if pending >= EMBED_BATCH:
                        writing = self._embed_and_write(batch, writer, writing, report)
                        batch, pending = [], 0
                        if progress:
                            progress(report)
            if batch:
                writing = self._embed_and_write(batch, writer, writing, report)
            if writing:
                writing.result()
            if progress:
                progress(report)
        report.articles_total = self.store.article_count()
        report.passages_total = self.store.passage_count()
        report.seconds = round(time.perf_counter() - started, 3)
        report.embed_seconds = round(report.embed_seconds, 3)
        return report

    def _embed_and_write(self, batch: list[tuple[Article, list]], writer: ThreadPoolExecutor,
                         writing: Future | None, report: IngestReport) -> Future:
        """Embed a batch, wait for the previous batch's write, then hand this one to the writer."""
        texts, spans = [], []
        for article, chunks in batch:
            for chunk in chunks:
                texts.append(article.text[chunk.start : chunk.end])
                spans.append([(s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences])
        t = time.perf_counter()
        vectors, sentence_vectors = self.embedder.embed_with_spans(texts, spans) if texts else (np.zeros((0, 384)), [])
        report.embed_seconds += time.perf_counter() - t
        if writing:
            writing.result()  # re-raises a failed write; batches land in order
        report.passages_written += len(texts)
        return writer.submit(self.store.write, batch, vectors, sentence_vectors)

    def ensure_seeded(self, notice: Callable[[str], None] | None = None) -> bool:
        """Ingest the bundled seeds when the store is empty; return True if it did."""
        if self.store.article_count():
            return False
        (notice or _stderr)(
            f"The store at {self.settings.store} is empty: ingesting the bundled articles from {SEEDS_DIR} first."
        )
        self.ingest([SEEDS_DIR])
        return True

    # --- questions -----------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        """Return the question stripped, or raise BadQuestion."""
        if not isinstance(question, str) or not question.strip():
            raise BadQuestion("The question is empty: type a question about the articles.")
        question = question.strip()
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadQuestion(f"The question is {len(question):,} characters long; the limit is {limit:,}. "
                              f"Ask something shorter.")
        return question

    def search(self, query: str, k: int = 10) -> SearchResult:
        """Return the k passages that best match a query."""
        query = self.check_question(query)
        return SearchResult(query, self.retriever.search(query, k=k))

    def ask(self, question: str, history: list | None = None) -> Answer:
        """Answer a question from the articles, citing a verbatim passage for every sentence."""
        question = self.check_question(question)
        query = retrieval_query(question, history)
        passages = self.retriever.search(query, k=self.settings.passages_for_answer)
        evidence = self.retriever.score_sentences(query, passages)
        return self.composer.compose(question, evidence, passages)

    def close(self) -> None:
        self.store.close()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _chunked(paths: list[Path], known: dict[str, str]) -> Iterator[tuple[Article | Failure | None, list | None]]:
    """Yield (article, its chunks) in reading order, chunks None when unchanged; (None, None) ends each file."""
    for path in iter_files(paths):
        for item in [path] if isinstance(path, Failure) else read_file(path):
            changed = isinstance(item, Article) and known.get(item.doc_id) != item.content_hash
            yield item, chunk_text(item.text, item.published) if changed else None
        yield None, None


def _read_ahead(items: Iterator, depth: int) -> Iterator:
    """Yield what `items` yields, produced by a background thread at most `depth` items ahead."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((end, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((end, exc))

    threading.Thread(target=produce, name="ingest-read", daemon=True).start()
    try:
        while True:
            item, error = buffer.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()  # the consumer stopped (done, or an exception): let the producer go


def _previous_questions(history: list | None) -> list[str]:
    """User turns from a history given as Gradio messages, (user, bot) pairs or plain strings."""
    out = []
    for turn in history or []:
        if isinstance(turn, dict):
            content = turn.get("content")
            if isinstance(content, list):  # Gradio 6 hands content over as a list of parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            if turn.get("role") == "user" and isinstance(content, str):
                out.append(content)
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
        elif isinstance(turn, str):
            out.append(turn)
    return out


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous turn: it opens like a continuation, or is too thin to stand alone."""
    q = question.lower().strip()
    tokens = set(q.replace("?", " ").replace(",", " ").split())
    n = len(terms(question))
    return q.startswith(FOLLOW_UP_STARTS) or n <= 1 or (bool(tokens & FOLLOW_UP_WORDS) and n <= FOLLOW_UP_MAX_TERMS)


def _subject(question: str) -> str | None:
    """The first name in a question ("What did Rubio say ..." -> "rubio"): usually whom it is about."""
    for i, word in enumerate(_WORD_RE.findall(question)):
        if i and word[:1].isupper() and word != "I":
            return word.lower()
    return None


def _key_terms(previous: str, question: str) -> list[str]:
    """The previous question's topic words, without its claim's verb ("must include") and, when the
    follow-up names someone else, without its subject: "what did Iran say about that?" after "what did
    Rubio say talks must include?" is about the talks' topics, not about Rubio's demands."""
    old, new = _subject(previous), _subject(question)
    dropped = {old} if old and new and old != new else set()
    out, verb_next = [], False
    for word in _WORD_RE.findall(previous):
        lower = word.lower()
        is_verb, verb_next = verb_next, lower in MODALS
        if not (is_verb or verb_next or lower in STOPWORDS or lower in dropped):
            out.append(word)
    return out


def retrieval_query(question: str, history: list | None) -> str:
    """The text to retrieve with: a follow-up carries the previous question's key terms; a new topic does not."""
    previous = _previous_questions(history)
    if not previous or not is_follow_up(question):
        return question
    context = retrieval_query(previous[-1], previous[:-1])  # a follow-up to a follow-up keeps the thread
    return " ".join([question, *_key_terms(context, question)])

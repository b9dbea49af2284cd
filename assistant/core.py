"""The `Assistant` facade: ingest, search and ask over one store."""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

import numpy as np

from . import language, recency, rerank
from .answer import Answer, Composer
from .chunk import chunk_text
from .errors import AssistantError, BadQuestion, IngestInterrupted, UnknownArticle, is_chroma_failure
from .ids import IdAssigner, origin_of
from .ingest import Article, Failure, iter_files, read_file
from .lexical import STOPWORDS, terms
from .models import DIM, SpanEmbedding, build_embedder, embedder_settings, with_headlines
from .retrieve import Evidence, Passage, Retriever
from .settings import SEEDS_DIR, Settings

if TYPE_CHECKING:
    from .store import ArticleInfo

T = TypeVar("T")

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
    bytes_read: int = 0  # of the files' bytes, those read and (for stored articles) embedded
    articles_stored: int = 0  # added or updated articles whose passages are written
    duplicates: list[dict] = field(default_factory=list)  # {"path", "of"}: the same content, stored once
    renamed: list[dict] = field(default_factory=list)  # {"id", "path", "clashes_with", "other_path"}
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
        self.store.claim_embedder(self.embedder.model_name, embedder_settings())
        reranker = rerank.load(settings.embedder) if settings.rerank and embedder is None else None
        self.retriever = Retriever(self.store, self.embedder, reranker)
        self.composer = Composer(self.store, self.retriever, settings.max_answer_sentences)
        self.recency_weights = recency.load_weights()
        self.notice = notice or _stderr
        self.llm = _llm_answerer(settings, self.store, self.embedder)  # None unless a model is configured
        self._restore()

    def _restore(self) -> None:
        drift = self.store.check()
        if drift.missing:  # e.g. the Chroma server was wiped or rebuilt: the sidecar still has the vectors
            self.notice(f"The Chroma collection lacks {len(drift.missing):,} of the store's passages: "
                        f"restoring them from {self.store.path}.")
            # Orphans are left alone here: they may be an ingest in another process, between its two writes.
            self.store.repair(drift, self.embedder.embed_texts, remove_orphans=False)

    def _recovering(self, work: Callable[[], "T"]) -> "T":
        """Run `work`; when Chroma fails (a server restarted, maybe on an empty path), reconnect, restore the
        collection from the sidecar and run it once more. A server that stays down raises StoreError."""
        try:
            return work()
        except AssistantError:
            raise
        except Exception as exc:
            if not is_chroma_failure(exc):
                raise
        try:
            self.store.reopen()
            self._restore()
            return work()
        except AssistantError:
            raise
        except Exception as exc:
            if is_chroma_failure(exc):
                raise self.store.failure(exc) from exc
            raise

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
        report.vectors_restored, report.vectors_removed = self._recovering(
            lambda: self.store.repair(self.store.check(), self.embedder.embed_texts))
        paths = [Path(p) for p in (paths or [SEEDS_DIR])]
        ids = IdAssigner(self.store.catalog())
        run = _Run(report, progress)
        try:
            with closing(_read_ahead(_chunked(paths, ids), READ_AHEAD)) as items, \
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
                for item, placed, chunks, size in items:
                    if isinstance(item, _FileEnd):
                        report.files_read += 1
                        run.end_file(item.index, item.size)
                        run.tell()
                    elif isinstance(item, Failure):
                        report.failed.append(item)
                    elif placed.status == "duplicate":
                        report.duplicates.append({"path": item.path, "of": placed.duplicate_of})
                    elif placed.status == "unchanged":
                        report.unchanged.append(item.doc_id)
                    else:
                        getattr(report, placed.status).append(item.doc_id)
                        if placed.clashes_with:
                            report.renamed.append({"id": item.doc_id, "path": item.path,
                                                   "clashes_with": placed.clashes_with,
                                                   "other_path": ids.origin(placed.clashes_with)})
                        run.add(item, chunks, ids.origin(item.doc_id), size)
                        if run.pending >= EMBED_BATCH:
                            self._embed_and_write(run, writer)
                if run.batch:
                    self._embed_and_write(run, writer)
                if run.writing:
                    run.writing.result()
                if ids.adopted:
                    self.store.set_origins(ids.adopted)
                run.tell()
        except Exception as exc:
            if is_chroma_failure(exc):  # the server went away part-way: what was written stays written
                raise self.store.failure(exc) from exc
            raise
        except KeyboardInterrupt:
            raise IngestInterrupted(
                f"Interrupted: {report.articles_stored:,} article{'' if report.articles_stored == 1 else 's'} "
                f"stored in this run ({self.store.article_count():,} in the store). Run the same command again "
                f"to continue: stored articles are skipped, nothing is stored twice.") from None
        report.articles_total = self.store.article_count()
        report.passages_total = self.store.passage_count()
        report.seconds = round(time.perf_counter() - started, 3)
        report.embed_seconds = round(report.embed_seconds, 3)
        return report

    def _embed_and_write(self, run: "_Run", writer: ThreadPoolExecutor) -> None:
        """Embed a batch EMBED_BATCH passages at a time, wait for the previous write, hand this one over."""
        texts, titles, spans, files, shares = [], [], [], [], []
        for (article, chunks), (index, size) in zip(run.batch, run.files):
            for chunk in chunks:
                texts.append(article.text[chunk.start : chunk.end])
                titles.append(article.title or "")
                spans.append([(s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences])
                files.append(index)
                shares.append(size * (chunk.end - chunk.start) // max(len(article.text), 1))
        vectors, sentence_vectors = np.zeros((0, DIM), dtype=np.float32), []
        # A long article is embedded in parts of about EMBED_BATCH passages, so its progress shows as it goes.
        parts = max(1, len(texts) // EMBED_BATCH)
        bounds = [len(texts) * i // parts for i in range(parts + 1)]
        for at, to in zip(bounds, bounds[1:]):
            t = time.perf_counter()
            v, sv = self.embedder.embed_with_spans(texts[at:to], spans[at:to])
            v = with_headlines(self.embedder, v, titles[at:to])
            run.report.embed_seconds += time.perf_counter() - t
            vectors, sentence_vectors = np.concatenate([vectors, v]), sentence_vectors + list(sv)
            run.report.passages_written += len(v)
            for index, share in zip(files[at:to], shares[at:to]):
                run.embedded(index, share)
            run.tell()
        if run.writing:
            run.writing.result()  # re-raises a failed write; batches land in order
            run.tell()  # the articles it stored
        batch, origins = run.batch, run.origins
        run.writing = writer.submit(self._write, batch, vectors, sentence_vectors, origins, run.report)
        run.batch, run.files, run.origins, run.pending = [], [], {}, 0

    def _write(self, batch: list[tuple[Article, list]], vectors: np.ndarray, sentence_vectors: list,
               origins: dict[str, str], report: IngestReport) -> None:
        self.store.write(batch, vectors, sentence_vectors, origins)
        report.articles_stored += len(batch)

    def remove(self, doc_id: str) -> ArticleInfo:
        """Remove a stored article (its text, passages and vectors); return what it was."""
        info = self.store.article(doc_id)
        if info is None:
            raise UnknownArticle(f"No article with the id {doc_id!r} is stored: `assistant articles` lists them.")
        self.store.delete_article(doc_id)
        return info

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
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as lone surrogates
            raise BadQuestion("The question has bytes that are not UTF-8 text: type it again, or set the "
                              "terminal's encoding to UTF-8.") from None
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadQuestion(f"The question is {len(question):,} characters long; the limit is {limit:,}. "
                              f"Ask something shorter.")
        return question

    def search(self, query: str, k: int = 10) -> SearchResult:
        """Return the k passages that best match a query."""
        query = self.check_question(query)
        return SearchResult(query, self._recovering(lambda: self.retriever.search(query, k=k)))

    def ask(self, question: str, history: list | None = None, as_of: str | date | None = None,
            use_llm: bool = True, on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer a question from the articles, citing a verbatim passage for every sentence.

        `as_of` (default today) is the day the question is asked from: later articles are not used, and a
        question about now or a named time prefers articles near it (see recency.py). With a model configured
        (and `use_llm`), the model writes the answer and only its verified claims are kept (llm.py);
        `on_token` then gets the model's words as they stream."""
        return self._recovering(lambda: self.read(question, history, as_of, use_llm=use_llm, on_token=on_token)[0])

    def read(self, question: str, history: list | None = None, as_of: str | date | None = None,
             force: bool = False, use_llm: bool = False, on_token: Callable[[str], None] | None = None
             ) -> tuple[Answer, Evidence]:
        """The answer and the evidence it was composed from (`force`: answer whatever the abstention model
        says, for fitting it; see benchmarks/fit_abstention.py)."""
        question = self.check_question(question)
        when = recency.parse_as_of(as_of)
        cues = recency.time_cues(question, when)
        query = retrieval_query(question, history)
        passages = recency.search(self.retriever, query, self.settings.passages_for_answer, when, cues,
                                  self.recency_weights)
        evidence = self.retriever.score_sentences(query, passages)
        recency.rescore(evidence, passages, when, cues, self.recency_weights)
        recency.staleness(evidence, passages, self.store.newest_published(when.isoformat()), cues)

        def extractive() -> Answer:
            composed = self.composer.compose(question, evidence, passages, force=force)
            composed = recency.checked_sources(composed, when)
            return language.noted(recency.date_answer(composed, when, cues), question)

        if self.llm is None or not use_llm:
            return extractive(), evidence
        previous = _previous_questions(history)[-1:] if query != question else []
        return self.llm.answer(question, passages, extractive, previous[0] if previous else None, on_token,
                               evidence), evidence

    def close(self) -> None:
        self.store.close()


def _llm_answerer(settings: Settings, store, embedder):
    from .models import build_llm

    llm = build_llm(settings)
    if llm is None:
        return None
    from .llm import LLMAnswerer

    return LLMAnswerer(llm, store, embedder, settings.llm_timeout, settings.llm_url or settings.llm_provider)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class _FileEnd:
    index: int
    size: int


class _Run:
    """One ingest run's batch in the making, and the bytes of each file counted as done so far.

    A file's bytes count as its passages are embedded; what will not be embedded (an unchanged article, a
    failure, markup) counts when the file's end is read. So the bar never runs ahead of the embedder,
    even while the reader is many files ahead."""

    def __init__(self, report: IngestReport, progress: Callable[[IngestReport], None] | None):
        self.report, self.progress = report, progress
        self.batch: list[tuple[Article, list]] = []
        self.files: list[tuple[int, int]] = []  # the file each batch item came from, and its size
        self.origins: dict[str, str] = {}
        self.pending = 0
        self.writing: Future | None = None
        self.credited: dict[int, int] = {}
        self.sizes: dict[int, int] = {}
        self.waiting: dict[int, int] = {}  # a file's passages not embedded yet
        self.ended: set[int] = set()
        self.index = -1

    def add(self, article: Article, chunks: list, origin: str, size: int) -> None:
        index = self.index + 1  # the file being read: its end marker has not come yet
        self.batch.append((article, chunks))
        self.files.append((index, size))
        self.sizes[index] = size
        self.waiting[index] = self.waiting.get(index, 0) + len(chunks)
        self.origins[article.doc_id] = origin
        self.pending += len(chunks)

    def embedded(self, index: int, share: int) -> None:
        """Count one embedded passage of file `index`, worth `share` bytes (never past the file's size)."""
        self.waiting[index] -= 1
        self._credit(index, share)
        if not self.waiting[index] and index in self.ended:
            self._credit(index, self.sizes[index])  # its last passage: the file is done

    def end_file(self, index: int, size: int) -> None:
        """The reader has finished file `index`: done now unless some of its passages still wait."""
        self.ended.add(index)
        self.index = index
        self.sizes.setdefault(index, size)
        if not self.waiting.get(index):
            self._credit(index, self.sizes[index])

    def _credit(self, index: int, size: int) -> None:
        done = self.credited.get(index, 0)
        add = min(size, self.sizes[index] - done)
        self.credited[index] = done + add
        self.report.bytes_read += add

    def tell(self) -> None:
        if self.progress:
            self.progress(self.report)


def _chunked(paths: list[Path], ids: IdAssigner) -> Iterator[tuple]:
    """Yield (article, its placement, its chunks, its file's size) in reading order, chunks None unless it is
    to be stored; failures as (failure, None, None, 0); each file's end as (_FileEnd, None, None, 0)."""
    for index, path in enumerate(iter_files(paths)):
        origin = "" if isinstance(path, Failure) else origin_of(path)
        size = 0 if isinstance(path, Failure) else _size(path)
        for item in [path] if isinstance(path, Failure) else read_file(path):
            if isinstance(item, Failure):
                yield item, None, None, 0
                continue
            placed = ids.place(item.doc_id, item.content_hash, origin)
            item.doc_id = placed.doc_id
            stored = placed.status in ("added", "updated")
            yield item, placed, chunk_text(item.text, item.published) if stored else None, size
        yield _FileEnd(index, size), None, None, 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


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

    producer = threading.Thread(target=produce, name="ingest-read", daemon=True)
    producer.start()
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
        # ... and wait for it to finish the article in hand: a daemon thread still inside spaCy when Python
        # exits (Ctrl+C) hung or aborted the process now and then.
        producer.join(timeout=60)


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

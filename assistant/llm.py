"""Answers written by a language model: prompt -> model -> claims verified one by one -> Answer, or the fallback.

The model (any LlamaIndex LLM; `models.build_llm` picks the provider) sees the question and the retrieved
passages, each behind its [n] marker. Whatever it writes is verified claim by claim (verify.py): only claims
the passages support reach the answer, cited with the verbatim sentences that support them. When the model
fails (unreachable, an HTTP error, a time-out, empty, garbled or endless output), declines, or none of its
claims survive, the answer is the extractive one, with `fallback` saying why. Nothing here raises past
`LLMAnswerer.answer`: a model failure is a reason, never a traceback.
"""

from __future__ import annotations

import re
import time
from typing import Callable

from .answer import Answer, AnswerSentence, Citation, load_prompt
from .models import SpanEmbedding
from .retrieve import Evidence, Passage
from .store import Store
from .verify import MARKER_RE, Claim, Verifier

MAX_CHARS = 4000  # an answer of a few sentences is far shorter: past this the model is not stopping
_DECLINE_RE = re.compile(r"\b(cannot|can't|can not|unable to) answer|\b(do|does|did) not (say|mention|contain|answer|"
                         r"state)|\bno information\b|\bnot (mentioned|stated) in\b", re.I)


class ModelFailure(Exception):
    """The model gave no usable text; the message is the reason shown to the user."""


def passage_lines(passages: list[Passage]) -> str:
    """One line per passage, `[n] outlet, date: text`; the text cannot close the articles block."""
    lines = []
    for n, p in enumerate(passages, start=1):
        text = " ".join(p.text.split()).replace("<", "‹").replace(">", "›")
        lines.append(f"[{n}] {p.source or 'Unknown outlet'}, {p.published or 'undated'}: {text}")
    return "\n".join(lines)


def build_messages(question: str, passages: list[Passage], previous: str | None = None) -> list:
    """The chat messages for the model: the rules (system), then the passages and the question."""
    from llama_index.core.llms import ChatMessage

    before = load_prompt("previous_turn").format(previous=previous) + "\n\n" if previous else ""
    user = load_prompt("answer").format(previous=before, passages=passage_lines(passages), question=question)
    return [ChatMessage(role="system", content=load_prompt("answer_system")), ChatMessage(role="user", content=user)]


def garbled(text: str) -> bool:
    """Not prose: mostly symbols, broken characters, or a few words repeated over and over."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return False
    letters = sum(ch.isalpha() for ch in visible)
    tokens = text.lower().split()
    return ("\ufffd" in text or letters / len(visible) < 0.5
            or (len(tokens) >= 40 and len(set(tokens)) / len(tokens) < 0.2))


def declines(text: str) -> bool:
    """The model says the passages do not answer (and cites nothing)."""
    return bool(_DECLINE_RE.search(text)) and not MARKER_RE.search(text)


class Writer:
    """Calls the model (streaming when asked) and turns every way it can fail into a ModelFailure."""

    def __init__(self, llm, timeout: float, where: str = ""):
        self.llm, self.timeout, self.where = llm, timeout, where

    def write(self, messages: list, on_token: Callable[[str], None] | None = None) -> str:
        """The model's reply to the messages; `on_token` gets each piece as it streams."""
        deadline = time.monotonic() + self.timeout
        try:
            if on_token is None:
                response = self.llm.chat(messages)
                text = response.message.content or ""
                if _finish_reason(response.raw) == "length" or len(text) > MAX_CHARS:
                    raise ModelFailure("the model wrote on without stopping")
            else:
                parts: list[str] = []
                for chunk in self.llm.stream_chat(messages):
                    delta = chunk.delta or ""
                    parts.append(delta)
                    if delta:
                        on_token(delta)
                    if time.monotonic() > deadline:
                        raise ModelFailure(f"the model did not finish within {self.timeout:g} s")
                    if sum(map(len, parts)) > MAX_CHARS or _finish_reason(chunk.raw) == "length":
                        raise ModelFailure("the model wrote on without stopping")
                text = "".join(parts)
        except ModelFailure:
            raise
        except Exception as exc:  # the client libraries raise many kinds; each becomes a plain reason
            raise ModelFailure(self._reason(exc)) from exc
        if not text.strip():
            raise ModelFailure("the model's reply was empty")
        if garbled(text):
            raise ModelFailure("the model's reply was garbled")
        return text

    def _reason(self, exc: BaseException) -> str:
        name = type(exc).__name__
        status = getattr(exc, "status_code", None)
        if "Timeout" in name or isinstance(exc, TimeoutError):
            return f"the model did not answer within {self.timeout:g} s"
        if status:
            return f"the model server answered HTTP {status}"
        if "Connect" in name or isinstance(exc, ConnectionError):
            return f"the model server{' at ' + self.where if self.where else ''} is unreachable"
        return f"the model call failed ({name})"


def _finish_reason(raw) -> str | None:
    try:
        if isinstance(raw, dict):
            return raw.get("done_reason") or (raw.get("choices") or [{}])[0].get("finish_reason")
        return raw.choices[0].finish_reason
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


class LLMAnswerer:
    """Writes an answer with the model, keeps only verified claims, or falls back to the extractive answer."""

    def __init__(self, llm, store: Store, embedder: SpanEmbedding, timeout: float = 60.0, where: str = "",
                 verifier: Verifier | None = None):
        self.store = store
        self.writer = Writer(llm, timeout, where)
        self.verifier = verifier or Verifier(store, embedder)
        self.timings: dict[str, float] = {}  # of the last answer: model and verification seconds

    def answer(self, question: str, passages: list[Passage], extractive: Callable[[], Answer],
               previous: str | None = None, on_token: Callable[[str], None] | None = None,
               evidence: Evidence | None = None) -> Answer:
        """Answer with the model, verified; the extractive answer (with `fallback` saying why) otherwise. Given
        the question's `evidence` (its scored sentences), a claim that answers the question must be supported by
        a sentence that answers it."""
        self.timings = {"model": 0.0, "verify": 0.0}
        if not passages:
            return _fallback(extractive(), "no article passage to write from")
        t = time.perf_counter()
        try:
            text = self.writer.write(build_messages(question, passages, previous), on_token)
        except ModelFailure as failure:
            self.timings["model"] = time.perf_counter() - t
            return _fallback(extractive(), str(failure))
        self.timings["model"] = time.perf_counter() - t
        if declines(text):
            return _fallback(extractive(), "the model found no answer in the articles")
        t = time.perf_counter()
        claims = self.verifier.verify(text, passages, question, evidence.hits, evidence.asked.labels) \
            if evidence is not None else self.verifier.verify(text, passages)
        self.timings["verify"] = time.perf_counter() - t
        dropped = [{"text": c.text, "reason": c.reason} for c in claims if c.status == "dropped"]
        kept = [c for c in claims if c.status != "dropped"]
        if not kept:
            return _fallback(extractive(), "nothing the model wrote could be verified", dropped)
        return self.compose(question, kept, dropped)

    def compose(self, question: str, kept: list[Claim], dropped: list[dict]) -> Answer:
        """The verified claims as an Answer: each sentence cites the sentences that support it."""
        citations: list[Citation] = []
        numbered: dict[tuple[str, int, int], int] = {}
        sentences, parts = [], []
        for claim in kept:
            marks = []
            for doc_id, start, end in claim.support:
                key = (doc_id, start, end)
                if key not in numbered:
                    info = self.store.article(doc_id)
                    numbered[key] = len(citations) + 1
                    citations.append(Citation(numbered[key], doc_id, info.title, info.source, info.url,
                                              info.published, self.store.article_text(doc_id)[start:end],
                                              start, end))
                if numbered[key] not in marks:
                    marks.append(numbered[key])
            sentences.append(AnswerSentence(claim.text, marks))
            parts.append(claim.text + " " + "".join(f"[{n}]" for n in marks))
        confidence = sum(c.score for c in kept) / len(kept)
        return Answer(question, " ".join(parts), False, citations, sentences, confidence, mode="llm",
                      dropped=dropped)


def _fallback(answer: Answer, reason: str, dropped: list[dict] | None = None) -> Answer:
    answer.fallback = reason
    answer.dropped = dropped or []
    return answer

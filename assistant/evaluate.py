"""Evaluation: ask a question set over a fresh store and score retrieval, answers, citations and abstention.

A set (evals/*.yaml) gives, for each question, the fact groups a right answer contains and the articles it
should come from; unanswerable questions have neither. `run_eval` ingests the set's corpus into a temporary
store, asks every question, and returns an `EvalReport` whose metrics are gated by evals/thresholds.yaml.
The definitions of "pass" and of every metric are in evals/README.md; keep the two in step.
"""

from __future__ import annotations

import math
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml
from llama_index.core.evaluation.retrieval.metrics import MRR, HitRate

from .errors import AssistantError, StoreError
from .settings import EVALS_DIR, SEEDS_DIR, Settings

DEFAULT_SET = EVALS_DIR / "rubio.yaml"
THRESHOLDS_FILE = EVALS_DIR / "thresholds.yaml"
RETRIEVAL_DEPTH = 10  # passages fetched with `search` for the article-level retrieval metrics
LABELS = {  # gateable metrics (all "higher is better") and how the table names them
    "hit_at_1": "retrieval hit@1",
    "hit_at_5": "retrieval hit@5",
    "mrr_at_10": "retrieval MRR@10",
    "fact_recall": "answer fact recall",
    "citation_validity": "citation validity",
    "citation_support": "citation support",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
}
QUOTE_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


class EvalError(AssistantError):
    """An eval set or thresholds file is malformed, or its corpus does not ingest cleanly."""


# --- eval sets ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    type: str
    facts: tuple[tuple[str, ...], ...]
    articles: tuple[str, ...]
    notes: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.articles)


@dataclass(frozen=True)
class EvalSet:
    name: str
    corpus: Path
    questions: tuple[EvalQuestion, ...]


def load_set(path: str | Path, corpus: str | Path | None = None) -> EvalSet:
    """Read and check an eval set; `corpus` overrides the set's own corpus folder."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalError(f"Cannot read the eval set {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise EvalError(f"{path} is not an eval set: it needs a non-empty `questions:` list (see evals/README.md).")
    if corpus is None:
        name = data.get("corpus")
        if not isinstance(name, str) or not name:
            raise EvalError(f"{path} names no `corpus:`: give `seeds` or a folder relative to {path.parent}.")
        corpus = SEEDS_DIR if name == "seeds" else path.parent / name
    corpus = Path(corpus)
    if not corpus.exists():
        raise EvalError(f"The corpus {corpus} of {path} does not exist: check `corpus:` or pass --corpus.")
    questions, seen = [], set()
    for n, raw in enumerate(data["questions"], start=1):
        q = _question(raw, f"{path}, question {n}")
        if q.id in seen:
            raise EvalError(f"{path}: the question id {q.id!r} is used twice; ids must be unique.")
        seen.add(q.id)
        questions.append(q)
    return EvalSet(str(data.get("name") or path.stem), corpus, tuple(questions))


def _question(raw: object, where: str) -> EvalQuestion:
    if not isinstance(raw, dict):
        raise EvalError(f"{where}: expected a mapping with id, question, type, facts, articles.")
    qid, text = raw.get("id"), raw.get("question")
    if not isinstance(qid, str) or not qid or not isinstance(text, str) or not text.strip():
        raise EvalError(f"{where}: `id` and `question` must be non-empty strings.")
    facts, articles = raw.get("facts") or [], raw.get("articles") or []
    if not all(isinstance(g, list) and g and all(isinstance(p, str) and p.strip() for p in g) for g in facts):
        raise EvalError(f"{where} ({qid}): `facts` must be a list of non-empty lists of phrasings.")
    if not all(isinstance(a, str) and a for a in articles):
        raise EvalError(f"{where} ({qid}): `articles` must be a list of document ids.")
    kind = str(raw.get("type") or "")
    if (kind == "unanswerable") != (not facts and not articles) or bool(facts) != bool(articles):
        raise EvalError(f"{where} ({qid}): an unanswerable question has no facts and no articles; "
                        f"any other question needs both.")
    return EvalQuestion(qid, text.strip(), kind, tuple(tuple(g) for g in facts), tuple(articles),
                        str(raw.get("notes") or ""))


def load_thresholds(set_name: str, path: str | Path = THRESHOLDS_FILE) -> dict[str, float]:
    """Minimums for a set: the file's `default` section overlaid with the set's own section."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EvalError(f"Cannot read the thresholds file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EvalError(f"{path}: expected sections (`default:`, one per set) of `metric: minimum`.")
    for section, values in data.items():
        # A misspelt metric would silently drop its gate, so every section is checked, used or not.
        for metric, minimum in (values or {}).items() if isinstance(values, dict) else [(None, None)]:
            if metric not in LABELS or isinstance(minimum, bool) or not isinstance(minimum, (int, float)) \
                    or not 0 <= minimum <= 1:
                raise EvalError(f"{path}, section {section!r}: {metric!r}: {minimum!r} is not a known metric with "
                                f"a minimum between 0 and 1 (metrics: {', '.join(LABELS)}).")
    return {k: float(v) for k, v in {**(data.get("default") or {}), **(data.get(set_name) or {})}.items()}


# --- metric functions --------------------------------------------------------------------------------
def article_ranking(doc_ids: Iterable[str]) -> list[str]:
    """Collapse ranked passage doc ids to ranked articles: each article at its first passage's rank."""
    return list(dict.fromkeys(doc_ids))


def hit_at(ranking: list[str], expected: Iterable[str], k: int) -> float:
    """1.0 when an expected article is among the first k of the ranking, else 0.0."""
    if not ranking[:k]:
        return 0.0  # LlamaIndex's metric refuses an empty retrieval; it is simply a miss
    return HitRate().compute(expected_ids=list(expected), retrieved_ids=ranking[:k]).score


def reciprocal_rank(ranking: list[str], expected: Iterable[str], k: int = RETRIEVAL_DEPTH) -> float:
    """1 / rank of the first expected article within the first k, or 0.0."""
    if not ranking[:k]:
        return 0.0
    return MRR().compute(expected_ids=list(expected), retrieved_ids=ranking[:k]).score


def normalise(text: str) -> str:
    """Casefold, straighten typographic quotes and collapse whitespace, for fact matching."""
    return " ".join(text.translate(QUOTE_FOLD).casefold().split())


def facts_found(answer: str, facts: Iterable[Iterable[str]]) -> list[bool]:
    """For each fact group: does any of its phrasings occur in the answer (case-insensitive substring)?"""
    text = normalise(answer)
    return [any(normalise(p) in text for p in group) for group in facts]


def quote_is_verbatim(quote: str, text: str, start: int, end: int) -> bool:
    """True when the quote is exactly the article text at [start:end]."""
    return 0 <= start < end <= len(text) and text[start:end] == quote


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to count."""
    return part / whole if whole else None


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank q-th percentile (0 < q <= 100), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --- results -----------------------------------------------------------------------------------------
@dataclass
class CitationCheck:
    n: int
    doc_id: str
    start: int
    end: int
    valid: bool  # the quote is the stored article text at [start:end]
    expected: bool  # the cited article is one the question expects


@dataclass
class QuestionResult:
    """One question's outcome; `failures()` says why it did not pass (empty when it did)."""

    id: str
    question: str
    type: str
    expected_articles: list[str]
    facts: list[list[str]]
    answer: str
    abstained: bool
    found: list[bool] = field(default_factory=list)
    citations: list[CitationCheck] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)
    confidence: float = 0.0
    latency: float = 0.0  # seconds spent in `ask`

    @property
    def answerable(self) -> bool:
        return bool(self.expected_articles)

    @property
    def first_expected_rank(self) -> int | None:
        return next((i for i, d in enumerate(self.ranking, 1) if d in self.expected_articles), None)

    def failures(self) -> list[str]:
        """Why this question fails, per the definition in evals/README.md."""
        if not self.answerable:
            if not self.abstained:
                return ["answered an unanswerable question instead of abstaining"]
            return [f"abstained but gave {len(self.citations)} citation(s)"] if self.citations else []
        if self.abstained:
            return [f"abstained on an answerable question (confidence {self.confidence:.3f})"]
        out = [f"missing fact: {' | '.join(repr(p) for p in group)}"
               for group, ok in zip(self.facts, self.found) if not ok]
        out += [f"invalid citation [{c.n}]: quote is not {c.doc_id}[{c.start}:{c.end}]"
                for c in self.citations if not c.valid]
        if not any(c.expected for c in self.citations):
            cited = sorted({c.doc_id for c in self.citations})
            out.append(f"no citation from an expected article ({', '.join(self.expected_articles)}); "
                       f"cited: {', '.join(cited) or 'nothing'}")
        return out

    @property
    def passed(self) -> bool:
        return not self.failures()

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(answerable=self.answerable, passed=self.passed, reasons=self.failures(),
                 first_expected_rank=self.first_expected_rank, latency=round(self.latency, 4),
                 confidence=round(self.confidence, 4))
        return d


def compute_metrics(results: list[QuestionResult]) -> tuple[dict[str, float | None], dict[str, list[int]]]:
    """Return {metric: value or None when it has nothing to count} and {metric: [numerator, denominator]}."""
    answerable = [r for r in results if r.answerable]
    citations = [c for r in results for c in r.citations]
    answer_citations = [c for r in answerable for c in r.citations]
    abstained = [r for r in results if r.abstained]
    correct_abstentions = sum(1 for r in abstained if not r.answerable)
    unanswerable = len(results) - len(answerable)
    counts = {
        "hit_at_1": [sum(int(hit_at(r.ranking, r.expected_articles, 1)) for r in answerable), len(answerable)],
        "hit_at_5": [sum(int(hit_at(r.ranking, r.expected_articles, 5)) for r in answerable), len(answerable)],
        "fact_recall": [sum(sum(r.found) for r in answerable), sum(len(r.facts) for r in answerable)],
        "citation_validity": [sum(c.valid for c in citations), len(citations)],
        "citation_support": [sum(c.expected for c in answer_citations), len(answer_citations)],
        "abstention_precision": [correct_abstentions, len(abstained)],
        "abstention_recall": [correct_abstentions, unanswerable],
    }
    metrics: dict[str, float | None] = {name: share(*counts[name]) for name in counts}
    metrics["mrr_at_10"] = (sum(reciprocal_rank(r.ranking, r.expected_articles) for r in answerable)
                            / len(answerable)) if answerable else None
    latencies = [r.latency for r in results]
    metrics["latency_p50"], metrics["latency_p95"] = percentile(latencies, 50), percentile(latencies, 95)
    return {k: metrics[k] for k in [*LABELS, "latency_p50", "latency_p95"]}, counts


@dataclass
class EvalReport:
    """A set's per-question results, metrics and gate verdict; `to_dict` is the `eval --json` contract."""

    name: str
    corpus: str
    results: list[QuestionResult]
    thresholds: dict[str, float]
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.metrics, self.counts = compute_metrics(self.results)

    @property
    def gate_failures(self) -> list[dict]:
        """Metrics below their minimum. A metric with nothing to count (None) is not gated."""
        return [{"metric": name, "value": round(self.metrics[name], 4), "threshold": minimum}
                for name, minimum in self.thresholds.items()
                if self.metrics[name] is not None and round(self.metrics[name], 6) < minimum]

    @property
    def passed(self) -> bool:
        return not self.gate_failures

    def to_dict(self) -> dict:
        answerable = sum(r.answerable for r in self.results)
        return {
            "set": self.name, "corpus": self.corpus, "passed": self.passed,
            "questions": len(self.results), "answerable": answerable, "unanswerable": len(self.results) - answerable,
            "questions_passed": sum(r.passed for r in self.results),
            "metrics": {k: None if v is None else round(v, 4) for k, v in self.metrics.items()},
            "counts": self.counts, "thresholds": self.thresholds, "gate_failures": self.gate_failures,
            "seconds": round(self.seconds, 2), "results": [r.to_dict() for r in self.results],
        }

    def render_table(self) -> str:
        """The human report: one row per question (with reasons under failures), then metrics and verdict."""
        answerable = sum(r.answerable for r in self.results)
        width = max([len(r.id) for r in self.results] + [8])
        lines = [f"Eval set {self.name!r} over {self.corpus}: {len(self.results)} questions ({answerable} answerable, "
                 f"{len(self.results) - answerable} unanswerable), {sum(r.passed for r in self.results)} passed, "
                 f"{self.seconds:.1f}s", "",
                 f"{'question':<{width}}  {'type':<13} {'rank':>4}  result"]
        for r in self.results:
            rank = "" if not r.answerable else (r.first_expected_rank or "-")
            lines.append(f"{r.id:<{width}}  {r.type:<13} {rank!s:>4}  {'pass' if r.passed else 'FAIL'}")
            if not r.passed:
                lines += [f"    - {reason}" for reason in r.failures()]
                excerpt = " ".join(r.answer.split())
                lines.append(f"    answer: \"{excerpt[:240]}{'…' if len(excerpt) > 240 else ''}\"")
        lines += ["", f"{'metric':<22} {'value':>6} {'count':>9}  threshold"]
        for name, label in LABELS.items():
            value, minimum = self.metrics[name], self.thresholds.get(name)
            count = "/".join(map(str, self.counts[name])) if name in self.counts else ""
            verdict = "" if minimum is None else f">= {minimum:.2f}  " + (
                "n/a" if value is None else "BELOW" if any(f["metric"] == name for f in self.gate_failures) else "ok")
            lines.append(f"{label:<22} {'n/a' if value is None else f'{value:.3f}':>6} {count:>9}  {verdict}")
        for name in ("latency_p50", "latency_p95"):
            value = self.metrics[name]
            shown = "n/a" if value is None else f"{value * 1000:.0f} ms"
            lines.append(f"{'answer ' + name.replace('_', ' '):<22} {shown:>6}")
        failing = "; ".join(f"{LABELS[f['metric']]} {f['value']:.3f} < {f['threshold']:.2f}"
                            for f in self.gate_failures)
        lines += ["", f"Gate: {'PASSED' if self.passed else 'FAILED: ' + failing}"]
        return "\n".join(lines)


# --- running -----------------------------------------------------------------------------------------
def run_eval(eval_set: EvalSet, assistant=None, *, settings: Settings | None = None,
             thresholds: dict[str, float] | None = None,
             progress: Callable[[QuestionResult], None] | None = None) -> EvalReport:
    """Ingest the set's corpus (into a temporary store unless an Assistant is given), ask every question, score."""
    started = time.perf_counter()
    thresholds = load_thresholds(eval_set.name) if thresholds is None else thresholds
    with ExitStack() as stack:
        if assistant is None:
            from .core import Assistant

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-eval-",
                                                                          ignore_cleanup_errors=True)))
            # Always an embedded store of its own: an eval must never write into a shared Chroma server.
            assistant = Assistant(settings=(settings or Settings()).with_(store=folder / "store", chroma_url=None))
            stack.callback(assistant.close)
        ingest = assistant.ingest([eval_set.corpus])
        if ingest.failed:
            raise EvalError(f"The corpus {eval_set.corpus} did not ingest cleanly: "
                            + "; ".join(f"{f.source}: {f.reason}" for f in ingest.failed))
        known = {a.doc_id for a in assistant.store.articles()}
        for q in eval_set.questions:
            if missing := [a for a in q.articles if a not in known]:
                raise EvalError(f"Question {q.id!r} expects article(s) {', '.join(missing)}, which the corpus "
                                f"{eval_set.corpus} does not contain: fix the set's `articles:` ids.")
        results = []
        for q in eval_set.questions:
            results.append(ask_one(assistant, q))
            if progress:
                progress(results[-1])
    return EvalReport(eval_set.name, _shown(eval_set.corpus), results, thresholds, time.perf_counter() - started)


def ask_one(assistant, q: EvalQuestion) -> QuestionResult:
    """Retrieve and answer one question, checking every citation against the stored article text."""
    ranking = article_ranking(p.doc_id for p in assistant.search(q.question, k=RETRIEVAL_DEPTH).results)
    started = time.perf_counter()
    answer = assistant.ask(q.question)
    latency = time.perf_counter() - started
    checks = [CitationCheck(c.n, c.doc_id, c.start, c.end, citation_is_verbatim(assistant.store, c),
                            c.doc_id in q.articles) for c in answer.citations]
    # An abstention answers nothing, whatever words its message happens to share with a fact.
    found = [False] * len(q.facts) if answer.abstained else facts_found(answer.answer, q.facts)
    return QuestionResult(q.id, q.question, q.type, list(q.articles), [list(g) for g in q.facts], answer.answer,
                          answer.abstained, found, checks, ranking, answer.confidence, latency)


def citation_is_verbatim(store, citation) -> bool:
    """True when a citation's quote is the stored article text at its offsets."""
    try:
        text = store.article_text(citation.doc_id)
    except StoreError:
        return False
    return quote_is_verbatim(citation.quote, text, citation.start, citation.end)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- baseline ratchet ----------------------------------------------------------------------------------
BASELINE_FILE = EVALS_DIR / "baseline.json"


def baseline_entry(report: EvalReport) -> dict:
    """What a run records in evals/baseline.json: gated metrics with their counts."""
    return {"metrics": {k: None if v is None else round(v, 4) for k, v in report.metrics.items() if k in LABELS},
            "counts": report.counts}


def regressions(report: EvalReport, baseline: dict) -> list[str]:
    """Metrics that fell below the recorded baseline by more than one question's worth (machine noise)."""
    out = []
    for name, before in baseline["metrics"].items():
        now = report.metrics.get(name)
        if before is None or now is None:
            continue
        whole = report.counts.get(name, [0, 0])[1] or len(report.results)
        if now < before - 1.0 / whole - 1e-9:
            out.append(f"{LABELS[name]}: {now:.3f} < baseline {before:.3f}")
    if report.metrics["citation_validity"] not in (None, 1.0):
        out.append(f"citation validity {report.metrics['citation_validity']:.3f}: every quote must be verbatim")
    return out

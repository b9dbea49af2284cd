"""Replays of written model replies through the real pipeline: how many planted errors verification catches.

A replay file (evals/planted.yaml is one) lists sets of a corpus and replies: per question, the claims a model
wrote, each `[kind, text, snippet]`, kind `ok` for a correct claim and an error kind for a planted error. The
reply is served to a real Assistant (embedder, Chroma, retrieval, verification) over the set's corpus, each claim
on its own line with the [n] of the first passage in the prompt holding its snippet (for `wrong_cite`, of one
that does not). Reported per kind: caught (dropped, or re-cited to a passage holding it) and, for correct claims,
false drops; `passed` holds the report to the issue's targets (catch >= 0.95, false drops <= 0.05).
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator

import yaml

from .errors import AssistantError
from .settings import SEEDS_DIR, Settings

ERROR_KINDS = ("number", "name", "negation", "invented", "wrong_cite", "quote", "injection")
CATCH, FALSE_DROPS = 0.95, 0.05  # the targets
_PASSAGE_RE = re.compile(r"^\[(\d+)\] [^:\n]*?: (.*)$", re.M)
_QUESTION_RE = re.compile(r"^Question: (.*)$", re.M)

Script = Callable[[str], str]  # the prompt's text -> the model's reply


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def question_in(prompt: str) -> str:
    """The question in a prompt (its 'Question:' line)."""
    found = _QUESTION_RE.findall(prompt)
    return found[-1].strip() if found else prompt


def scripted_reply(replies: dict[str, list]) -> Script:
    """The replayed model: reads the passages in the prompt and writes the reply's claims with matching markers."""

    def script(prompt: str) -> str:
        passages = {int(n): _norm(text) for n, text in _PASSAGE_RE.findall(prompt)}
        lines = []
        for kind, text, snippet in replies[question_in(prompt)]:
            holding = [n for n, t in passages.items() if _norm(snippet) in t]
            if kind == "wrong_cite":
                others = [n for n in passages if n not in holding]
                n = others[0] if others else 1
            else:
                n = holding[0] if holding else 1
            lines.append(f"{text} [{n}]")
        return "\n".join(lines)

    return script


@contextmanager
def replay_model(script: Script) -> Iterator[Any]:
    """A LlamaIndex LLM that answers every prompt with `script(prompt)`: written replies, no model server."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class ReplayLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name="replay", is_chat_model=False)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            return CompletionResponse(text=script(prompt))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
            text = script(prompt)
            yield CompletionResponse(text=text, delta=text)

    yield ReplayLLM()


def _outcomes(claims: list, answer) -> list[tuple[str, str, str]]:
    """(kind, text, outcome) per planted claim: kept | corrected | dropped, walking kept and dropped in order."""
    kept = [(s.text, [answer.citations[n - 1] for n in s.citations]) for s in answer.sentences] \
        if answer.mode == "llm" else []
    dropped = [d["text"] for d in answer.dropped]
    out = []
    for kind, text, snippet in claims:
        if kept and kept[0][0] == text:
            _, cites = kept.pop(0)
            holds = any(_norm(snippet) in _norm(c.quote) for c in cites)
            out.append((kind, text, "corrected" if kind == "wrong_cite" and holds else "kept"))
        elif dropped and dropped[0] == text:
            dropped.pop(0)
            out.append((kind, text, "dropped"))
        else:  # the model's answer fell back before verification, or the claim was split differently
            out.append((kind, text, "dropped" if answer.mode != "llm" else "lost"))
    return out


def load(path: Path) -> dict:
    """A replay file, checked: sets with a corpus and replies of [kind, text, snippet] claims."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AssistantError(f"Cannot read the replay file {path}: {exc}") from exc
    sets = spec.get("sets") if isinstance(spec, dict) else None
    if not sets:
        raise AssistantError(f"{path} has no `sets:`: see evals/planted.yaml for the format.")
    for group in sets:
        for reply in group.get("replies", []):
            for claim in reply.get("claims") or []:
                if not (isinstance(claim, list) and len(claim) == 3 and claim[0] in ("ok", *ERROR_KINDS)):
                    raise AssistantError(f"{path}: a claim must be [kind, text, snippet] with kind ok or one of "
                                         f"{', '.join(ERROR_KINDS)}; got {claim!r}.")
    return spec


def _corpus(name: str, base: Path) -> Path:
    path = SEEDS_DIR if name == "seeds" else base / name
    if not path.exists():
        raise AssistantError(f"The replay file's corpus {name!r} is not at {path}.")
    return path


def run(path: Path, settings: Settings | None = None, store_root: Path | None = None,
        connect: Callable[[Script], ContextManager[Any]] = replay_model,
        progress: Callable[[str], None] | None = None) -> dict:
    """Replay a file; return counts per kind, the catch and false-drop rates, and every miss. `connect(script)`
    gives the LLM that serves the replies (default: replayed in process; the planted gate uses a real HTTP
    server)."""
    from .core import Assistant
    from .llm import LLMAnswerer

    path = Path(path)
    spec = load(path)
    settings = settings or Settings()
    counts: dict[str, Counter] = defaultdict(Counter)
    misses, bad_quotes, timings = [], 0, []
    with tempfile.TemporaryDirectory(dir=store_root) as tmp:
        for i, group in enumerate(spec["sets"]):
            replies = {r["q"]: r["claims"] for r in group["replies"]}
            with connect(scripted_reply(replies)) as llm:
                assistant = Assistant(settings=settings.with_(store=Path(tmp) / f"s{i}"), notice=lambda m: None)
                assistant.llm = LLMAnswerer(llm, assistant.store, assistant.embedder, timeout=30, where="replay")
                extra = [_corpus(group["extra"], path.parent)] if group.get("extra") else []
                assistant.ingest([_corpus(group["corpus"], path.parent)] + extra)
                for question, claims in replies.items():
                    answer = assistant.ask(question)
                    timings.append(dict(assistant.llm.timings))
                    for c in answer.citations:
                        bad_quotes += assistant.store.article_text(c.doc_id)[c.start:c.end] != c.quote
                    for kind, text, outcome in _outcomes(claims, answer):
                        counts[kind][outcome] += 1
                        if outcome == "dropped" if kind == "ok" else outcome not in ("dropped", "corrected"):
                            reason = next((d["reason"] for d in answer.dropped if d["text"] == text), "")
                            misses.append({"question": question, "kind": kind, "text": text, "outcome": outcome,
                                           "reason": reason or answer.fallback})
                    if progress:
                        progress(question)
                assistant.close()
    errors = sum(sum(counts[k].values()) for k in ERROR_KINDS)
    caught = sum(counts[k]["dropped"] + counts[k]["corrected"] for k in ERROR_KINDS)
    ok = sum(counts["ok"].values())
    verify = sorted(t["verify"] for t in timings)
    model = sorted(t["model"] for t in timings)
    return {
        "replies": sum(len(g["replies"]) for g in spec["sets"]),
        "by_kind": {k: dict(counts[k]) for k in ("ok", *ERROR_KINDS) if counts[k]},
        "catch_rate": round(caught / errors, 4) if errors else 1.0,
        "false_drop_rate": round(counts["ok"]["dropped"] / ok, 4) if ok else 0.0,
        "errors": errors, "correct": ok, "citations_not_verbatim": bad_quotes,
        "verify_seconds_p50": round(verify[len(verify) // 2], 4) if verify else 0.0,
        "verify_seconds_p95": round(verify[int(len(verify) * 0.95)], 4) if verify else 0.0,
        "model_seconds_p50": round(model[len(model) // 2], 4) if model else 0.0,
        "misses": misses,
    }


def passed(report: dict) -> bool:
    """The report meets the targets: catch >= CATCH, false drops <= FALSE_DROPS, every citation verbatim."""
    return (report["catch_rate"] >= CATCH and report["false_drop_rate"] <= FALSE_DROPS
            and report["citations_not_verbatim"] == 0)


def render(report: dict) -> str:
    """The report as a table by kind, the rates against their targets, and the misses."""
    lines = [f"{report['replies']} replies, {report['correct']} correct claims, {report['errors']} planted errors"]
    for kind, c in report["by_kind"].items():
        total = sum(c.values())
        if kind == "ok":
            lines.append(f"  {kind:<11} {total:>3}  kept {c.get('kept', 0)}  dropped {c.get('dropped', 0)}"
                         f"  false-drop rate {c.get('dropped', 0) / total:.2f}")
        else:
            caught = c.get("dropped", 0) + c.get("corrected", 0)
            lines.append(f"  {kind:<11} {total:>3}  dropped {c.get('dropped', 0)}  corrected {c.get('corrected', 0)}"
                         f"  kept {c.get('kept', 0) + c.get('lost', 0)}  catch rate {caught / total:.2f}")
    lines.append(f"catch rate {report['catch_rate']:.2f} (target >= {CATCH})  false-drop rate "
                 f"{report['false_drop_rate']:.2f} (target <= {FALSE_DROPS})  citations not verbatim "
                 f"{report['citations_not_verbatim']}")
    lines.append(f"verify p50 {report['verify_seconds_p50']} s, p95 {report['verify_seconds_p95']} s")
    lines += [f"  MISS {m['kind']}: {m['text']} -> {m['outcome']} ({m['reason']})" for m in report["misses"]]
    return "\n".join(lines)

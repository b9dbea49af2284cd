"""The chat page: `build_app` lays out Gradio components over a `ChatPage`, whose plain methods do the work.

Everything that comes from an article (quotes, titles, outlets, file names, error reasons) is escaped before
it reaches an HTML or Markdown component, so markup inside an article is shown as text, never run.
"""

from __future__ import annotations

import html
import os
import queue
import re
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Iterator

import gradio as gr

from .answer import Answer, Citation, short_lead
from .core import Assistant
from .dates import display_date, is_iso, table_date
from .errors import AssistantError
from .recency import earlier_lead

EXAMPLES = [
    "What topics did Rubio say talks with Iran must include?",
    "How many protesters did HRANA say were killed?",
    "What did Rubio concede about nuclear deals with Iran's Supreme Leader?",
    "Where will the talks with Iran take place?",
]
UPLOAD_TYPES = [".txt", ".md", ".html", ".json", ".jsonl"]
STREAM_PACE = 0.02  # seconds between streamed chunks of an answer
STREAM_WORDS = 4  # words per streamed chunk
CONTEXT_CHARS = 360  # article text shown on each side of a quote, at most
CLOSEST_CHARS = 500  # text shown of each closest passage when abstaining
ARTICLE_CHARS = 60_000  # an opened article longer than this shows this much around the quote
WAITING = '<div class="evidence-empty">Ask a question: the passage behind every answer sentence shows up here.</div>'
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~$-])")

CSS = """
.evidence { display: flex; flex-direction: column; gap: 12px; }
.evidence-empty { color: var(--body-text-color-subdued); font-size: var(--text-md); }
.turn > summary { cursor: pointer; color: var(--body-text-color-subdued); padding: 4px 0; }
.turn-question { font-weight: 600; margin: 0 0 6px; }
.claim { border-left: 3px solid var(--color-accent); padding-left: 10px; margin-bottom: 10px; }
.claim-head { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin: 0 0 6px; }
.corroborated { color: var(--color-accent); font-weight: 600; }
.disputed { color: #b45309; font-weight: 600; }
.cite, .closest { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 8px; background: var(--block-background-fill); scroll-margin-top: 12px; }
.cite:target { outline: 2px solid var(--color-accent); box-shadow: 0 0 0 4px var(--color-accent-soft); }
.cite-meta { font-size: var(--text-sm); color: var(--body-text-color-subdued); }
.cite-n { font-weight: 700; color: var(--color-accent); margin-right: 4px; }
.cite-title { font-weight: 600; margin: 2px 0 6px; }
.cite-context { margin: 0; line-height: 1.5; white-space: pre-wrap; }
.cite-context mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.cite-where { font-size: var(--text-xs); color: var(--body-text-color-subdued); margin-top: 6px; }
.whole-article > summary { cursor: pointer; font-size: var(--text-sm); color: var(--color-accent); margin-top: 6px; }
.article-text { white-space: pre-wrap; line-height: 1.5; max-height: 70vh; overflow-y: auto; margin: 6px 0 0;
  padding: 8px; border-top: 1px solid var(--border-color-primary); }
.short-answer { font-weight: 800; text-decoration: underline; }
.article-text mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.page-error { color: #b91c1c; }
.not-answer { font-weight: 700; color: #b45309; margin: 0 0 8px; }
.closest { border-style: dashed; opacity: 0.9; }
.cite-ref { text-decoration: none; font-weight: 600; font-size: 0.85em; vertical-align: super; }
#corpus { --font-mono: var(--font); }  /* titles read better in the page's own font */
"""


# --- escaping ---------------------------------------------------------------------------------------
def md_text(text: str) -> str:
    """Article text made literal for a Markdown component: HTML escaped, Markdown syntax backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(str(text).split()), quote=False))


def _h(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def _safe_url(url: str) -> str:
    return url if re.match(r"https?://", url or "", re.IGNORECASE) else ""


# --- rendering --------------------------------------------------------------------------------------
def cite_id(turn: int, n: int) -> str:
    """The element id of citation n of a conversation turn in the evidence panel."""
    return f"cite-{turn}-{n}"


def markers(turn: int, numbers: list[int]) -> str:
    """Clickable [n] markers: plain anchor links to the evidence panel, no script needed."""
    return "".join(f'<a class="cite-ref" href="#{cite_id(turn, n)}">[{n}]</a>' for n in numbers)


def stream_reply(answer: Answer, turn: int) -> Iterator[str]:
    """Yield the chat reply growing a few words at a time; a sentence gets its markers once complete."""
    if answer.abstained:
        note = "\n\n_The closest passages are beside the chat, marked as not answering the question._"
        yield md_text(answer.answer) + (note if answer.closest else "")
        return
    done: list[str] = []
    short = answer.short_answer
    if short:  # the entity asked for, first, with its citation; a rival figure with its outlet
        lead = short_lead(short, value=lambda v: f"**{md_text(v)}**", text=md_text, cite=lambda n: markers(turn, [n]))
        done.append(lead + "\n\n")
        yield done[0]
    for k, sentence in enumerate(answer.sentences):
        lead = earlier_lead() + " " if sentence.earlier and not (k and answer.sentences[k - 1].earlier) else ""
        words = (lead + sentence.text).split()
        for i in range(STREAM_WORDS, len(words), STREAM_WORDS):
            yield " ".join(done + [md_text(" ".join(words[:i]))])
        done.append(md_text(lead + sentence.text) + " " + markers(turn, sentence.citations))
        yield " ".join(done)
    if answer.note:
        yield " ".join(done) + f"\n\n_{md_text(answer.note)}_"


def llm_footer(answer: Answer) -> str:
    """Which mode answered and why, and the model's dropped claims, collapsed (LLM answering only)."""
    if answer.mode == "llm":
        lines = ["_Written by the language model; every sentence checked against the articles._"]
    else:
        lines = [f"_Answered from the articles directly (not by the model): {md_text(answer.fallback)}._"]
    if answer.dropped:
        items = "".join(f"<li>{html.escape(d['text'])} <em>({html.escape(d['reason'])})</em></li>"
                        for d in answer.dropped)
        lines.append(f"<details><summary>Removed: not supported by the articles ({len(answer.dropped)})"
                     f"</summary><ul>{items}</ul></details>")
    return "\n\n" + "\n\n".join(lines)


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The rest of the quote's paragraph on each side, trimmed to CONTEXT_CHARS at a word boundary."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    before, after = text[left:start], text[end : len(text) if right == -1 else right]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    return before, after


def _marked_quote(c: Citation, spans: list[tuple[int, int]]) -> str:
    """The quote, escaped, with the short answer's span(s) inside it set in bold."""
    out, at = [], c.start
    for start, end in sorted(spans):
        if c.start <= start < end <= c.end and start >= at:
            out += [_h(c.quote[at - c.start : start - c.start]), '<strong class="short-answer">',
                    _h(c.quote[start - c.start : end - c.start]), "</strong>"]
            at = end
    out.append(_h(c.quote[at - c.start :]))
    return "".join(out)


def _short_spans(answer: Answer) -> dict[int, list[tuple[int, int]]]:
    """The short answer's spans by the citation that holds them."""
    short = answer.short_answer
    found: dict[int, list[tuple[int, int]]] = {}
    for s in ([short] + list(short.get("disagreeing") or [])) if short else []:
        found.setdefault(s["citation"], []).append((s["start"], s["end"]))
    return found


def _citation_card(c: Citation, article_text: str, turn: int, spans: list[tuple[int, int]] | None = None) -> str:
    before, after = _context(article_text, c.start, c.end)
    url = _safe_url(c.url)
    title = _h(c.title or c.doc_id)
    if url:
        title = f'<a href="{_h(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    return (
        f'<article class="cite" id="{cite_id(turn, c.n)}">'
        f'<div class="cite-meta"><span class="cite-n">[{c.n}]</span>{_h(c.source or "Unknown outlet")} · '
        f'{_h(display_date(c.published))}</div>'
        f'<div class="cite-title">{title}</div>'
        f'<p class="cite-context">{_h(before)}<mark>{_marked_quote(c, spans or [])}</mark>{_h(after)}</p>'
        f'<div class="cite-where">{_h(c.doc_id)}, characters {c.start}–{c.end}</div>'
        f'{whole_article(article_text, c.start, c.end)}</article>'
    )


def whole_article(text: str, start: int, end: int) -> str:
    """A fold that opens the whole cleaned article (escaped) with the quote highlighted; no script needed."""
    left, right = 0, len(text)
    if right > ARTICLE_CHARS:  # a huge file: the part around the quote
        left = max(0, min(start - ARTICLE_CHARS // 2, right - ARTICLE_CHARS))
        right = left + ARTICLE_CHARS
    cut_before = "…\n" if left else ""
    cut_after = "\n…" if right < len(text) else ""
    return (f'<details class="whole-article"><summary>Open the whole article</summary>'
            f'<div class="article-text">{cut_before}{_h(text[left:start])}<mark class="in-article">'
            f'{_h(text[start:end])}</mark>{_h(text[end:right])}{cut_after}</div></details>')


def evidence_html(answer: Answer, article_text: Callable[[str], str], turn: int) -> str:
    """The evidence panel for one answer: each cited quote inside its paragraph, or the closest passages."""
    head = f'<p class="turn-question">Q{turn}: {_h(answer.question)}</p>'
    if answer.abstained:
        cards = "".join(
            f'<article class="closest"><div class="cite-meta">{_h(p.source or "Unknown outlet")} · '
            f'{_h(display_date(p.published))}</div><div class="cite-title">{_h(p.title or p.doc_id)}</div>'
            f'<p class="cite-context">{_h(_clip(p.text))}</p></article>'
            for p in answer.closest
        )
        lead = ('<p class="not-answer">No answer in the articles. The closest passages are below; '
                'they do not answer the question.</p>' if answer.closest else
                '<p class="not-answer">No answer in the articles.</p>')
        return f'<div class="evidence abstained">{head}{lead}{cards}</div>'
    by_n = {c.n: c for c in answer.citations}
    spans = _short_spans(answer)
    claims = []
    for i, sentence in enumerate(answer.sentences, start=1):
        cited = [by_n[n] for n in sentence.citations if n in by_n]
        sources = len({c.doc_id for c in cited})
        tag = f' · <span class="corroborated">reported by {sources} sources</span>' if sources > 1 else ""
        if sentence.disputes:
            tag += f' · <span class="disputed">disputes answer sentence {sentence.disputes}: sources disagree</span>'
        elif any(s.disputes == i for s in answer.sentences):
            tag += ' · <span class="disputed">disputed below: sources disagree</span>'

        cards = "".join(_citation_card(c, article_text(c.doc_id), turn, spans.get(c.n)) for c in cited)
        claims.append(f'<section class="claim"><p class="claim-head">Answer sentence {i}{tag}</p>{cards}</section>')
    return f'<div class="evidence">{head}{"".join(claims)}</div>'


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CLOSEST_CHARS else text[:CLOSEST_CHARS].rsplit(" ", 1)[0] + "…"


def panel(turns: list[str]) -> str:
    """The whole evidence panel: the newest turn open, earlier ones folded (a [n] link still unfolds them)."""
    if not turns:
        return WAITING
    older = "".join(f'<details class="turn"><summary>Earlier question {i}</summary>{t}</details>'
                    for i, t in reversed(list(enumerate(turns[:-1], start=1))))
    return f'<div class="evidence">{turns[-1]}{older}</div>'


def _shown_question(message: str, limit: int) -> str:
    """The user's message as the chat shows it: an over-long one is cut, since it will be refused anyway."""
    message = message.strip()
    return message if len(message) <= limit else f"{message[:200]}… ({len(message):,} characters)"


def _turn_number(history: list | None) -> int:
    return 1 + sum(1 for m in history or [] if isinstance(m, dict) and m.get("role") == "user")


def user_message(exc: BaseException) -> str:
    """What the CLI would print for an error (without "Error: "); anything unexpected is named and logged."""
    if isinstance(exc, AssistantError):
        return str(exc)
    traceback.print_exception(exc, file=sys.stderr)  # the details go to the server's log
    return (f"Something went wrong ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}). "
            f"The details are in the server's log; try again.")


def error_dict(exc: BaseException) -> dict:
    """The `/ask` API's error: its kind, the message the CLI prints, and the exit code the CLI would give."""
    known = isinstance(exc, AssistantError)
    return {"type": type(exc).__name__ if known else "InternalError", "message": user_message(exc),
            "exit_code": exc.exit_code if known else 1}


# --- handlers ---------------------------------------------------------------------------------------
class ChatPage:
    """The page's handlers over one Assistant; plain methods that tests call without a browser."""

    def __init__(self, assistant: Assistant, pace: float = STREAM_PACE):
        self.assistant = assistant
        self.pace = pace
        # The store shares one SQLite connection: one request at a time reads or writes it.
        self.lock = threading.Lock()

    def respond(self, message: str, history: list | None = None,
                as_of: str | None = None) -> Iterator[tuple[str, str]]:
        """Yield (chat reply so far, evidence for this turn); nothing at all for an empty message."""
        if not isinstance(message, str) or not message.strip():
            return
        turn = _turn_number(history)
        if self.assistant.llm is not None:
            yield from self._respond_with_model(message, history, as_of, turn)
            return
        try:
            with self.lock:
                answer = self.assistant.ask(message, history, as_of=as_of)
                evidence = evidence_html(answer, self.assistant.store.article_text, turn)
        except Exception as exc:  # shown in the chat, never a bare error badge; the question goes back to the box
            yield f"**Cannot answer:** {md_text(user_message(exc))} _Your question is back in the box._", ""
            return
        for i, reply in enumerate(stream_reply(answer, turn)):
            if i and self.pace:
                time.sleep(self.pace)
            yield reply, evidence

    def _respond_with_model(self, message: str, history: list | None, as_of: str | None,
                            turn: int) -> Iterator[tuple[str, str]]:
        """Show the model's words as they stream, then the verified answer with its mode and dropped claims."""
        pieces: queue.Queue = queue.Queue()
        result: dict = {}

        def work() -> None:
            try:
                with self.lock:
                    result["answer"] = answer = self.assistant.ask(message, history, as_of=as_of,
                                                                   on_token=pieces.put)
                    result["evidence"] = evidence_html(answer, self.assistant.store.article_text, turn)
            except Exception as exc:
                result["error"] = exc
            finally:
                pieces.put(None)

        threading.Thread(target=work, name="chat-model", daemon=True).start()
        checking = '<div class="evidence-empty">Checking the model\'s answer against the articles…</div>'
        draft = ""
        while (piece := pieces.get()) is not None:
            draft += piece
            yield f"_Model draft, being checked:_ {md_text(draft)}", checking
        if "error" in result:
            yield f"**Cannot answer:** {md_text(user_message(result['error']))} _Your question is back in the box._", ""
            return
        answer, evidence = result["answer"], result["evidence"]
        reply = ""
        for i, reply in enumerate(stream_reply(answer, turn)):
            if i and self.pace:
                time.sleep(self.pace)
            yield reply, evidence
        yield reply + llm_footer(answer), evidence

    def ask(self, question: str, history: list[str] | None = None, as_of: str | None = None) -> dict:
        """Answer a question (optionally following earlier ones, as of a day) and return the `ask --json` contract."""
        try:
            with self.lock:
                return self.assistant.ask(question, history, as_of=as_of).to_dict()
        except Exception as exc:  # a structured error, not Gradio's "upstream app has raised an exception"
            return {"question": question, "error": error_dict(exc)}

    def corpus(self) -> list[list]:
        """One row per stored article: title, outlet, date, passages, id, file (as `assistant articles`), newest
        first; then articles whose date has no year, then undated ones."""
        with self.lock:
            articles = self.assistant.store.articles()
        dated = sorted((a for a in articles if is_iso(a.published)), key=lambda a: a.published or "", reverse=True)
        rest = sorted((a for a in articles if not is_iso(a.published)), key=lambda a: not (a.published or "").strip())
        # The file's name only: an upload's path is the server's own temporary folder. Dates are ISO so that
        # sorting the column sorts by day.
        return [[a.title or a.doc_id, a.source, table_date(a.published or ""), a.passages, a.doc_id,
                 Path(a.path or "").name] for a in dated + rest]

    def remove(self, doc_id: str | None) -> str:
        """Remove a stored article (as `assistant remove ID`); return a Markdown line saying what happened."""
        if not doc_id:
            return "Pick an article to remove."
        try:
            with self.lock:
                gone = self.assistant.remove(doc_id)
                left = self.assistant.store.article_count()
        except Exception as exc:
            return f"✗ {md_text(user_message(exc))}"
        return f"✓ Removed **{md_text(gone.title or gone.doc_id)}** ({md_text(gone.doc_id)}); {left} articles left."

    def add_files(self, paths: list[str] | None,
                  progress: Callable[[int, int, str], None] | None = None) -> str:
        """Ingest uploaded files one at a time; return a Markdown line per file saying what happened."""
        lines = []
        paths = [p for p in paths or [] if p]
        for i, path in enumerate(paths):
            name = Path(path).name
            if progress:
                progress(i, len(paths), name)
            try:
                with self.lock:
                    report = self.assistant.ingest([path])
            except Exception as exc:
                lines.append(f"- ✗ **{md_text(name)}**: {md_text(user_message(exc))}")
                continue
            for f in report.failed:
                where = f.source.replace(str(path), name)
                lines.append(f"- ✗ **{md_text(where)}**: {md_text(f.reason)}")
            done = [("added", report.added), ("updated", report.updated), ("already indexed", report.unchanged),
                    ("duplicate", report.duplicates)]
            summary = ", ".join(f"{len(ids)} {word}" for word, ids in done if ids)
            for d in report.duplicates:
                lines.append(f"- = **{md_text(name)}**: the same text as the stored article {md_text(d['of'])}, "
                             f"stored once")
            for r in report.renamed:
                lines.append(f"- ✓ **{md_text(name)}**: stored as {md_text(r['id'])}, since another article is "
                             f"already stored as {md_text(r['clashes_with'])} (remove it below if this replaces it)")
            if summary:
                n = report.passages_written
                lines.append(f"- ✓ **{md_text(name)}**: {summary} ({n} passage{'' if n == 1 else 's'} embedded)")
        if progress and paths:
            progress(len(paths), len(paths), "done")
        return "\n".join(lines) or "No files to add."


# --- page -------------------------------------------------------------------------------------------
def build_app(assistant: Assistant, pace: float = STREAM_PACE) -> gr.Blocks:
    """Lay out the chat page (chat, evidence panel, article list with upload) over an Assistant."""
    page = ChatPage(assistant, pace)

    def chat(message: str, history: list, turns: list, as_of: str = ""):
        if not (message or "").strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        asked = _shown_question(message, assistant.settings.max_question_chars)
        shown = history + [{"role": "user", "content": asked}]
        yield "", shown + [{"role": "assistant", "content": "…"}], gr.skip(), turns
        for reply, evidence in page.respond(message, history, as_of):
            current = turns + [evidence] if evidence else turns
            # The box is left alone while the answer streams (the next question may be typed there);
            # no evidence means the question was refused, so it goes back to the box for editing.
            yield (gr.skip() if evidence else message), shown + [{"role": "assistant", "content": reply}], \
                panel(current), current

    def pick_example(evt: gr.SelectData) -> str:
        return evt.value["text"]

    def choices():
        return gr.update(choices=[(f"{row[4]} — {row[0]}", row[4]) for row in page.corpus()], value=None)

    def remove(doc_id: str | None):
        message = page.remove(doc_id)
        return message, page.corpus(), choices()

    def upload(files: list[str] | None, progress=gr.Progress()):
        report = page.add_files(files, lambda i, n, name: progress((i, n), desc=f"Ingesting {name}", unit="files"))
        return report, page.corpus(), None

    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown("## News assistant\nAnswers only from the indexed articles. Every answer sentence is copied "
                    "from an article; click its **[n]** to see the passage it came from.")
        turns = gr.State([])
        with gr.Tab("Ask"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=360):
                    chatbot = gr.Chatbot(
                        label="Conversation", height=520, elem_id="chat", latex_delimiters=[],
                        buttons=["copy"], feedback_options=None, group_consecutive_messages=False,
                        examples=[{"text": q} for q in EXAMPLES],
                        placeholder="Ask about the articles, or pick an example question.",
                    )
                    box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                     submit_btn="Ask", max_lines=4, autofocus=True, elem_id="question")
                    as_of = gr.Textbox(label="As of", placeholder="today (or a date: 2024-03-15, March 2024)",
                                       max_lines=1, elem_id="as-of",
                                       info="Articles published after this day are not used.")
                with gr.Column(scale=2, min_width=320):
                    gr.Markdown("### Evidence")
                    # No fixed height: every card is read whole, and the page scrolls to a clicked [n].
                    evidence = gr.HTML(WAITING, elem_id="evidence")
        with gr.Tab("Articles"):
            corpus = gr.Dataframe(headers=["Title", "Outlet", "Date", "Passages", "ID", "File"],
                                  datatype="str", interactive=False, wrap=True, label="Stored articles",
                                  elem_id="corpus")
            with gr.Row():
                doomed = gr.Dropdown(label="Remove an article (its text, passages and vectors)", choices=[],
                                     value=None, elem_id="remove-id", scale=4)
                remove_btn = gr.Button("Remove", variant="stop", size="md", elem_id="remove", scale=0,
                                       min_width=120)
            removed = gr.Markdown(elem_id="remove-status")
            files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="Add articles",
                            elem_id="upload")
            gr.Markdown(f"Add {', '.join(UPLOAD_TYPES)} files: each is cleaned, split into passages, embedded and "
                        f"stored, with a line below for every file. Whole folders: `assistant ingest PATH`.")
            status = gr.Markdown(elem_id="upload-status")

        outputs = [box, chatbot, evidence, turns]
        # "always_last": a question sent while an answer still streams runs next instead of being dropped.
        box.submit(chat, [box, chatbot, turns, as_of], outputs, api_visibility="private", trigger_mode="always_last")
        chatbot.example_select(pick_example, None, box, api_visibility="private").then(
            chat, [box, chatbot, turns, as_of], outputs, api_visibility="private")
        chatbot.clear(lambda: ([], WAITING), None, [turns, evidence], api_visibility="private")
        files.upload(upload, files, [status, corpus, files], api_visibility="private").then(
            choices, None, doomed, api_visibility="private")
        remove_btn.click(remove, doomed, [removed, corpus, doomed], api_visibility="private")
        app.load(lambda: (page.corpus(), choices()), None, [corpus, doomed], api_visibility="private")
        gr.api(page.ask, api_name="ask")
    app.queue(default_concurrency_limit=8)
    return app


def theme() -> gr.themes.Base:
    """Gradio's default look with fonts served by the app itself, in the weights whose files are complete."""
    # Gradio 6.31 bundles semibold (600) files that lack most capitals; regular and bold are whole.
    return gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "monospace"],
    )


def launch(app: gr.Blocks, host: str, port: int, open_browser: bool = False) -> str:
    """Start serving the page on host:port in the background, with nothing fetched from the internet; return its URL."""
    _, url, _ = app.launch(server_name=host, server_port=port, share=False, inbrowser=open_browser,
                           prevent_thread_lock=True, quiet=True, css=CSS, theme=theme(), footer_links=["api"],
                           ssr_mode=False, mcp_server=False)
    return url


def serve(assistant: Assistant, host: str, port: int, open_browser: bool = False,
          notice: Callable[[str], None] = print) -> None:
    """Serve the page for `assistant serve` until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no version check or telemetry calls
    app = build_app(assistant)
    try:
        url = launch(app, host, port, open_browser=open_browser)
    except OSError as exc:
        raise AssistantError(f"Cannot serve on {host}:{port} ({exc}). Pick another with --port or "
                             f"ASSISTANT_PORT.") from exc
    notice(f"The assistant is at {url} (Ctrl+C to stop).")
    app.block_thread()

"""The `assistant` command line: ingest, search, ask (and serve, eval)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .dates import display_date
from .errors import AssistantError, IngestInterrupted
from .recency import parse_as_of
from .settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _open(ctx: click.Context, seed: bool = True):
    from .core import Assistant

    assistant = Assistant(settings=_settings(ctx), notice=lambda m: click.echo(m, err=True))
    if seed:
        assistant.ensure_seeded(notice=lambda m: click.echo(m, err=True))
    return assistant


def _llm_options(command):
    """--llm-url / --llm-model / --no-llm, mirroring ASSISTANT_LLM_URL and ASSISTANT_LLM_MODEL."""
    command = click.option("--no-llm", is_flag=True, help="Answer from the articles directly, without the model.")(command)
    command = click.option("--llm-model", help="The model's name (ASSISTANT_LLM_MODEL).")(command)
    return click.option("--llm-url", help="An OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 "
                                          "(ASSISTANT_LLM_URL).")(command)


def _use_llm(ctx: click.Context, llm_url: str | None, llm_model: str | None, no_llm: bool) -> None:
    settings = _settings(ctx)
    if no_llm:
        settings = settings.with_(llm_url=None, llm_provider="openai-like")
    else:
        settings = settings.with_(**{k: v for k, v in (("llm_url", llm_url), ("llm_model", llm_model)) if v})
    ctx.obj["settings"] = settings


def _emit(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class _Group(click.Group):
    """Prints AssistantError messages without a traceback and exits with the error's code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group)
@click.option("--store", type=click.Path(path_type=Path), envvar="ASSISTANT_STORE",
              help="Store folder (default .assistant/ in the working directory).")
@click.option("--chroma-url", envvar="ASSISTANT_CHROMA_URL",
              help="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of the embedded store.")
@click.option("--collection", envvar="ASSISTANT_COLLECTION",
              help="Chroma collection name (default articles); one per store on a shared server.")
@click.version_option(package_name="assistant")
@click.pass_context
def cli(ctx: click.Context, store: Path | None, chroma_url: str | None, collection: str | None) -> None:
    """Answers questions from news articles, citing a verbatim passage for every claim."""
    ctx.obj = {"settings": Settings.from_env(store=store, chroma_url=chroma_url, collection=collection)}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (and no progress bar).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Add articles (files or folders; default: the bundled seeds) to the store."""
    import threading

    from tqdm import tqdm

    from .chunk import chunk_text
    from .ingest import iter_files
    from .settings import SEEDS_DIR

    # Load the sentence splitter while the embedding model and the store open: both are one-time costs.
    splitter = threading.Thread(target=chunk_text, args=("Warm up.",), daemon=True)
    splitter.start()
    assistant = _open(ctx, seed=False)
    splitter.join()
    targets = list(paths) or [SEEDS_DIR]
    # Sizing walks the folders without reading a file, so the bar has a total (rate and ETA) at once. It
    # advances with the bytes read and embedded, so one large file moves it too.
    total = sum(_size(p) for p in iter_files(targets) if isinstance(p, Path)) if not as_json else None
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, desc="ingest",
              disable=as_json, dynamic_ncols=True, smoothing=0.1) as bar:

        last = []

        def progress(report) -> None:
            last[:] = [report]
            rate = report.passages_written / max(bar.format_dict["elapsed"], 1e-6)
            bar.set_postfix_str(f"{report.articles_stored:,} articles stored, {report.passages_written:,} passages "
                                f"embedded, {rate:.1f}/s", refresh=False)
            bar.update(min(report.bytes_read, total or report.bytes_read) - bar.n)

        try:
            report = assistant.ingest(targets, progress=progress)
        except IngestInterrupted as exc:
            if last:  # the bar ends on what was stored, as the message says
                progress(last[0])
            bar.close()
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
    if as_json:
        _emit(report.to_dict())
    else:
        duplicates = f", {len(report.duplicates)} duplicate{'' if len(report.duplicates) == 1 else 's'}" \
            if report.duplicates else ""
        click.echo(
            f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
            f"{duplicates}, {len(report.failed)} failed; {report.passages_written} passages embedded in "
            f"{report.seconds:.1f}s. Store: {report.articles_total} articles, {report.passages_total} passages."
        )
        for d in report.duplicates:
            click.echo(f"  duplicate: {d['path']} has the same text as the stored article {d['of']}: stored once.",
                       err=True)
        for r in report.renamed:
            click.echo(f"  stored as {r['id']}: {r['path']} is a different article from {r['clashes_with']} "
                       f"({r['other_path'] or 'already stored'}), so it did not replace it.", err=True)
        for failure in report.failed:
            click.echo(f"  failed: {failure.source}: {failure.reason}", err=True)
    if report.failed:
        sys.exit(1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def articles(ctx: click.Context, as_json: bool) -> None:
    """List the stored articles: id, title, outlet, date, passages, file."""
    assistant = _open(ctx, seed=False)
    stored = assistant.store.articles()
    if as_json:
        _emit({"articles": [a.to_dict() for a in stored]})
        return
    if not stored:
        click.echo("No articles stored yet: run `assistant ingest PATH` (or `assistant ingest` for the bundled ones).")
        return
    for a in stored:
        click.echo(f"{a.doc_id}  {a.title or '(untitled)'} — {a.source or 'unknown outlet'}, "
                   f"{display_date(a.published)}; {a.passages} passages; {a.path or 'no file'}")
    click.echo(f"{len(stored)} articles.")


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def remove(ctx: click.Context, doc_id: str, as_json: bool) -> None:
    """Remove a stored article (see `assistant articles` for the ids)."""
    assistant = _open(ctx, seed=False)
    removed = assistant.remove(doc_id)
    if as_json:
        _emit({"removed": removed.to_dict(), "articles_total": assistant.store.article_count()})
        return
    click.echo(f"Removed {removed.doc_id} ({removed.title or removed.path or 'untitled'}); "
               f"{assistant.store.article_count()} articles left.")


@cli.command()
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, as_json: bool) -> None:
    """Show the passages that best match a query."""
    assistant = _open(ctx, seed=False)
    assistant.check_question(query)  # a bad query fails before any seeding work
    assistant.ensure_seeded(notice=lambda m: click.echo(m, err=True))
    result = assistant.search(query, k=k)
    if as_json:
        _emit(result.to_dict())
        return
    for p in result.results:
        click.echo(f"{p.rank:>2}. [{p.score:.4f}] {p.title or p.doc_id} ({p.source or 'unknown outlet'}, "
                   f"{display_date(p.published)})")
        click.echo(f"    {' '.join(p.text.split())[:300]}")


@cli.command()
@click.argument("question")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Ask as of this day (2024-03-15, 'March 2024'): later articles are not used. Default: today.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_llm_options
@click.pass_context
def ask(ctx: click.Context, question: str, as_of: str | None, as_json: bool, llm_url: str | None,
        llm_model: str | None, no_llm: bool) -> None:
    """Answer a question from the articles, with numbered verbatim sources."""
    _use_llm(ctx, llm_url, llm_model, no_llm)
    assistant = _open(ctx, seed=False)
    assistant.check_question(question)  # a bad question fails before any seeding work
    when = parse_as_of(as_of)  # ... and so does a bad date
    assistant.ensure_seeded(notice=lambda m: click.echo(m, err=True))
    answer = assistant.ask(question, as_of=when)
    if as_json:
        _emit(answer.to_dict())
        return
    if answer.fallback:
        click.echo(f"(Not written by the model: {answer.fallback}.)", err=True)
    click.echo(answer.answer)
    if answer.dropped:
        click.echo(f"\nRemoved, not supported by the articles ({len(answer.dropped)}):")
        for d in answer.dropped:
            click.echo(f"  - {d['text']} ({d['reason']})")
    if answer.citations:
        click.echo("\nSources:")
    for c in answer.citations:
        click.echo(f"[{c.n}] {c.source or 'Unknown outlet'} — {c.title or c.doc_id} — "
                   f"{display_date(c.published)} ({c.doc_id}, chars {c.start}-{c.end})")
        click.echo(f"    > {' '.join(c.quote.split())}")


@cli.command("eval")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Eval set YAML (default: evals/rubio.yaml).")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path),
              help="Articles to ingest instead of the set's own `corpus:`.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of the table.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report to FILE.")
@click.option("--llm-replay", "replay_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Replay written model replies with planted errors (like evals/planted.yaml) through "
                   "verification: catch and false-drop rates by error kind.")
@click.pass_context
def eval_(ctx: click.Context, set_path: Path | None, corpus: Path | None, as_json: bool, out: Path | None,
          replay_path: Path | None) -> None:
    """Score answers on an eval set in a temporary store; exit 1 when a metric is below its threshold."""
    from tqdm import tqdm

    if replay_path is not None:
        _replay(ctx, replay_path, as_json, out)
        return
    from .evaluate import DEFAULT_SET, load_set, run_eval

    eval_set = load_set(set_path or DEFAULT_SET, corpus=corpus)
    with tqdm(total=len(eval_set.questions), unit="q", file=sys.stderr, desc=f"eval {eval_set.name}",
              disable=as_json, dynamic_ncols=True) as bar:
        report = run_eval(eval_set, settings=_settings(ctx), progress=lambda _: bar.update())
    if out:
        out.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        _emit(report.to_dict())
    else:
        click.echo(report.render_table())
    if not report.passed:
        sys.exit(1)


def _replay(ctx: click.Context, path: Path, as_json: bool, out: Path | None) -> None:
    from tqdm import tqdm

    from .replay import load, passed, render, run

    total = sum(len(g.get("replies", [])) for g in load(path)["sets"])
    with tqdm(total=total, unit="reply", file=sys.stderr, desc=f"replay {path.name}", disable=as_json,
              dynamic_ncols=True) as bar:
        report = run(path, _settings(ctx), progress=lambda _: bar.update())
    if out:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        _emit(report)
    else:
        click.echo(render(report))
    if not passed(report):
        sys.exit(1)


@cli.command()
@click.option("--host", envvar="ASSISTANT_HOST", help="Address to listen on (default 127.0.0.1: this machine only).")
@click.option("--port", envvar="ASSISTANT_PORT", type=click.IntRange(1, 65535), help="Port (default 7860).")
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in the default web browser.")
@_llm_options
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, open_browser: bool, llm_url: str | None,
          llm_model: str | None, no_llm: bool) -> None:
    """Start the chat page (ingesting the bundled articles first if the store is empty)."""
    _use_llm(ctx, llm_url, llm_model, no_llm)
    from .app import serve as serve_page

    ctx.obj["settings"] = settings = _settings(ctx).with_(**{k: v for k, v in (("host", host), ("port", port)) if v})
    serve_page(_open(ctx), settings.host, settings.port, open_browser=open_browser,
               notice=lambda m: click.echo(m, err=True))


@cli.command()
@click.option("--set", "set_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Question set(s) to fit on (default evals/calibration.yaml).")
@click.option("--model", type=click.Choice(["linear", "logistic"]), default="linear", show_default=True,
              help="The abstention rule to fit (logistic: over the reader's features too; see calibrate.py).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def calibrate(ctx: click.Context, set_paths: tuple[Path, ...], model: str, as_json: bool) -> None:
    """Fit the abstention rule on answerable and unanswerable questions."""
    from .calibrate import calibrate as fit_calibration

    result = fit_calibration(list(set_paths) or None, _settings(ctx), model=model)
    if as_json:
        _emit(result)
    else:
        click.echo(f"abstention model fitted on {sum(result['questions'][k] for k in ('answerable', 'unanswerable'))} "
                   f"questions (balanced accuracy {result['with_answer_rules']['balanced_accuracy']} with the answer "
                   f"rules); written to assistant/calibration.json")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="assistant")


if __name__ == "__main__":
    main()

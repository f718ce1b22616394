"""`dailypapers import` and `dailypapers init`."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from dailypapers.cli_support import Wiring, err, fail, settings, store, wiring
from dailypapers.errors import DailyPapersError, is_disk_full
from dailypapers.ingest.pipeline import (
    DEFAULT_BATCH_SIZE,
    ImportSummary,
    Planned,
    Problem,
    Progress,
    import_files,
    plan_import,
)

DEMO_FILE = "hf_daily_papers_demo.jsonl.gz"
DEMO_STATE_KEY = "demo_import"
SHOWN_FILES = 5  # files with a progress line at a time
SHOWN_PROBLEMS = 50  # past this, problems are counted, not printed one by one


class FormatName(StrEnum):
    snapshot = "snapshot"
    hf_json = "hf-json"
    hf_jsonl = "hf-jsonl"


class BarProgress(Progress):
    """A rich progress bar by bytes read (so the ETA holds for gzip too), with papers and rate."""

    def __init__(self, console: Console, quiet: bool) -> None:
        self.console = console
        self.shown = 0
        self.hidden = 0
        self.bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[papers]:>11,} papers  {task.fields[rate]:>7,.0f}/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
            transient=False,
        )
        self.task: TaskID | None = None
        self.summary: ImportSummary | None = None

    def __enter__(self) -> BarProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start_file(self, path: Path, total_bytes: int) -> None:
        # A pipe has no size: the bar then pulses and the count and rate still show.
        # Only the last few files keep a line: rich redraws every task on each refresh, so a
        # directory of hundreds of day files would cost more in drawing than in importing.
        for old in self.bar.tasks[: -(SHOWN_FILES - 1)]:
            self.bar.remove_task(old.id)
        self.task = self.bar.add_task(path.name, total=total_bytes or None, papers=0, rate=0.0)

    def advance(self, position: int, summary: ImportSummary) -> None:
        self.summary = summary
        if self.task is not None:
            self.bar.update(self.task, completed=position, papers=summary.read, rate=summary.rate)

    def problem(self, problem: Problem) -> None:
        if self.shown < SHOWN_PROBLEMS:
            self.shown += 1
            self.console.print(
                f"[yellow]skipped[/yellow] {escape(str(problem))}", highlight=False, soft_wrap=True
            )
        else:
            self.hidden += 1

    def end_file(self, path: Path, summary: ImportSummary) -> None:
        task = self.bar.tasks[-1] if self.bar.tasks else None
        if task is not None and task.total is not None:
            self.bar.update(task.id, completed=task.total)


def run_import(
    planned: list[Planned],
    *,
    feature: bool,
    quiet: bool,
    batch_size: int,
    wired: Wiring | None = None,
) -> ImportSummary:
    """Import with a progress bar on stderr; prints problems as they come and the summary.

    `wired.after_batch` runs after each committed batch and `wired.after_write` at the end (the
    derived indexes catch up), also when the import stops early.
    """
    wired = wired or Wiring()
    config = settings()
    db = store()
    progress = BarProgress(err, quiet)
    try:
        with progress:
            summary = import_files(
                db,
                planned,
                zone=config.zone,
                feature=feature,
                batch_size=batch_size,
                progress=progress,
                after_batch=lambda result: wired.after_batch(db, result),
            )
        if progress.hidden:
            err.print(f"[yellow]skipped[/yellow] … and {progress.hidden:,} more not shown")
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        done = progress.summary.read if progress.summary else 0
        raise fail(
            f"the disk is full: {done:,} records were committed and are kept; free some space "
            "and run the same command again to complete the import"
        ) from None
    except KeyboardInterrupt:
        done = progress.summary.read if progress.summary else 0
        err.print(
            f"interrupted: {done:,} records were committed; run the same command again to "
            "complete the import (what is already in is left as it is)",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    finally:
        try:
            wired.after_write(db)
        finally:
            db.dispose()
    if not quiet or summary.skipped:
        typer.echo(f"imported {summary.line()}")
    return summary


app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)


@app.command("import")
def import_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(
        ...,
        metavar="FILE...",
        help="Files (JSON, JSON lines, optionally .gz) or directories of them.",
    ),
    format_name: FormatName | None = typer.Option(
        None, "--format", help="The input format; by default it is told from the content."
    ),
    feature: bool = typer.Option(
        False,
        "--feature",
        help="List each paper that has no daily listing on the date of its first submission.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary (cron)."),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Records per committed transaction."
    ),
) -> None:
    """Import arXiv snapshot or Hugging Face daily-papers files (idempotent, resumable)."""
    bad_files: list[Problem] = []
    try:
        planned = plan_import(paths, format_name.value if format_name else None, bad=bad_files)
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    # A bad file in a directory is reported and left out; the others are imported.
    for problem in bad_files:
        line = f"[red]bad file[/red] {escape(str(problem))} (left out)"
        err.print(line, highlight=False, soft_wrap=True)
    summary = run_import(
        planned, feature=feature, quiet=quiet, batch_size=batch_size, wired=wiring(ctx)
    )
    if bad_files:
        typer.echo(f"{len(bad_files):,} file(s) left out: " + ", ".join(p.where for p in bad_files))
    if summary.skipped or bad_files:
        raise typer.Exit(1)


@app.command()
def init(
    ctx: typer.Context,
    demo: bool = typer.Option(False, "--demo", help="Also import the bundled demo papers once."),
) -> None:
    """Create or upgrade the database; with --demo, import the bundled demo data (once)."""
    db = store(migrate=True)
    db.dispose()
    typer.echo("database is up to date")
    if not demo:
        return
    demo_path = resources.files("dailypapers") / "demo" / DEMO_FILE
    with resources.as_file(demo_path) as path:
        if not path.is_file():
            raise fail(f"the bundled demo data is missing: {path}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        done = _demo_state()
        if done.get("sha256") == digest:
            typer.echo(f"demo data already imported ({done.get('papers', 0):,} papers)")
            return
        planned = plan_import([path], "hf-jsonl")
        summary = run_import(
            planned, feature=False, quiet=False, batch_size=DEFAULT_BATCH_SIZE, wired=wiring(ctx)
        )
        _remember_demo({"sha256": digest, "papers": summary.read, "file": DEMO_FILE})
        if summary.skipped:
            raise typer.Exit(1)
    # The demo's one big batch is too large to embed inline: embed it now, so semantic search and
    # similar papers work on the first page a new user opens.
    wiring(ctx).embed_pending()


def _demo_state() -> dict:
    from dailypapers.store.models import SyncState

    db = store(migrate=False)
    try:
        with db.session() as session:
            row = session.get(SyncState, DEMO_STATE_KEY)
            return dict(row.value) if row is not None else {}
    finally:
        db.dispose()


def _remember_demo(value: dict) -> None:
    from dailypapers.store.models import SyncState

    db = store(migrate=False)
    try:
        with db.session() as session:
            session.merge(SyncState(key=DEMO_STATE_KEY, value=value))
    finally:
        db.dispose()

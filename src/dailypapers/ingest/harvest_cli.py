"""`dailypapers harvest oai` and `dailypapers harvest arxiv`."""

from __future__ import annotations

import re
from datetime import date

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dailypapers.cli_support import err, fail, store, wiring
from dailypapers.errors import DailyPapersError
from dailypapers.ingest.remote import HarvestSummary

harvest_app = typer.Typer(
    help="Harvest papers from arXiv (OAI-PMH for daily updates, the API for ids and searches).",
    no_args_is_help=True,
)
app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)
app.add_typer(harvest_app, name="harvest")

SHOWN_PROBLEMS = 50
DEFAULT_MAX = 500
QUIET = typer.Option(False, "--quiet", "-q", help="No progress or summary, only errors (cron).")
FEATURE = typer.Option(
    False,
    "--feature",
    help="List new papers in the daily feed on the date of their first submission.",
)


class HarvestProgress:
    """A rich progress bar on stderr: records fetched, rate, ETA when the total is known."""

    def __init__(self, console: Console, *, quiet: bool, description: str) -> None:
        self.console = console
        self.quiet = quiet
        self.shown = 0
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records  {task.fields[rate]:>6,.1f}/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
        )
        self.task: TaskID = self.bar.add_task(description, total=None, rate=0.0)

    def __enter__(self) -> HarvestProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def update(
        self, summary: HarvestSummary, total: int | None, position: int | None = None
    ) -> None:
        """Show `position` of `total` (default: records fetched by this run)."""
        task = self.bar.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = summary.fetched / elapsed if elapsed > 0 else 0.0
        completed = summary.fetched if position is None else position
        self.bar.update(self.task, completed=completed, total=total, rate=rate)
        for problem in summary.problems[self.shown :]:
            if self.shown < SHOWN_PROBLEMS:
                self.console.print(f"[yellow]skipped[/yellow] {problem}", highlight=False)
            self.shown += 1


def _finish(summary: HarvestSummary, *, what: str, quiet: bool) -> None:
    if len(summary.problems) > SHOWN_PROBLEMS:
        err.print(f"[yellow]skipped[/yellow] … and {len(summary.problems) - SHOWN_PROBLEMS:,} more")
    if not quiet:
        for note in summary.notes:
            err.print(f"note: {note}", highlight=False)
    if not quiet or summary.skipped:
        records = "record" if summary.fetched == 1 else "records"
        typer.echo(
            f"harvested {summary.fetched:,} {records} from {what} in {summary.pages} "
            f"request(s): {summary.line()}"
        )
    if summary.skipped:
        raise typer.Exit(1)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


@harvest_app.command("oai")
def harvest_oai(
    ctx: typer.Context,
    set_spec: str | None = typer.Option(
        None, "--set", help="OAI set, e.g. cs or physics:hep-th (default: all of arXiv)."
    ),
    from_: str | None = typer.Option(
        None,
        "--from",
        help="First datestamp (YYYY-MM-DD); default: where the last completed harvest began.",
    ),
    until: str | None = typer.Option(None, "--until", help="Last datestamp (YYYY-MM-DD)."),
    feature: bool = FEATURE,
    quiet: bool = QUIET,
) -> None:
    """Harvest arXiv OAI-PMH (incremental; an interrupted harvest resumes where it stopped)."""
    from dailypapers.ingest.oai_pmh import OaiHarvester

    start, end = _date(from_, "--from"), _date(until, "--until")
    if start and end and start > end:
        raise fail(f"--from {start} is after --until {end}")
    db = store()
    harvester = OaiHarvester(db)
    try:
        with HarvestProgress(err, quiet=quiet, description=f"OAI {set_spec or 'all'}") as bar:
            summary = harvester.harvest(
                set_spec=set_spec,
                from_date=start,
                until=end,
                feature=feature,
                on_page=lambda page, s: bar.update(
                    s,
                    page.complete_size,
                    # a resumed harvest starts part-way: the token's cursor says where
                    page.cursor + page.count if page.cursor is not None else None,
                ),
            )
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    finally:
        harvester.close()
        try:
            wiring(ctx).after_write(db)  # the derived indexes catch up
        finally:
            db.dispose()
    _finish(summary, what=f"OAI-PMH set {set_spec or '(all)'}", quiet=quiet)


def _split_ids(values: list[str] | None) -> list[str]:
    return [part for value in values or [] for part in re.split(r"[\s,]+", value) if part]


@harvest_app.command("arxiv")
def harvest_arxiv(
    ctx: typer.Context,
    id_args: list[str] | None = typer.Argument(
        None, metavar="ID", help="arXiv ids or URLs (the same as --ids)."
    ),
    ids: list[str] | None = typer.Option(
        None, "--ids", help="arXiv ids or URLs (repeat the option, or separate with commas)."
    ),
    query: str | None = typer.Option(
        None, "--query", help="An arXiv search query, e.g. 'ti:diffusion AND abs:video'."
    ),
    category: str | None = typer.Option(None, "--category", help="A category, e.g. cs.CL."),
    max_results: int = typer.Option(
        DEFAULT_MAX, "--max", min=1, help="Most search results to fetch (newest first)."
    ),
    feature: bool = FEATURE,
    quiet: bool = QUIET,
) -> None:
    """Fetch papers from the arXiv API by id, or by search query / category."""
    from dailypapers.ingest.arxiv_api import (
        harvest_ids,
        harvest_search,
        normalise_ids,
        search_query,
    )

    wanted = _split_ids([*(id_args or []), *(ids or [])])
    if wanted and (query or category):
        raise fail("give either --ids or --query/--category, not both")
    if not wanted and not (query or category):
        raise fail("give --ids, --query or --category")
    try:
        wanted = normalise_ids(wanted)
        search = None if wanted else search_query(query, category)
    except (DailyPapersError, ValueError) as exc:
        raise fail(str(exc)) from None
    db = store()
    try:
        with HarvestProgress(err, quiet=quiet, description="arXiv API") as bar:
            if wanted:
                summary = harvest_ids(
                    db,
                    wanted,
                    feature=feature,
                    on_page=lambda page, s: bar.update(s, len(wanted)),
                )
            else:
                assert search is not None
                summary = harvest_search(
                    db,
                    search,
                    max_results=max_results,
                    feature=feature,
                    on_page=lambda page, s: bar.update(s, min(page.total, max_results)),
                )
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    finally:
        try:
            wiring(ctx).after_write(db)
        finally:
            db.dispose()
    _finish(summary, what="the arXiv API", quiet=quiet)

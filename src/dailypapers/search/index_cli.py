"""`dailypapers index`: build or catch up the semantic (vector) index, resumably."""

from __future__ import annotations

import typer

from dailypapers.cli_support import fail, store
from dailypapers.errors import DailyPapersError

MODEL_HELP = "Embedding model: minilm (best quality), static (fast), auto (by corpus size)."


app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)


@app.command("index")
def index_command(
    model: str = typer.Option(None, "--model", help=MODEL_HELP, show_default=False),
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop every vector and embed all again."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    chunk: int = typer.Option(
        0, "--chunk", min=0, help="Papers per stored step (0: the model's default)."
    ),
    shared: bool = typer.Option(
        False,
        "--shared",
        help="PostgreSQL: share the backlog with other `index --shared` processes and workers, "
        "on any machines (ranges claimed from the job queue; --chunk sets a range's size).",
    ),
) -> None:
    """Embed new and changed papers for semantic search (resumes where it stopped).

    Choosing a model other than the one that built the index rebuilds it with that model.
    """
    if shared:
        if rebuild or model:
            raise fail("--shared embeds with the index's model: run --rebuild/--model alone first")
        return _index_shared(chunk)
    from dailypapers.search.embed.models import MODEL_NAMES
    from dailypapers.search.progress import Progress
    from dailypapers.search.vectors.indexing import (
        choose_model,
        index_papers,
        pending_count,
        prepared_index,
    )

    if model is not None and model not in ("auto", *MODEL_NAMES):
        raise fail(f"unknown model {model!r}: choose {', '.join(MODEL_NAMES)} or auto")
    db = store()
    try:
        chosen = choose_model(db, model) if model else None
        index = prepared_index(db, chosen, rebuild=rebuild)
        name = index.meta()["model"]
        total = pending_count(db, index)
        bar = Progress(total, f"embedding ({name})") if progress and total else None
        try:
            report = index_papers(
                db, model=name, progress=bar.update if bar else None, chunk=chunk or None
            )
        finally:
            if bar:
                bar.close()
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"{report.embedded:,} papers embedded with {report.model}, {report.skipped:,} already "
        f"current; {report.total:,} vectors in the index"
    )


def _index_shared(chunk: int) -> None:
    from dailypapers.jobs.embed_backlog import index_shared
    from dailypapers.jobs.worker import default_owner
    from dailypapers.search.vectors.shared import RANGE, SharedIndexUnsupported

    db = store()
    settings = db.settings
    try:
        report = index_shared(
            db,
            owner=default_owner(),
            lease=settings.worker_lease_seconds,
            poll=settings.worker_poll_seconds,
            size=chunk or RANGE,
        )
    except (DailyPapersError, SharedIndexUnsupported) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{report.ranges:,} ranges embedded here ({report.planned:,} planned here)")
    if report.failed:
        raise fail(f"{report.failed} range(s) failed: see `dailypapers worker status`")

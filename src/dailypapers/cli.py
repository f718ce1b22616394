"""The `dailypapers` command line. Each area adds its commands in its own `*_cli` module."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from dailypapers import __version__
from dailypapers.config import Settings, get_settings
from dailypapers.errors import DailyPapersError
from dailypapers.store.db import Store, open_store

app = typer.Typer(
    help="dailypapers: a self-hosted daily research-paper feed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line to stderr and return the Exit to raise."""
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic's ValidationError: a bad environment value
        raise fail(f"bad configuration: {exc}") from None


def store(*, migrate: bool = True) -> Store:
    """Open (and by default migrate) the configured store, or exit with a clear message."""
    try:
        return open_store(settings(), migrate_schema=migrate)
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # an unreachable database, a bad URL, …
        raise fail(f"cannot open the database: {exc}") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dailypapers {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """dailypapers: a self-hosted daily research-paper feed."""


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    db = store(migrate=True)
    typer.echo(f"database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Print counts of papers, listings, users, upvotes and comments."""
    db = store()
    from dailypapers.store.stats import store_stats

    with db.session() as session:
        counts = store_stats(session)
    if as_json:
        typer.echo(json.dumps(counts, sort_keys=True))
        return
    for name, count in counts.items():
        typer.echo(f"{name:>18}  {count:,}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help="Log one line per request (costs throughput)."
    ),
) -> None:
    """Serve the site and the JSON API."""
    import uvicorn

    db = store()  # migrate before the workers start
    # Catch the lexical index up once here (after an import, a crash, a restore), not in the
    # first request of every worker.
    from dailypapers.search.lexical.base import lexical_index

    try:
        lexical_index(db).ensure_current(db)
    finally:
        db.dispose()
    uvicorn.run(
        "dailypapers.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        proxy_headers=True,
        http="httptools",
        loop="uvloop",
    )


def _register() -> None:
    """Add the commands each area defines in its own module."""
    for module in (
        "dailypapers.ingest.cli",
        "dailypapers.digest.cli",
        "dailypapers.accounts.cli",
        "dailypapers.ingest.harvest_cli",
        "dailypapers.search.index_cli",
        "dailypapers.search.cli",
    ):
        __import__(module)


def main() -> None:
    _register()
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)

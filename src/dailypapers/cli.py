"""The `dailypapers` command line, composed here: each area defines its commands in its own `cli`
module (importing only `cli_support`), and this module mounts them and wires what one area's
command runs of another's (`Wiring`: the indexes catch up after an import or a harvest)."""

from __future__ import annotations

import json
import sys

import typer

from dailypapers import __version__, cli_help
from dailypapers.accounts import cli as accounts_cli
from dailypapers.cli_support import Wiring, err, fail, settings, store
from dailypapers.digest import cli as digest_cli
from dailypapers.digest import outbox_cli
from dailypapers.errors import is_disk_full
from dailypapers.ingest import cli as ingest_cli
from dailypapers.ingest import harvest_cli
from dailypapers.jobs import cli as jobs_cli
from dailypapers.jobs import follow
from dailypapers.search import cli as search_cli
from dailypapers.search import index_cli

__all__ = ["app", "err", "fail", "main", "settings", "store"]

cli_help.install()
app = typer.Typer(
    help="dailypapers: a self-hosted daily research-paper feed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dailypapers {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """dailypapers: a self-hosted daily research-paper feed."""
    ctx.obj = Wiring(
        after_batch=follow.after_batch,
        after_write=follow.after_write,
        embed_pending=lambda: index_cli.index_command(
            model=None, rebuild=False, progress=True, chunk=0, shared=False
        ),
    )


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

    config = settings()
    try:
        config.secret()  # generated once here, not by each worker (where it fails unreadably)
    except OSError as exc:
        where = config.data_dir / "secret_key"
        raise fail(
            f"cannot write the session signing key {where}: {exc.strerror or exc}; free some "
            "space or set DAILYPAPERS_SECRET_KEY"
        ) from None
    db = store()  # migrate before the workers start
    # Catch the indexes up once here (after an import, a crash, a restore), not in the first
    # request of every worker.
    from dailypapers.search.health import check_at_start
    from dailypapers.search.vectors.mirror import copy_at_start

    try:
        check_at_start(db)
        copied = copy_at_start(db)  # PostgreSQL: this machine's copy of the vectors
        if copied:
            typer.echo(f"copied {copied:,} vectors from PostgreSQL into {db.settings.data_dir}")
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        raise fail("the disk is full: cannot bring the search index up to date") from None
    finally:
        db.dispose()
    uvicorn.run(
        "dailypapers.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        # The app believes X-Forwarded-* only from DAILYPAPERS_TRUSTED_PROXIES (web/app.py);
        # uvicorn's own handling would trust 127.0.0.1, so any local client could pick its IP.
        proxy_headers=False,
        http="httptools",
        loop="uvloop",
    )


for area in (
    ingest_cli,
    digest_cli,
    outbox_cli,
    accounts_cli,
    harvest_cli,
    index_cli,
    search_cli,
    jobs_cli,
):
    app.add_typer(area.app)


def _register() -> None:
    """Nothing left to do: the areas' commands are mounted above, when this module loads."""


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)

"""`dailypapers worker …`: run the background jobs from the shared queue, add one, list them."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from dailypapers.cli_support import fail, settings, store

worker_app = typer.Typer(
    help="Run background jobs (harvest, digests, index catch-up) from the shared queue.",
    invoke_without_command=True,
)
app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)
app.add_typer(worker_app, name="worker")


@worker_app.callback()
def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Run what is due or pending, then exit."),
    name: str = typer.Option(
        None, "--name", help="This worker's name in the queue (default: host:pid)."
    ),
) -> None:
    """Run background jobs until stopped (SIGTERM/Ctrl-C finish the running job first).

    Start any number on any machines: each due job runs once per schedule slot.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dailypapers.jobs.worker import default_owner, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    db = store()
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    owner = name or default_owner()
    typer.echo(f"worker {owner} started", err=True)
    ran = run_worker(db, settings(), owner=owner, stop=stop, once=once)
    typer.echo(f"worker {owner} stopped after {ran} job(s)", err=True)


@worker_app.command("enqueue")
def enqueue(
    job: str = typer.Argument(..., help="harvest, digest-daily, digest-weekly or index."),
    slot: str = typer.Option(
        None, "--slot", help="The slot (a digest's or harvest's day as YYYY-MM-DD; default today)."
    ),
) -> None:
    """Add one run of a job to the queue now (once per slot)."""
    from datetime import date

    from dailypapers.jobs import queue
    from dailypapers.jobs.worker import JOBS

    if job not in JOBS:
        raise fail(f"unknown job {job!r}: choose {', '.join(JOBS)}")
    if slot is not None and job != "index":
        try:
            date.fromisoformat(slot)
        except ValueError:
            raise fail(f"bad slot {slot!r}: a day as YYYY-MM-DD") from None
    from datetime import datetime

    if slot is None:
        now = datetime.now(settings().zone)
        slot = now.isoformat(timespec="seconds") if job == "index" else now.date().isoformat()
    made = queue.announce(store(), job, slot)
    typer.echo(f"{job} {slot}: {'queued' if made else 'already queued or run'}")


@worker_app.command("status")
def status(limit: int = typer.Option(20, "--limit", min=1, help="How many slots to list.")) -> None:
    """List the newest job slots: state, owner, attempts, error."""
    from dailypapers.jobs import queue

    for run in queue.recent(store(), limit):
        error = f"  {run.error}" if run.error else ""
        typer.echo(
            f"{run.job:<14} {run.slot:<26} {run.state:<8} {run.owner or '-':<24} "
            f"attempts={run.attempts}{error}"
        )

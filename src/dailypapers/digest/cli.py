"""`dailypapers digest …` and `dailypapers subscribers …`."""

from __future__ import annotations

import json
from datetime import date

import typer

from dailypapers.cli_support import fail, settings, store
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.lock import AlreadyRunning
from dailypapers.digest.outbox import outbox_dir
from dailypapers.digest.periods import PERIODS, NotADigestDay
from dailypapers.digest.send import DeliveryAborted, RunReport, send_digests
from dailypapers.digest.transport import MailConfigError
from dailypapers.errors import DailyPapersError

digest_app = typer.Typer(help="Send the email digests.", no_args_is_help=True)
subscribers_app = typer.Typer(help="Manage digest subscribers.", no_args_is_help=True)
app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)
app.add_typer(digest_app, name="digest")
app.add_typer(subscribers_app, name="subscribers")


def _period(value: str) -> str:
    value = value.strip().lower()
    if value not in PERIODS:
        raise typer.BadParameter("daily or weekly")
    return value


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("a date as YYYY-MM-DD") from None


def _summary(report: RunReport) -> str:
    start, end = report.window
    covered = start if start == end else f"{start} … {end}"
    verb = "would send" if report.dry_run else "sent"
    head = f"{report.period} digest {report.key} (listings {covered}): {report.due:,} due"
    parts = [
        head,
        f"{verb} {report.planned if report.dry_run else report.sent:,}",
    ]
    if not report.dry_run:
        parts.append(f"{report.planned:,} newly recorded")
        if report.in_doubt:
            parts.append(f"{report.in_doubt:,} resent after an interrupted run (same Message-ID)")
        parts.append(f"{report.failed:,} failed")
        if report.paused:
            parts.append(f"{len(report.paused):,} paused")
        if report.cancelled:
            parts.append(f"{report.cancelled:,} cancelled")
        if report.expired:
            parts.append(f"{report.expired:,} stale expired")
    parts.append(f"{report.empty:,} with nothing new")
    return ", ".join(parts)


@digest_app.command("send")
def send(
    period: str = typer.Option(
        ...,
        "--period",
        callback=_period,
        metavar="daily|weekly",
        help="daily (weekdays) or weekly.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Compose and count; record and send nothing."
    ),
    day: str | None = typer.Option(
        None,
        "--date",
        metavar="YYYY-MM-DD",
        help="Send as if today were this date (YYYY-MM-DD), e.g. to catch up.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as JSON."),
    workers: int = typer.Option(
        2, "--workers", min=1, max=16, help="SMTP connections used side by side."
    ),
) -> None:
    """Send the period's digest to every confirmed subscriber who has not had it (for cron)."""
    today = _day(day)
    db = store()
    try:
        report = send_digests(db, period=period, today=today, dry_run=dry_run, workers=workers)
    except NotADigestDay as exc:
        typer.echo(f"nothing to do: {exc}")
        return
    except DeliveryAborted as exc:
        typer.echo(_summary(exc.report))
        raise fail(str(exc)) from None
    except (AlreadyRunning, MailConfigError) as exc:
        raise fail(str(exc)) from None
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), default=str, sort_keys=True))
    else:
        typer.echo(_summary(report))
        for email in report.paused:
            typer.echo(f"paused: {email}")
        if not dry_run and not settings().smtp_url and report.sent:
            where = outbox_dir(settings().data_dir)
            typer.echo(f"SMTP_URL is not set: the mail was written to {where} (dailypapers outbox)")


@subscribers_app.command("add")
def add(
    emails: list[str] = typer.Argument(..., help="Addresses to subscribe."),
    frequency: str = typer.Option("daily", "--frequency", help="daily or weekly."),
    topic: list[str] = typer.Option(
        [], "--topic", help="cat:cs.CL, keywords, or search:QUERY (repeatable)."
    ),
    confirmed: bool = typer.Option(
        False, "--confirmed", help="They already agreed elsewhere: send digests without asking."
    ),
) -> None:
    """Bring an existing list. Without --confirmed they get nothing until they subscribe."""
    db = store()
    try:
        with db.session() as session:
            created, kept = subs.add_subscribers(
                session, emails, frequency=frequency, topics=topic, confirmed=confirmed
            )
            created_n, kept_n = len(created), len(kept)
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    state = "confirmed" if confirmed else "pending (not confirmed: nothing is sent to them)"
    typer.echo(f"added {created_n:,} subscriber(s), {state}; {kept_n:,} already present, unchanged")


@subscribers_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    status: str | None = typer.Option(
        None, "--status", help="Only pending, active, paused or unsubscribed."
    ),
) -> None:
    """List subscribers with their status (paused ones say why)."""
    from sqlalchemy import select

    from dailypapers.store.models import Subscription

    db = store()
    with db.session() as session:
        rows = [
            subs.as_dict(s) for s in session.scalars(select(Subscription).order_by(Subscription.id))
        ]
    if status:
        rows = [r for r in rows if r["status"] == status]
    if as_json:
        typer.echo(json.dumps(rows, sort_keys=True))
        return
    for r in rows:
        topics = ", ".join(r["topics"]) or "-"
        line = f"{r['email']:<40} {r['status']:<12} {r['frequency']:<7} {topics}"
        if r["status"] == "paused":
            line += f"  ({r['pause_reason']})"
        typer.echo(line)


@subscribers_app.command("resume")
def resume(
    emails: list[str] = typer.Argument(..., help="Paused addresses to send to again."),
) -> None:
    """Resume paused addresses (after their mailbox works again)."""
    db = store()
    try:
        with db.session() as session:
            for email in emails:
                sub = subs.find_by_email(session, subs.normalize_email(email))
                if sub is None:
                    raise fail(f"no subscriber {email}")
                subs.resume(sub)
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"resumed {len(emails)} subscriber(s)")

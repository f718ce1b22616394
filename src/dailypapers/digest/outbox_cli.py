"""`dailypapers outbox`: read the mail a site without SMTP_URL wrote to its local outbox."""

from __future__ import annotations

import typer

from dailypapers.cli_support import fail, settings
from dailypapers.digest.outbox import outbox_dir, read_outbox

outbox_app = typer.Typer(
    help="List the mail written to the local outbox (used when SMTP_URL is not set).",
    invoke_without_command=True,
)
app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def list_mail(context: typer.Context) -> None:
    """List the mail written to the local outbox, oldest first (used when SMTP_URL is unset)."""
    if context.invoked_subcommand is not None:
        return
    directory = outbox_dir(settings().data_dir)
    mails = read_outbox(directory)
    if not mails:
        typer.echo(f"the outbox is empty ({directory})")
        return
    for mail in mails:
        typer.echo(f"{mail.number:>4}  {mail.date:<31}  {mail.to:<32}  {mail.subject}")
    typer.echo(f"{len(mails):,} mail(s) in {directory}; `dailypapers outbox show N` prints one")


@outbox_app.command("show")
def show(
    number: int = typer.Argument(
        0,
        metavar="N",
        show_default=False,
        help="The mail's number in the list (default: the newest).",
    ),
    raw: bool = typer.Option(False, "--raw", help="Print the file as written (MIME)."),
) -> None:
    """Print one mail from the outbox: its headers and plain text, links included."""
    mails = read_outbox(outbox_dir(settings().data_dir))
    if not mails:
        raise fail("the outbox is empty")
    if number == 0:
        number = len(mails)
    if not 1 <= number <= len(mails):
        raise fail(f"no mail {number} in the outbox (it has 1 … {len(mails)})")
    mail = mails[number - 1]
    if raw:
        typer.echo(mail.path.read_bytes().decode("utf-8", "replace"))
        return
    for header in ("Date", "From", "To", "Subject"):
        typer.echo(f"{header}: {mail.message.get(header, '')}")
    typer.echo(f"File: {mail.path}\n")
    typer.echo(mail.text())

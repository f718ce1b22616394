"""`dailypapers user create USERNAME [--admin]`, `dailypapers user password USERNAME`."""

from __future__ import annotations

import sys

import typer

from dailypapers.cli_support import fail, store
from dailypapers.errors import Conflict, InvalidInput

user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)
app.add_typer(user_app, name="user")


@user_app.command("create")
def create(
    username: str = typer.Argument(..., help="The new user's name."),
    email: str | None = typer.Option(None, help="Email address (optional)."),
    admin: bool = typer.Option(False, "--admin", help="Make the user an admin (can moderate)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (for scripts)."
    ),
) -> None:
    """Create a user; prompts for the password unless --password-stdin."""
    from dailypapers.accounts.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = store()
    try:
        with db.session() as session:
            user = create_user(
                session=session, username=username, password=password, email=email, is_admin=admin
            )
            name, is_admin = user.username, user.is_admin
    except (InvalidInput, Conflict) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"created {'admin' if is_admin else 'user'} {name}")


@user_app.command("password")
def password(
    username: str = typer.Argument(..., help="The user whose password changes."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (for scripts)."
    ),
) -> None:
    """Set a user's password; every session they have (all devices) is logged out."""
    from dailypapers.accounts.users import get_user_by_name, set_password

    if password_stdin:
        new_password = sys.stdin.readline().rstrip("\n")
    else:
        new_password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    db = store()
    try:
        with db.session() as session:
            user = get_user_by_name(session=session, username=username)
            if user is None:
                raise fail(f"no user {username!r}")
            set_password(session=session, user=user, password=new_password)
            name = user.username
    except InvalidInput as exc:
        raise fail(str(exc)) from None
    typer.echo(f"changed the password of {name}; their sessions are logged out")

"""What every area's commands share: one clear error line, the settings, the opened store.

The areas' command modules import this, never the root `cli.py` (which imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer
from rich.console import Console

from dailypapers.config import Settings, get_settings
from dailypapers.errors import DailyPapersError
from dailypapers.store.db import Store, open_store

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
    config = settings()  # a bad setting exits here with its own message
    try:
        return open_store(config, migrate_schema=migrate)
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # an unreachable database, a bad URL, …
        raise fail(f"cannot open the database: {exc}") from None


def _nothing(*_args: object, **_kwargs: object) -> None:
    return None


@dataclass
class Wiring:
    """What one area's commands run of another's, handed down by the root command line
    (`ctx.obj`), so that no area imports another's commands."""

    after_batch: Callable[..., object] = _nothing  # (store, UpsertResult): a batch committed
    after_write: Callable[..., object] = _nothing  # (store): a command finished writing papers
    embed_pending: Callable[..., object] = _nothing  # (): embed what waits, with a progress bar


def wiring(ctx: typer.Context | None) -> Wiring:
    obj = ctx.obj if ctx is not None else None
    return obj if isinstance(obj, Wiring) else Wiring()

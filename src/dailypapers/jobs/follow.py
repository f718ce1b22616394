"""What runs after papers are written: the derived indexes catch up (a call, not an event)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.store.db import Store
    from dailypapers.store.records import UpsertResult


def after_batch(store: Store, result: UpsertResult) -> None:
    """Inside a bulk import: the keyword index takes the batch (committing a moment later)."""
    from dailypapers.search.follow import catch_up  # loaded by the commands that write

    catch_up(store, result, final=False, vectors=False)


def after_write(store: Store) -> None:
    """A command finished writing: the keyword index commits; a few new papers are embedded."""
    from dailypapers.search.follow import catch_up

    catch_up(store, final=True, vectors=True)

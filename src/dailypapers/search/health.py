"""A damaged keyword index must not take search down: it is derived, so it is rebuilt.

`guarded(store)` hands the search service the lexical engine, or — while the index cannot be
read (garbage in meta.json, a truncated segment) — a stand-in that finds nothing lexically, so
search answers with semantic results, and starts one rebuild from the database in the
background. `check_at_start` (serve, `search-index`) catches up or rebuilds before serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from dailypapers.search.lexical.base import Filters, LexicalResult, WriterBusy
from dailypapers.search.lexical.registry import lexical_index
from dailypapers.search.vectors.indexing import catch_up_small
from dailypapers.store.changes import latest_change_seq
from dailypapers.store.models import Paper

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import LexicalIndex
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)
_rebuilding: dict[int, threading.Thread] = {}
_lock = threading.Lock()


class Unavailable:
    """The lexical engine while its index is rebuilt: no lexical hits, hidden papers still out."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(self, query: ParsedQuery, *, limit: int, **_: object) -> LexicalResult:
        return LexicalResult()

    def filter_ids(self, ids: Sequence[int], query: ParsedQuery, filters: Filters) -> set[int]:
        with self.store.session() as session:
            shown = select(Paper.id).where(Paper.id.in_(list(ids)), Paper.hidden.is_(False))
            return set(session.scalars(shown))

    def score_ids(
        self, ids: Sequence[int], query: ParsedQuery, filters: Filters
    ) -> dict[int, float]:
        return {}


def rebuild_in_background(store: Store, index: LexicalIndex) -> None:
    """Start one rebuild of this store's index (not a second while one runs)."""
    with _lock:
        running = _rebuilding.get(id(index))
        if running is not None and running.is_alive():
            return

        def run() -> None:
            try:
                count = index.rebuild(store)
                log.warning("keyword index rebuilt: %d papers", count)
            except Exception:
                log.exception("keyword index: the rebuild failed; run `dailypapers search-index`")

        thread = threading.Thread(target=run, name="lexical-rebuild", daemon=True)
        _rebuilding[id(index)] = thread
        thread.start()


def guarded(store: Store) -> LexicalIndex | Unavailable:
    """The lexical engine, or the stand-in while its index is being rebuilt."""
    index = lexical_index(store)
    running = _rebuilding.get(id(index))
    if running is not None and running.is_alive():
        return Unavailable(store)
    with store.session() as session:  # one read of the latest change for both indexes
        latest = latest_change_seq(session)
    catch_up_small(store, latest)  # a few papers saved since: embedded now (more: `index`)
    try:
        index.ensure_current(store, latest)
        return index
    except WriterBusy:
        return index
    except Exception as exc:
        return damaged(store, index, exc)


def damaged(store: Store, index: LexicalIndex, exc: BaseException) -> Unavailable:
    """The index failed to answer: log it, rebuild it in the background, use the stand-in."""
    log.warning("keyword index damaged (%s); searching without it while it is rebuilt", exc)
    rebuild_in_background(store, index)
    return Unavailable(store)


def check_at_start(store: Store) -> str:
    """Catch the keyword index up, or rebuild it when it cannot be read; says which."""
    index = lexical_index(store)
    try:
        index.ensure_current(store)
        index.applied_seq()
        return "current"
    except WriterBusy:
        return "busy"
    except Exception as exc:
        log.warning("keyword index damaged (%s); rebuilding it from the database", exc)
        count = index.rebuild(store)
        return f"rebuilt ({count:,} papers)"

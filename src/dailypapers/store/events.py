""" "Papers changed" notifications, so derived indexes (lexical, vectors) stay current.

Listeners live in the modules named in LISTENER_MODULES and register with `on_papers_changed`;
they are imported lazily on the first notification so the store does not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dailypapers.store.db import Store

Listener = Callable[..., None]  # (store, paper_ids) or, with `accepts_rows`, also rows=

LISTENER_MODULES: tuple[str, ...] = (
    "dailypapers.search.lexical.indexing",
    "dailypapers.search.vectors.indexing",
)
_listeners: list[Listener] = []
_loaded = False


def on_papers_changed(listener: Listener) -> Listener:
    """Register `listener(store, paper_ids)`, called after a batch of papers is committed.

    A listener with the attribute `accepts_rows = True` is called as
    `listener(store, paper_ids, rows=...)` when the writer has the rows (see papers_changed).
    """
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in LISTENER_MODULES:
            import_module(name)
        _loaded = True


def papers_changed(
    store: Store, paper_ids: Sequence[int], *, rows: Mapping[int, Mapping[str, Any]] | None = None
) -> None:
    """Tell every listener that these papers were inserted or changed (after commit).

    `rows` (paper id -> the column values just written, for some or all of the ids) spares a
    listener marked `accepts_rows` reading those papers back: bulk imports pass the rows they
    inserted. Callers that have no rows (moderation, catch-up) pass ids only.
    """
    if not paper_ids:
        return
    _load()
    for listener in _listeners:
        if rows and getattr(listener, "accepts_rows", False):
            listener(store, paper_ids, rows=rows)
        else:
            listener(store, paper_ids)

""" "Papers changed" notifications, so derived indexes (lexical, vectors) stay current.

Listeners live in the modules named in LISTENER_MODULES and register with `on_papers_changed`;
they are imported lazily on the first notification so the store does not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.store.db import Store

Listener = Callable[["Store", Sequence[int]], None]

LISTENER_MODULES: tuple[str, ...] = (
    "dailypapers.search.indexing",
    "dailypapers.search.vector_indexing",
)
_listeners: list[Listener] = []
_loaded = False


def on_papers_changed(listener: Listener) -> Listener:
    """Register `listener(store, paper_ids)`, called after a batch of papers is committed."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in LISTENER_MODULES:
            import_module(name)
        _loaded = True


def papers_changed(store: Store, paper_ids: Sequence[int]) -> None:
    """Tell every listener that these papers were inserted or changed (after commit)."""
    if not paper_ids:
        return
    _load()
    for listener in _listeners:
        listener(store, paper_ids)

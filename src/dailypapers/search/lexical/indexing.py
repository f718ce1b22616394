"""Keeps the lexical index current: registered with the store's papers-changed event."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dailypapers.search.lexical.base import lexical_index
from dailypapers.store.events import on_papers_changed

if TYPE_CHECKING:
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)


def update_lexical_index(
    store: Store, paper_ids: Sequence[int], rows: Mapping[int, Mapping[str, Any]] | None = None
) -> None:
    """Re-index the papers a committed batch inserted or changed."""
    index = lexical_index(store)
    if rows and hasattr(index, "index_rows"):
        index.index_rows(store, paper_ids, rows)
    else:
        index.index(store, paper_ids)


update_lexical_index.accepts_rows = True  # type: ignore[attr-defined]
on_papers_changed(update_lexical_index)

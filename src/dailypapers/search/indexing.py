"""Keeps the lexical index current: registered with the store's papers-changed event."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dailypapers.search.lexical import lexical_index
from dailypapers.store.events import on_papers_changed

if TYPE_CHECKING:
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)


@on_papers_changed
def update_lexical_index(store: Store, paper_ids: Sequence[int]) -> None:
    """Re-index the papers a committed batch inserted or changed."""
    lexical_index(store).index(store, paper_ids)

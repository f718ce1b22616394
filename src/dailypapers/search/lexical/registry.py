"""Which lexical engine a store uses: tantivy, in the data dir of the machine that searches.

On SQLite and on PostgreSQL alike. On PostgreSQL each machine (each data dir) keeps its own
tantivy index, derived from the shared database by the change sequence: every search first
applies what any machine committed since (store/changes.py), so all machines answer alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import LexicalIndex
    from dailypapers.store.db import Store


def lexical_index(store: Store) -> LexicalIndex:
    """The lexical engine for this store (one shared object per process and data dir)."""
    from dailypapers.search.lexical.tantivy.index import tantivy_index

    return tantivy_index(store)

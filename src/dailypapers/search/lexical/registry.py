"""Which lexical engine a store uses: tantivy beside SQLite, tsvector in PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import LexicalIndex
    from dailypapers.store.db import Store


def lexical_index(store: Store) -> LexicalIndex:
    """The lexical engine for this store (one shared object per process and data dir)."""
    if store.is_sqlite:
        from dailypapers.search.lexical.tantivy.index import tantivy_index

        return tantivy_index(store)
    from dailypapers.search.lexical.postgres import PostgresLexicalIndex

    return PostgresLexicalIndex(store)

"""Which vector index a store uses: files beside SQLite; on PostgreSQL, pgvector, searched
through this machine's copy of it (mirror.py) unless DAILYPAPERS_VECTOR_MIRROR is false."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dailypapers.search.vectors.base import VectorIndex
    from dailypapers.store.db import Store

_file_indexes: dict[str, Any] = {}


def open_vector_index(store: Store) -> VectorIndex:
    """The vector index that belongs to this store (one shared object per process and place)."""
    if store.is_sqlite:
        from dailypapers.search.vectors.files import FileVectorIndex

        path = (store.settings.data_dir / "search" / "vectors").resolve()
        index = _file_indexes.get(str(path))
        if index is None:
            index = _file_indexes[str(path)] = FileVectorIndex(path)
        return index
    if store.settings.vector_mirror:
        from dailypapers.search.vectors.mirror import open_mirror

        return open_mirror(store)
    from dailypapers.search.vectors.pgvector import PgVectorIndex

    return PgVectorIndex(store)

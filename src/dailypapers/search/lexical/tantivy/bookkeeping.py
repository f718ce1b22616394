"""What the tantivy index knows about itself: the applied change number and whose index it is.

The applied number lives in a marker document committed with the documents it covers (so a
crash leaves the index behind, never ahead); `index_state` holds a mirror of it for reports;
`sync_state` holds the token that ties an index to its database (made by a rebuild).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import tantivy
from tantivy import Query

from dailypapers.search.lexical.tantivy.schema import MARKER_ID, SCHEMA
from dailypapers.store.changes import record_applied
from dailypapers.store.models import SyncState

if TYPE_CHECKING:
    from dailypapers.store.db import Store

STATE_KEY = "search.lexical"
INDEX_NAME = "lexical"  # its row in index_state (a mirror of the marker, for reports)


def marker_seq(index: tantivy.Index) -> int:
    """The change number the committed index has applied (0 when it has no marker)."""
    searcher = index.searcher()
    found = searcher.search(Query.term_query(SCHEMA, "id", MARKER_ID), limit=1, count=False)
    if not found.hits:
        return 0
    return int(searcher.fast_field_values("applied_seq", [found.hits[0][1]])[0])


def max_id(index: tantivy.Index) -> int:
    """The highest paper id committed to the index (0 when empty)."""
    searcher = index.searcher()
    found = searcher.search(Query.all_query(), limit=1, order_by_field="id")
    return int(found.hits[0][0]) if found.hits else 0


def mirror(store: Store, seq: int) -> None:
    """Copy the applied number to index_state, where reports read it (the marker is the truth)."""
    with store.session() as session:
        record_applied(session, INDEX_NAME, seq)


def db_token(store: Store, *, create: bool = False) -> str | None:
    """The token that ties an index to its database (made by a rebuild)."""
    with store.session() as session:
        row = session.get(SyncState, STATE_KEY)
        if row is not None and row.value.get("token"):
            return row.value["token"]
        if not create:
            return None
        token = uuid.uuid4().hex
        if row is None:
            session.add(SyncState(key=STATE_KEY, value={"token": token}))
        else:
            row.value = {**row.value, "token": token}
        return token

"""A fresh tantivy index built beside the live one from one database snapshot, then swapped in."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dailypapers.search.lexical.tantivy.bookkeeping import db_token
from dailypapers.search.lexical.tantivy.schema import (
    SCHEMA_VERSION,
    document_of,
    marker_of,
    open_index,
)
from dailypapers.search.lexical.tantivy.store_docs import iter_docs
from dailypapers.store.changes import latest_change_seq

if TYPE_CHECKING:
    from dailypapers.store.db import Store

WRITER_HEAP = 128_000_000  # bytes, split between the threads


def build_and_swap(
    root: Path, live: Path, store: Store, *, progress: bool = False
) -> tuple[int, int]:
    """Index every paper into `root/lexical.new-<pid>` and move it to `live`.

    Returns (papers indexed, the change number the new index has applied). The swap is two
    renames, so a reader sees the old index or the new one, never a half-built one.
    """
    fresh = root / f"lexical.new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    index = open_index(fresh)
    writer = index.writer(WRITER_HEAP, 1)
    count = 0
    bar = None
    with store.session() as session:
        # Read in one transaction: the number and the documents are the same snapshot.
        latest = latest_change_seq(session)
        bar = _progress(session) if progress else None
        for docs in iter_docs(session):
            for doc in docs:
                writer.add_document(document_of(doc))
            count += len(docs)
            if bar:
                bar.update(len(docs))
    writer.add_document(marker_of(latest))
    writer.commit()
    writer.wait_merging_threads()
    del writer
    state = {
        "schema": SCHEMA_VERSION,
        "token": db_token(store, create=True),
        "generation": uuid.uuid4().hex,
        "rebuilt_at": datetime.now(UTC).isoformat(),
    }
    (fresh / "state.json").write_text(json.dumps(state))
    old = root / f"lexical.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if live.exists():
        os.replace(live, old)
    os.replace(fresh, live)
    shutil.rmtree(old, ignore_errors=True)
    if bar:
        bar.close()
    return count, latest


def _progress(session):  # noqa: ANN001, ANN202
    from sqlalchemy import func, select

    from dailypapers.search.progress import Progress
    from dailypapers.store.models import Paper

    return Progress(session.scalar(select(func.count(Paper.id))) or 0, "lexical index")

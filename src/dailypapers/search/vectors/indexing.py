"""Keeping paper vectors current by the store's change sequence (store/changes.py).

The catch-up walks papers in (change_seq, id) order after the number the index has applied and
stores, with each chunk of vectors and in the same step, the number that chunk completes; so
`dailypapers index` resumes where it stopped and a killed run never leaves the number ahead of
the vectors. Each vector remembers the modified_at it was made from, so papers whose text did
not change since (embedded on demand, or re-numbered by a moderation) are skipped.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_

from dailypapers.faults import fault_point
from dailypapers.search.embed.models import (
    MINILM,
    MODEL_NAMES,
    STATIC,
    UnknownModel,
    get_embedder,
    paper_text,
)
from dailypapers.search.vectors.base import VectorIndex
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.changes import latest_change_seq
from dailypapers.store.db import Store
from dailypapers.store.models import Paper
from dailypapers.timeutil import as_utc

log = logging.getLogger(__name__)

AUTO_STATIC_FROM = 50_000  # papers: above this, `auto` picks the static model (MiniLM: hours)
CHUNK = {MINILM: 256, STATIC: 4096}  # papers per committed step of a catch-up


@dataclass
class IndexReport:
    model: str
    embedded: int = 0
    skipped: int = 0  # already current (embedded inline)
    total: int = 0  # vectors in the index at the end


def _paper_count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Paper)) or 0)


def choose_model(store: Store, requested: str | None = None) -> str:
    """The model to build with: an explicit choice, else the setting, `auto` by corpus size."""
    name = requested or store.settings.embedder
    if name == "auto":
        return MINILM if _paper_count(store) < AUTO_STATIC_FROM else STATIC
    if name not in MODEL_NAMES:
        raise UnknownModel(
            f"unknown embedding model {name!r} (choose one of: {', '.join(MODEL_NAMES)})"
        )
    return name


def prepared_index(store: Store, model: str | None = None, *, rebuild: bool = False) -> VectorIndex:
    """The store's vector index, emptied and set up for `model` if it was built by another one."""
    index = open_vector_index(store)
    current = index.meta().get("model")
    model = model or current or choose_model(store)
    if rebuild or current != model:
        index.reset(model, get_embedder(model).dim)
    return index


def _stamp(moment: datetime) -> float:
    return as_utc(moment).timestamp()


def _embed_rows(
    index: VectorIndex, rows: Sequence, model: str, applied: int | None = None
) -> tuple[int, int]:
    """Embed rows (id, title, abstract, modified_at, change_seq) whose vector is missing or
    stale; `applied` is stored with the vectors (the change number these rows complete)."""
    current = index.stamps([r.id for r in rows])
    todo = [r for r in rows if current.get(r.id) != _stamp(r.modified_at)]
    meta = {"applied_seq": applied} if applied is not None else None
    vectors = (
        get_embedder(model).embed([paper_text(r.title, r.abstract) for r in todo]) if todo else None
    )
    fault_point("vectors-chunk")
    if todo:
        index.add([r.id for r in todo], vectors, [_stamp(r.modified_at) for r in todo], meta=meta)
    elif meta and index.meta().get("applied_seq") != applied:
        index.set_meta(**meta)
    return len(todo), len(rows) - len(todo)


COLUMNS = (Paper.id, Paper.title, Paper.abstract, Paper.modified_at, Paper.change_seq)


def applied_seq(index: VectorIndex) -> int:
    """The change number the vector index has applied (stored with its vectors)."""
    return int(index.meta().get("applied_seq") or 0)


def pending_count(store: Store, index: VectorIndex) -> int:
    """How many papers changed after the number the index has applied (an upper bound: some
    may already be current)."""
    with store.session() as session:
        query = select(func.count()).select_from(Paper).where(Paper.change_seq > applied_seq(index))
        return int(session.scalar(query) or 0)


def index_papers(
    store: Store,
    *,
    model: str | None = None,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk: int | None = None,
) -> IndexReport:
    """Embed every paper changed since the applied number (all after a rebuild), resumably;
    `chunk` papers per stored step (by default the model's)."""
    index = prepared_index(store, model, rebuild=rebuild)
    model = index.meta()["model"]
    report = IndexReport(model=model)
    chunk = chunk or CHUNK[model]
    applied = applied_seq(index)
    index.prepare_bulk(pending_count(store, index))  # pgvector: a large backlog, graph after
    cursor = (applied, 2**62)  # past every id: start at the next number
    while True:
        with store.session() as session:
            rows = session.execute(
                select(*COLUMNS)
                .where(tuple_(Paper.change_seq, Paper.id) > tuple_(*cursor))
                .order_by(Paper.change_seq, Paper.id)
                .limit(chunk)
            ).all()
        if not rows:
            break
        last = rows[-1].change_seq
        # A full chunk may stop inside number `last`: only the one before it is complete.
        done = last - 1 if len(rows) == chunk else last
        applied = max(applied, done)
        embedded, skipped = _embed_rows(index, rows, model, applied)
        report.embedded += embedded
        report.skipped += skipped
        cursor = (last, rows[-1].id)
        if progress is not None:
            progress(len(rows))
    index.flush(force=True)
    report.total = len(index)
    return report


def embed_papers(store: Store, paper_ids: Sequence[int]) -> int:
    """Embed these papers now (into the existing index, or a new one); returns how many."""
    index = prepared_index(store)
    model = index.meta()["model"]
    with store.session() as session:
        rows = session.execute(select(*COLUMNS).where(Paper.id.in_(list(paper_ids)))).all()
    embedded, _ = _embed_rows(index, rows, model)
    index.flush()
    return embedded


def catch_up_small(store: Store, latest: int | None = None) -> int:
    """Embed what changed since the index's number if that is a few papers (the setting
    `embed_inline_max`); leave more for `dailypapers index`. Returns how many were embedded.
    `latest`: the database's latest change number, when the caller has just read it."""
    limit = store.settings.embed_inline_max
    if not limit:
        return 0
    try:
        index = open_vector_index(store)
        if latest is None:
            with store.session() as session:
                latest = latest_change_seq(session)
        if latest <= applied_seq(index) or pending_count(store, index) > limit:
            return 0
        return index_papers(store).embedded
    except Exception:  # the papers are saved; a derived index must not undo that
        log.exception("could not embed saved papers; `dailypapers index` will catch up")
        return 0


def catch_up_in_background(store: Store) -> threading.Thread | None:
    """Embed pending papers (e.g. after a bulk import) in a daemon thread while the site serves.

    Only one process per data dir catches up at a time (a non-blocking file lock); returns the
    thread, or None when another process is already at it.
    """
    lock_path = store.settings.data_dir / "search" / "vector-catch-up.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = open(lock_path, "w")  # noqa: SIM115 - held open for the thread's lifetime
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        return None

    def run() -> None:
        try:
            report = index_papers(store)
            if report.embedded:
                log.info("embedded %d papers with %s", report.embedded, report.model)
        except Exception:
            log.exception("background vector catch-up failed; run `dailypapers index`")
        finally:
            lock_file.close()

    thread = threading.Thread(target=run, name="vector-catch-up", daemon=True)
    thread.start()
    return thread

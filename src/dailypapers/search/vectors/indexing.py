"""Keeping paper vectors current: inline for small saved batches, catch-up for the rest.

The catch-up walks papers in (modified_at, id) order from a watermark stored with the index and
advances it after each committed chunk, so `dailypapers index` resumes where it stopped. Each
vector remembers the modified_at it was made from, so papers already embedded inline are
skipped rather than embedded twice.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from dailypapers.search.embed.models import (
    MINILM,
    MODEL_NAMES,
    STATIC,
    UnknownModel,
    get_embedder,
    paper_text,
)
from dailypapers.search.vectors.base import VectorIndex, open_vector_index
from dailypapers.store.db import Store
from dailypapers.store.events import on_papers_changed
from dailypapers.store.models import Paper
from dailypapers.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

AUTO_STATIC_FROM = 50_000  # papers: above this, `auto` picks the static model (MiniLM: hours)
CHUNK = {MINILM: 256, STATIC: 4096}  # papers per committed step of a catch-up
WATERMARK_LAG = timedelta(minutes=5)


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


def _embed_rows(index: VectorIndex, rows: Sequence, model: str) -> tuple[int, int]:
    """Embed rows (id, title, abstract, modified_at) whose vector is missing or stale."""
    current = index.stamps([r.id for r in rows])
    todo = [r for r in rows if current.get(r.id) != _stamp(r.modified_at)]
    if todo:
        vectors = get_embedder(model).embed([paper_text(r.title, r.abstract) for r in todo])
        index.add([r.id for r in todo], vectors, [_stamp(r.modified_at) for r in todo])
    return len(todo), len(rows) - len(todo)


COLUMNS = (Paper.id, Paper.title, Paper.abstract, Paper.modified_at)


def _watermark(index: VectorIndex) -> tuple[datetime | None, int]:
    meta = index.meta()
    if not meta.get("watermark"):
        return None, 0
    return datetime.fromisoformat(meta["watermark"]), int(meta.get("watermark_id", 0))


def _after(cursor: tuple[datetime | None, int]):  # noqa: ANN202 - a SQL condition
    moment, last_id = cursor
    if moment is None:
        return Paper.id.is_not(None)
    return or_(Paper.modified_at > moment, and_(Paper.modified_at == moment, Paper.id > last_id))


def pending_count(store: Store, index: VectorIndex) -> int:
    """How many papers changed after the index's watermark (an upper bound: some of the most
    recent ones may already be current)."""
    with store.session() as session:
        query = select(func.count()).select_from(Paper).where(_after(_watermark(index)))
        return int(session.scalar(query) or 0)


def index_papers(
    store: Store,
    *,
    model: str | None = None,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IndexReport:
    """Embed every paper changed since the watermark (all of them after a rebuild), resumably."""
    index = prepared_index(store, model, rebuild=rebuild)
    model = index.meta()["model"]
    report = IndexReport(model=model)
    chunk = CHUNK[model]
    cursor = _watermark(index)
    # A writer that started before this read may still commit rows stamped a little earlier
    # than rows already visible; the stored watermark stays behind them (re-reading those rows
    # next time is cheap: their vectors are current and skipped).
    horizon = utcnow() - WATERMARK_LAG
    while True:
        with store.session() as session:
            rows = session.execute(
                select(*COLUMNS)
                .where(_after(cursor))
                .order_by(Paper.modified_at, Paper.id)
                .limit(chunk)
            ).all()
        if not rows:
            break
        embedded, skipped = _embed_rows(index, rows, model)
        report.embedded += embedded
        report.skipped += skipped
        cursor = (as_utc(rows[-1].modified_at), rows[-1].id)
        stored = cursor if cursor[0] <= horizon else (horizon, 0)
        if stored != _watermark(index):
            index.set_meta(watermark=stored[0].isoformat(), watermark_id=stored[1])
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


@on_papers_changed
def embed_saved_papers(store: Store, paper_ids: Sequence[int]) -> None:
    """Listener: embed small saved batches at once; leave big ones for `dailypapers index`."""
    limit = store.settings.embed_inline_max
    if not limit or len(paper_ids) > limit:
        return
    try:
        embed_papers(store, paper_ids)
    except Exception:  # the papers are saved; a derived index must not undo that
        log.exception(
            "could not embed %d saved papers; `dailypapers index` will catch up", len(paper_ids)
        )


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

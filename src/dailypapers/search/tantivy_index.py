"""The lexical index of SQLite mode: tantivy, in `<data_dir>/search/lexical/`.

A derived index, kept current by the papers-changed listener and rebuildable at any time:
- the listener re-reads changed papers from the database and replaces their documents
  (delete by id, add); during a burst (a bulk import) commits are spaced `COMMIT_INTERVAL`
  apart so indexing overlaps the import, and the last commit happens at most that long after
  the burst (or at exit);
- `state.json` beside the index holds the watermark (the highest `Paper.modified_at`
  committed) and a token shared with the database's `sync_state`, so a crash is caught up
  by `sync` and an index that belongs to another database is rebuilt, never trusted;
- one process writes at a time (tantivy's lock file); a writer that cannot get the lock
  leaves the ids in `pending/` for the next one; readers in every process reload when
  `meta.json` changes.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tantivy
from sqlalchemy import func, select
from tantivy import Occur, Query

from dailypapers.search.lexical import Filters, IndexDoc, LexicalResult, Rank, Sort
from dailypapers.search.sqlite_docs import doc_of_row, iter_docs, newest, read_docs
from dailypapers.search.tantivy_query import build_query, filter_clauses
from dailypapers.search.tantivy_schema import SCHEMA, SCHEMA_VERSION, document_of, open_index
from dailypapers.store.models import Paper, SyncState
from dailypapers.timeutil import as_utc, parse_datetime

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)
STATE_KEY = "search.lexical"
COMMIT_INTERVAL = 1.0  # seconds between commits during a burst
WRITER_HEAP = 128_000_000  # bytes, split between the threads
WRITER_THREADS = 1  # one indexing thread: the importer's Python keeps the other core
LOCK_WAIT = 15.0  # seconds a writer waits for another process's lock before deferring


class TantivyIndex:
    """The tantivy lexical index of one data dir (one object per process and path)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "lexical"
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._meta_mtime = 0.0
        self._generation: str | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._uncommitted: list[IndexDoc] = []  # added, not committed yet (their modified_at)
        self._max_id = 0  # highest paper id in the index: higher ids need no delete first
        self._last_commit = 0.0
        self._last_index = 0.0  # when the listener last added documents (monotonic)
        self._timer: threading.Timer | None = None
        self._committer: threading.Thread | None = None
        self._checked = False
        atexit.register(self.close)

    # --- state -------------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.path / "state.json"

    def state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def _write_state(self, **changes: object) -> None:
        state = self.state() | changes
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_path)

    def watermark(self) -> datetime | None:
        value = self.state().get("watermark")
        return as_utc(datetime.fromisoformat(value)) if value else None

    # --- reading -----------------------------------------------------------------------------
    def _reader(self) -> tantivy.Index:
        """The index, reloaded when another process (or this one) committed since."""
        with self._lock:
            if self._uncommitted:
                self._commit()
            generation = self.state().get("generation")
            if self._index is None or generation != self._generation:
                self._index = open_index(self.path)
                self._generation = generation
                self._meta_mtime = 0.0
            try:
                mtime = (self.path / "meta.json").stat().st_mtime_ns
            except OSError:
                mtime = 0
            if mtime != self._meta_mtime:
                self._index.reload()
                self._meta_mtime = mtime
            return self._index

    def is_current(self, store: Store) -> bool:
        """True when the index belongs to this database and nothing changed since its watermark."""
        state = self.state()
        if state.get("schema") != SCHEMA_VERSION or state.get("token") != _db_token(store):
            return False
        with store.session() as session:
            newest = session.scalar(select(func.max(Paper.modified_at)))
        mark = self.watermark()
        return newest is None or (mark is not None and as_utc(newest) <= mark)

    def ensure_current(self, store: Store) -> None:
        """Once per process: catch up (or rebuild) if the index lags the database."""
        if self._checked:
            return
        self._checked = True
        if not self.is_current(store):
            try:
                # A reader must not stall a request behind an importer's writer lock.
                self.sync(store, wait=0.2)
            except WriterBusy:
                log.info("lexical index: another process is writing; it will catch up")

    def search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        filters: Filters | None = None,
        sort: Sort = "relevance",
        rank: Rank = "all-first",
    ) -> LexicalResult:
        index = self._reader()
        searcher = index.searcher()
        filters = filters or Filters()
        order = {"date": "day", "votes": "votes"}.get(sort)
        wanted = offset + limit
        result = LexicalResult()
        for mode in ("all", "any"):
            built = build_query(SCHEMA, query, filters, mode=mode)
            if built is None:
                continue
            if rank == "any" and mode == "all" and build_query(SCHEMA, query, filters, mode="any"):
                continue  # bm25 over any word ranks alone (the hybrid's lexical half)
            # Not counted: counting every match scores them all, where top-k skips whole blocks
            # (a broad query at 1M papers: ~10x slower). Past the page, totals are lower bounds.
            found = searcher.search(
                built.query, limit=wanted + 1, count=False, order_by_field=order
            )
            ids = searcher.fast_field_values("id", [address for _, address in found.hits])
            scores = [float(score) for score, _ in found.hits]
            more = len(ids) > wanted
            ids, scores = ids[:wanted], scores[:wanted]
            if mode == "all":
                result = LexicalResult(ids, scores, len(ids) + more, built.kind, exact=not more)
                # Enough papers contain every word (or there is only one word): done.
                if more or len(ids) == wanted or not built.can_relax:
                    break
                continue
            # Papers with every word stay first; papers with some words follow.
            seen = set(result.ids)
            for paper_id, score in zip(ids, scores, strict=True):
                if paper_id not in seen and len(result.ids) < wanted:
                    result.ids.append(paper_id)
                    result.scores.append(score)
            result.total = max(result.total, len(result.ids) + more)
            result.exact = not more
            result.mode = "any" if len(result.ids) > len(seen) else result.mode
        result.ids = result.ids[offset:wanted]
        result.scores = result.scores[offset:wanted]
        return result

    def filter_ids(self, ids: Sequence[int], query: ParsedQuery, filters: Filters) -> set[int]:
        if not ids:
            return set()
        searcher = self._reader().searcher()
        clauses = [(Occur.Must, Query.term_set_query(SCHEMA, "id", list(ids)))]
        clauses += filter_clauses(SCHEMA, query, filters)
        found = searcher.search(Query.boolean_query(clauses), limit=len(ids), count=False)
        return set(searcher.fast_field_values("id", [address for _, address in found.hits]))

    # --- writing -----------------------------------------------------------------------------
    def _acquire_writer(self, wait: float = LOCK_WAIT) -> tantivy.IndexWriter:
        if self._writer is not None:
            return self._writer
        index = self._index or open_index(self.path)
        self._index = index
        deadline = time.monotonic() + wait
        while True:
            try:
                self._writer = index.writer(WRITER_HEAP, WRITER_THREADS)
                self._max_id = self._indexed_max_id(index)
                return self._writer
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() >= deadline:
                    raise WriterBusy(str(exc)) from exc
                time.sleep(0.05)

    @staticmethod
    def _indexed_max_id(index: tantivy.Index) -> int:
        """The highest paper id committed to the index (0 when empty)."""
        index.reload()
        searcher = index.searcher()
        found = searcher.search(Query.all_query(), limit=1, order_by_field="id")
        return int(found.hits[0][0]) if found.hits else 0

    def index(self, store: Store, paper_ids: Sequence[int]) -> None:
        """Replace the documents of these papers (called after their batch committed)."""
        self.index_rows(store, paper_ids, {})

    def index_rows(
        self, store: Store, paper_ids: Sequence[int], rows: Mapping[int, Mapping[str, Any]]
    ) -> None:
        """Like `index`, building the documents of the papers in `rows` from those values.

        A bulk import hands over the rows it just inserted: reading them back costs more than
        indexing them. Ids without a row are read from the database.
        """
        with self._lock:
            if not self._checked:
                self._checked = True
                if self.state().get("token") != _db_token(store) or not self.state_path.exists():
                    self.rebuild(store)
                    return
            try:
                writer = self._acquire_writer()
            except WriterBusy:
                self._defer(paper_ids)
                return
            self._replay_pending(store, writer)
            docs = [doc_of_row(i, rows[i]) for i in paper_ids if i in rows]
            unread = [i for i in paper_ids if i not in rows]
            if unread:
                with store.session() as session:
                    read = read_docs(session, unread)
                docs += read
                present = {doc.id for doc in read}
                for gone in set(unread) - present:  # deleted from the database
                    writer.delete_documents_by_term("id", gone)
            self._add(writer, docs, replace=None)
            self._last_index = time.monotonic()
            if self._last_index - self._last_commit >= COMMIT_INTERVAL:
                self._commit_beside()
            self._schedule_commit()

    def _commit_beside(self) -> None:
        """Commit in a thread of its own, so the importer parses its next batch meanwhile.

        tantivy releases the GIL while it waits for its indexing threads and writes segments;
        the lock keeps the next batch's documents out until the commit is done.
        """
        if self._committer is not None and self._committer.is_alive():
            return
        self._last_commit = time.monotonic()  # not due again while this one runs
        self._committer = threading.Thread(target=self._commit_logged, daemon=True)
        self._committer.start()

    def _commit_logged(self) -> None:
        try:
            self.flush()
        except Exception:  # the watermark did not move: the next commit or `sync` catches up
            log.exception("lexical index: commit failed")

    def _add(
        self, writer: tantivy.IndexWriter, docs: list[IndexDoc], *, replace: bool | None
    ) -> None:
        """Add documents; replace=None deletes first only ids the index may already hold."""
        for doc in docs:
            if replace or (replace is None and doc.id <= self._max_id):
                writer.delete_documents_by_term("id", doc.id)
            writer.add_document(document_of(doc))
        if docs:
            self._max_id = max(self._max_id, max(doc.id for doc in docs))
            # Only the newest modified_at matters for the watermark.
            self._uncommitted.append(max(docs, key=lambda d: d.modified_at))

    def _commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._last_commit = time.monotonic()
        if self._uncommitted:
            latest = newest(self._uncommitted)
            mark = self.watermark()
            if latest is not None and (mark is None or latest > mark):
                self._write_state(watermark=latest.isoformat())
            self._uncommitted = []

    def _schedule_commit(self, delay: float = COMMIT_INTERVAL) -> None:
        timer = self._timer
        if timer is None or not timer.is_alive() or timer is threading.current_thread():
            self._timer = threading.Timer(delay, self._after_burst)
            self._timer.daemon = True
            self._timer.start()

    def _after_burst(self) -> None:
        """Commit what waits; once no batch came for COMMIT_INTERVAL, release the writer.

        Releasing in the middle of a burst would cost a wait for the merging threads and a
        fresh writer for the next batch: a bulk import keeps the writer while it runs.
        """
        with self._lock:
            if self._writer is None:
                return
            now = time.monotonic()
            idle = now - self._last_index
            if idle < COMMIT_INTERVAL:
                if self._uncommitted and now - self._last_commit >= COMMIT_INTERVAL:
                    self._commit()
                self._schedule_commit(COMMIT_INTERVAL - idle)
                return
            self.flush(release=True)

    def flush(self, *, release: bool = False) -> None:
        """Commit what is pending; with `release`, let other processes write again."""
        with self._lock:
            self._commit()
            if release and self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    def close(self) -> None:
        try:
            self.flush(release=True)
        except Exception:  # at exit: the watermark lets the next writer catch up
            log.exception("lexical index: final commit failed")

    def _defer(self, paper_ids: Sequence[int]) -> None:
        pending = self.path / "pending"
        pending.mkdir(exist_ok=True)
        name = pending / f"{os.getpid()}-{uuid.uuid4().hex}.ids"
        name.write_text("\n".join(str(i) for i in paper_ids))
        log.warning("lexical index busy: %d papers left for the next writer", len(paper_ids))

    def _replay_pending(self, store: Store, writer: tantivy.IndexWriter) -> None:
        pending = self.path / "pending"
        if not pending.is_dir():
            return
        for name in sorted(pending.glob("*.ids")):
            ids = [int(line) for line in name.read_text().split() if line.strip()]
            with store.session() as session:
                self._add(writer, read_docs(session, ids), replace=True)
            self._commit()
            name.unlink()

    def sync(self, store: Store, *, wait: float = LOCK_WAIT) -> int:
        """Index every paper modified at or after the watermark; rebuild if not ours."""
        with self._lock:
            state = self.state()
            if state.get("schema") != SCHEMA_VERSION or state.get("token") != _db_token(store):
                return self.rebuild(store)
            writer = self._acquire_writer(wait)
            self._replay_pending(store, writer)
            count = 0
            with store.session() as session:
                for docs in iter_docs(session, modified_since=self.watermark()):
                    self._add(writer, docs, replace=True)
                    count += len(docs)
            self.flush(release=True)  # let importers and other workers write
            return count

    def rebuild(self, store: Store, *, progress: bool = False) -> int:
        """Build a fresh index beside the live one, then swap it in."""
        with self._lock:
            self.flush(release=True)
            fresh = self.root / f"lexical.new-{os.getpid()}"
            shutil.rmtree(fresh, ignore_errors=True)
            index = open_index(fresh)
            writer = index.writer(WRITER_HEAP, 1)
            count, latest = 0, None
            with store.session() as session:
                total = session.scalar(select(func.count(Paper.id))) or 0
                bar = _progress(total) if progress else None
                for docs in iter_docs(session):
                    for doc in docs:
                        writer.add_document(document_of(doc))
                    batch_newest = max(d.modified_at for d in docs)
                    latest = batch_newest if latest is None else max(latest, batch_newest)
                    count += len(docs)
                    if bar:
                        bar.update(len(docs))
            writer.commit()
            writer.wait_merging_threads()
            del writer
            token = _db_token(store, create=True)
            generation = uuid.uuid4().hex
            state = {
                "schema": SCHEMA_VERSION,
                "token": token,
                "generation": generation,
                "watermark": parse_datetime(latest).isoformat() if latest else None,
                "rebuilt_at": datetime.now(UTC).isoformat(),
            }
            (fresh / "state.json").write_text(json.dumps(state))
            old = self.root / f"lexical.old-{os.getpid()}"
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(fresh, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self._index, self._writer, self._uncommitted = None, None, []
            self._generation = None
            if bar:
                bar.close()
            return count


class WriterBusy(RuntimeError):
    """Another process holds the index's writer lock."""


def _db_token(store: Store, *, create: bool = False) -> str | None:
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


def _progress(total: int):  # noqa: ANN202
    from dailypapers.search.progress import Progress

    return Progress(total, "lexical index")


_instances: dict[Path, TantivyIndex] = {}
_instances_lock = threading.Lock()


def tantivy_index(store: Store) -> TantivyIndex:
    """This process's index object for the store's data dir."""
    root = Path(store.settings.data_dir).resolve() / "search"
    with _instances_lock:
        if root not in _instances:
            _instances[root] = TantivyIndex(root)
        return _instances[root]

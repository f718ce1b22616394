"""The lexical index of SQLite mode: tantivy, in `<data_dir>/search/lexical/`.

A derived index that follows the store's change sequence (store/changes.py):
- `catch_up` applies every paper whose change number is above the one the index has applied
  (delete by id, add), reading them from the database (or taking the rows a bulk import just
  inserted); during a burst commits are spaced `COMMIT_INTERVAL` apart, in a thread beside the
  importer, and the last one happens at most that long after the burst (or at exit);
- the applied number lives in the index itself, in a marker document written in the same commit
  as the documents it covers, so a crash can only leave the index behind, never ahead: the next
  catch-up re-applies what the lost commit held (idempotently);
- `state.json` holds the schema version and a token shared with the database's `sync_state`, so
  an index that belongs to another database (or an older schema) is rebuilt, never trusted;
- one process writes at a time (tantivy's lock file): a writer that cannot get the lock leaves
  the work to the one that has it, or to the next catch-up; readers in every process reload
  when `meta.json` changes. A damaged index raises `IndexDamaged` (see health.py).
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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from tantivy import Occur, Query

from dailypapers.faults import fault_point
from dailypapers.search.lexical.base import (
    Filters,
    IndexDoc,
    LexicalResult,
    Rank,
    Sort,
    WriterBusy,
)
from dailypapers.search.lexical.tantivy.query import build_query, filter_clauses
from dailypapers.search.lexical.tantivy.schema import (
    MARKER_ID,
    SCHEMA,
    SCHEMA_VERSION,
    document_of,
    marker_of,
    open_index,
)
from dailypapers.search.lexical.tantivy.sqlite_docs import (
    doc_of_row,
    iter_changed,
    iter_docs,
    read_docs,
)
from dailypapers.store.changes import latest_change_seq, record_applied
from dailypapers.store.models import SyncState

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store
    from dailypapers.store.records import UpsertResult

log = logging.getLogger(__name__)
STATE_KEY = "search.lexical"
INDEX_NAME = "lexical"  # its row in index_state (a mirror of the marker, for reports)
COMMIT_INTERVAL = 1.0  # seconds between commits during a burst
CATCH_UP_COMMIT = 100_000  # documents between commits of one long catch-up
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
        self._applied = 0  # every change up to this number is in the writer (maybe uncommitted)
        self._committed = 0  # the number the last commit recorded
        self._max_id = 0  # highest paper id in the index: higher ids need no delete first
        self._last_commit = 0.0
        self._last_index = 0.0  # when documents were last added (monotonic)
        self._timer: threading.Timer | None = None
        self._committer: threading.Thread | None = None
        self._checked = False
        self._seen = -1  # the newest change number a catch-up has covered in this process
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

    def _ours(self, store: Store) -> bool:
        """The index exists, has this schema and belongs to this database."""
        state = self.state()
        return state.get("schema") == SCHEMA_VERSION and state.get("token") == _db_token(store)

    def applied_seq(self) -> int:
        """The change number the committed index has applied (0 when none)."""
        return _marker_seq(self._reader())

    # --- reading -----------------------------------------------------------------------------
    def _reader(self) -> tantivy.Index:
        """The index, reloaded when another process (or this one) committed since."""
        with self._lock:
            if self._applied > self._committed:
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
        """True when the index belongs to this database and has applied every change."""
        if not self._ours(store):
            return False
        with store.session() as session:
            latest = latest_change_seq(session)
        return self.applied_seq() >= latest

    def ensure_current(self, store: Store) -> None:
        """Catch up (or rebuild) if the database has changes this index has not seen.

        One indexed MAX per call: what another process committed (a web submission, an import
        that was killed before its index commit) is applied by the next search.
        """
        with store.session() as session:
            latest = latest_change_seq(session)
        if self._checked and latest <= self._seen:
            return
        self._checked = True
        try:
            # A reader must not stall a request behind an importer's writer lock.
            self.catch_up(store, wait=0.2, final=True)
            self._seen = latest
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
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() >= deadline:
                    raise WriterBusy(str(exc)) from exc
                time.sleep(0.05)
        index.reload()
        self._max_id = _max_id(index)
        # Start from what is committed: what another writer (or a crashed one) left.
        self._applied = self._committed = _marker_seq(index)
        return self._writer

    def index(self, store: Store, paper_ids: Sequence[int]) -> None:
        """Bring the index up to date (the ids are covered by the change sequence)."""
        self.catch_up(store)

    def sync(self, store: Store) -> int:
        """Catch up with the database and commit; returns how many papers were applied."""
        return self.catch_up(store, final=True)

    def catch_up(
        self,
        store: Store,
        result: UpsertResult | None = None,
        *,
        wait: float = LOCK_WAIT,
        final: bool = False,
    ) -> int:
        """Apply every change numbered above the applied one; returns how many papers.

        `result`, the batch a bulk import just committed, spares reading its new rows back when
        it is the very next change. `final` commits at once and lets other processes write;
        otherwise a commit follows within COMMIT_INTERVAL.
        """
        with self._lock:
            if not self._ours(store):
                return self.rebuild(store)
            writer = self._acquire_writer(wait)
            count, last_seen, next_commit = 0, None, CATCH_UP_COMMIT
            if result is not None and result.change_seq == self._applied + 1:
                count += self._apply_batch(store, writer, result)
            with store.session() as session:  # one snapshot: numbers below a seen one are in it
                for docs in iter_changed(session, self._applied):
                    self._add(writer, docs)
                    count += len(docs)
                    last_seen = docs[-1].change_seq
                    # The last number may continue in the next chunk: the one before is done.
                    self._applied = max(self._applied, last_seen - 1)
                    if count >= next_commit:
                        self._commit()
                        next_commit += CATCH_UP_COMMIT
            if last_seen is not None:
                self._applied = max(self._applied, last_seen)
            if count:
                self._last_index = time.monotonic()
            if final:
                self.flush(release=True)
                _mirror(store, self._committed)
            elif count:
                if self._last_index - self._last_commit >= COMMIT_INTERVAL:
                    self._commit_beside()
                self._schedule_commit()
            return count

    def _apply_batch(self, store: Store, writer: tantivy.IndexWriter, result: UpsertResult) -> int:
        """The documents of one committed batch: its new rows as written, the rest read back."""
        rows = result.new_rows
        docs = [doc_of_row(i, rows[i]) for i in result.changed_ids if i in rows]
        unread = [i for i in result.changed_ids if i not in rows]
        if unread:
            with store.session() as session:
                docs += read_docs(session, unread)
        self._add(writer, docs)
        self._applied = result.change_seq
        return len(docs)

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
        except Exception:  # the marker did not move: the next catch-up re-applies
            log.exception("lexical index: commit failed")

    def _add(self, writer: tantivy.IndexWriter, docs: list[IndexDoc]) -> None:
        """Add documents, deleting first only ids the index may already hold."""
        for doc in docs:
            if doc.id <= self._max_id:
                writer.delete_documents_by_term("id", doc.id)
            writer.add_document(document_of(doc))
        if docs:
            self._max_id = max(self._max_id, max(doc.id for doc in docs))

    def _commit(self) -> None:
        """Commit the documents with the marker of the number they reach: one atomic step."""
        if self._writer is None:
            return
        if self._applied != self._committed:
            self._writer.delete_documents_by_term("id", MARKER_ID)
            self._writer.add_document(marker_of(self._applied))
        fault_point("lexical-commit")
        self._writer.commit()
        self._committed = self._applied
        self._last_commit = time.monotonic()

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
                if self._applied > self._committed and now - self._last_commit >= COMMIT_INTERVAL:
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
        except Exception:  # at exit: the marker lets the next writer catch up
            log.exception("lexical index: final commit failed")

    def rebuild(self, store: Store, *, progress: bool = False) -> int:
        """Build a fresh index beside the live one, then swap it in."""
        with self._lock:
            try:
                self.flush(release=True)
            except Exception:  # a damaged live index: it is being replaced anyway
                log.warning("lexical index: could not commit the old index before rebuilding")
                self._writer = None
            fresh = self.root / f"lexical.new-{os.getpid()}"
            shutil.rmtree(fresh, ignore_errors=True)
            index = open_index(fresh)
            writer = index.writer(WRITER_HEAP, 1)
            count = 0
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
            token = _db_token(store, create=True)
            state = {
                "schema": SCHEMA_VERSION,
                "token": token,
                "generation": uuid.uuid4().hex,
                "rebuilt_at": datetime.now(UTC).isoformat(),
            }
            (fresh / "state.json").write_text(json.dumps(state))
            old = self.root / f"lexical.old-{os.getpid()}"
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(fresh, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self._index, self._writer = None, None
            self._applied = self._committed = latest
            self._generation = None
            self._checked = True
            _mirror(store, latest)
            if bar:
                bar.close()
            return count


def _marker_seq(index: tantivy.Index) -> int:
    searcher = index.searcher()
    found = searcher.search(Query.term_query(SCHEMA, "id", MARKER_ID), limit=1, count=False)
    if not found.hits:
        return 0
    return int(searcher.fast_field_values("applied_seq", [found.hits[0][1]])[0])


def _max_id(index: tantivy.Index) -> int:
    """The highest paper id committed to the index (0 when empty)."""
    searcher = index.searcher()
    found = searcher.search(Query.all_query(), limit=1, order_by_field="id")
    return int(found.hits[0][0]) if found.hits else 0


def _mirror(store: Store, seq: int) -> None:
    """Copy the applied number to index_state, where reports read it (the marker is the truth)."""
    with store.session() as session:
        record_applied(session, INDEX_NAME, seq)


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


def _progress(session):  # noqa: ANN001, ANN202
    from sqlalchemy import func, select

    from dailypapers.search.progress import Progress
    from dailypapers.store.models import Paper

    return Progress(session.scalar(select(func.count(Paper.id))) or 0, "lexical index")


_instances: dict[Path, TantivyIndex] = {}
_instances_lock = threading.Lock()


def tantivy_index(store: Store) -> TantivyIndex:
    """This process's index object for the store's data dir."""
    root = Path(store.settings.data_dir).resolve() / "search"
    with _instances_lock:
        if root not in _instances:
            _instances[root] = TantivyIndex(root)
        return _instances[root]

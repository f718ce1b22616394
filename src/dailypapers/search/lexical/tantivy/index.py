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
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy

from dailypapers.search.lexical.base import (
    Filters,
    LexicalResult,
    Rank,
    Sort,
    WriterBusy,
)
from dailypapers.search.lexical.tantivy.bookkeeping import (
    INDEX_NAME,
    STATE_KEY,
    db_token,
    marker_seq,
    mirror,
)
from dailypapers.search.lexical.tantivy.rebuild import build_and_swap
from dailypapers.search.lexical.tantivy.schema import (
    SCHEMA_VERSION,
    open_index,
)
from dailypapers.search.lexical.tantivy.searching import filter_index, score_index, search_index
from dailypapers.search.lexical.tantivy.store_docs import doc_of_row, iter_changed, read_docs
from dailypapers.search.lexical.tantivy.writer import (
    COMMIT_INTERVAL,
    LOCK_WAIT,
    IndexWriting,
)
from dailypapers.store.changes import latest_change_seq

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store
    from dailypapers.store.records import UpsertResult

log = logging.getLogger(__name__)
# STATE_KEY, INDEX_NAME and SCHEMA_VERSION are re-exported for the tests and reports.
__all__ = ["INDEX_NAME", "SCHEMA_VERSION", "STATE_KEY", "TantivyIndex", "tantivy_index"]
CATCH_UP_COMMIT = 100_000  # documents between commits of one long catch-up


class TantivyIndex(IndexWriting):
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
        return state.get("schema") == SCHEMA_VERSION and state.get("token") == db_token(store)

    def applied_seq(self) -> int:
        """The change number the committed index has applied (0 when none)."""
        return marker_seq(self._reader())

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

    def ensure_current(self, store: Store, latest: int | None = None) -> None:
        """Catch up (or rebuild) if the database has changes this index has not seen.

        One indexed MAX per call (or the caller's `latest`): what another process committed (a
        web submission, an import that was killed before its index commit) is applied by the
        next search.
        """
        if latest is None:
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
        return search_index(
            self._reader(),
            query,
            limit=limit,
            offset=offset,
            filters=filters,
            sort=sort,
            rank=rank,
        )

    def filter_ids(self, ids: Sequence[int], query: ParsedQuery, filters: Filters) -> set[int]:
        return filter_index(self._reader(), ids, query, filters) if ids else set()

    def score_ids(
        self, ids: Sequence[int], query: ParsedQuery, filters: Filters
    ) -> dict[int, float]:
        return score_index(self._reader(), ids, query, filters) if ids else {}

    # --- writing (the writer itself: writer.py) ----------------------------------------------
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
                mirror(store, self._committed)
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

    def rebuild(self, store: Store, *, progress: bool = False) -> int:
        """Build a fresh index beside the live one, then swap it in."""
        with self._lock:
            try:
                self.flush(release=True)
            except Exception:  # a damaged live index: it is being replaced anyway
                log.warning("lexical index: could not commit the old index before rebuilding")
                self._writer = None
            count, latest = build_and_swap(self.root, self.path, store, progress=progress)
            self._index, self._writer = None, None
            self._applied = self._committed = latest
            self._generation = None
            self._checked = True
            mirror(store, latest)
            return count


_instances: dict[Path, TantivyIndex] = {}
_instances_lock = threading.Lock()


def tantivy_index(store: Store) -> TantivyIndex:
    """This process's index object for the store's data dir."""
    root = Path(store.settings.data_dir).resolve() / "search"
    with _instances_lock:
        if root not in _instances:
            _instances[root] = TantivyIndex(root)
        return _instances[root]

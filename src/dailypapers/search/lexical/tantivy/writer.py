"""The one writer of a tantivy index: the lock, adds, commits with the marker, burst spacing.

Mixed into `TantivyIndex` (index.py), whose `__init__` sets the attributes declared here.
Commits during a burst are spaced `COMMIT_INTERVAL` apart and run in a thread beside the
importer; the writer is released once no batch came for that long (or at exit).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import tantivy

from dailypapers.faults import fault_point
from dailypapers.search.lexical.base import IndexDoc, WriterBusy
from dailypapers.search.lexical.tantivy.bookkeeping import marker_seq, max_id
from dailypapers.search.lexical.tantivy.rebuild import WRITER_HEAP
from dailypapers.search.lexical.tantivy.schema import MARKER_ID, document_of, marker_of, open_index

log = logging.getLogger(__name__)
COMMIT_INTERVAL = 1.0  # seconds between commits during a burst
WRITER_THREADS = 1  # one indexing thread: the importer's Python keeps the other core
LOCK_WAIT = 15.0  # seconds a writer waits for another process's lock before deferring


class IndexWriting:
    """Writer state and commits of one index (see TantivyIndex for the catch-up that uses it)."""

    path: Path
    _lock: threading.RLock
    _index: tantivy.Index | None
    _writer: tantivy.IndexWriter | None
    _applied: int  # every change up to this number is in the writer (maybe uncommitted)
    _committed: int  # the number the last commit recorded
    _max_id: int  # highest paper id in the index: higher ids need no delete first
    _last_commit: float
    _last_index: float  # when documents were last added (monotonic)
    _timer: threading.Timer | None
    _committer: threading.Thread | None

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
        self._max_id = max_id(index)
        # Start from what is committed: what another writer (or a crashed one) left.
        self._applied = self._committed = marker_seq(index)
        return self._writer

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

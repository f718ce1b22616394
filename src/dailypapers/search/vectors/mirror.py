"""On PostgreSQL, each machine searches its own copy of the vectors, kept current from pgvector.

pgvector stays the one place vectors are written and kept (`PgVectorIndex`): `index`, workers
and inline embeds write there, and every write numbers its vectors (migration 0012). Search
reads a `FileVectorIndex` in `<data_dir>/search/vector-mirror/` instead of asking the HNSW
index: at a million papers that is under a millisecond against 10-20 ms of pgvector's graph
walk plus its round trip (docs/search.md). Before each search the copy is checked against the
database in one round trip (the last number handed out, the generation a reset starts):

- current: search the copy;
- behind by up to INLINE_MAX vectors (or a new generation of that many: `index --rebuild`, a
  new model): copy them now (one binary COPY), then search the copy, so a paper embedded on
  any machine is found on every machine at its next search;
- further behind, or another thread or process of this data dir copying: answer from
  pgvector while one background thread copies.

The copy remembers the number it holds (`mirror_seq`) with each chunk it adds, so a copy that
was killed resumes where it stopped. It is derived data: deleting the folder makes it anew.
`DAILYPAPERS_VECTOR_MIRROR=false` searches pgvector directly.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dailypapers.faults import fault_point
from dailypapers.search.vectors.files import FileVectorIndex
from dailypapers.search.vectors.pgvector import PgVectorIndex

if TYPE_CHECKING:
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)

INLINE_MAX = 20_000  # vectors behind that a search copies itself before answering
CHUNK = 32_768  # vectors per binary COPY and per stored step of a copy
NONE = -1  # mirror_seq of a copy holding nothing yet (existing vectors are numbered 0)


class CopyState:
    """One data dir's copy in this process: the files, who is copying, the background thread."""

    def __init__(self, path: Path) -> None:
        self.local = FileVectorIndex(path)
        self.copying = threading.Lock()  # one copy at a time in this process
        self.starting = threading.Lock()  # guards `thread`
        self.thread: threading.Thread | None = None


_states: dict[str, CopyState] = {}
_states_lock = threading.Lock()


def copy_state(path: Path) -> CopyState:
    """The process-wide state of the copy in `path` (made on first use)."""
    with _states_lock:
        state = _states.get(str(path))
        if state is None:
            state = _states[str(path)] = CopyState(path)
        return state


class MirroredVectorIndex:
    """`VectorIndex` whose writes go to pgvector and whose searches read this machine's copy."""

    def __init__(self, remote: PgVectorIndex, state: CopyState) -> None:
        self.remote = remote
        self.state = state
        self.local = state.local
        self._checked: bool | None = None  # meta_for_search's verdict for the next search
        self._local = False  # the last search was answered from the copy

    @property
    def background(self) -> threading.Thread | None:
        """The background copy's thread, if one was started."""
        return self.state.thread

    # -- the copy ------------------------------------------------------------------------

    @contextmanager
    def _copy_lock(self) -> Iterator[bool]:
        """Hold this data dir's copy lock if nobody else does; yields whether it is held."""
        copying = self.state.copying
        if not copying.acquire(blocking=False):
            yield False
            return
        try:
            self.local.path.mkdir(parents=True, exist_ok=True)
            with open(self.local.path / "copy.lock", "w") as lock_file:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # another process of this data dir is copying
                    yield False
                    return
                yield True
        finally:
            copying.release()

    def _same_generation(self, meta: dict[str, Any]) -> bool:
        mine = self.local.meta()
        return (mine.get("model"), mine.get("dim"), mine.get("mirror_of")) == (
            meta.get("model"),
            meta.get("dim"),
            meta.get("generation", ""),
        )

    def copied_seq(self) -> int:
        """The vector change number this machine's copy holds everything up to."""
        return int(self.local.meta().get("mirror_seq", NONE))

    def catch_up(self, position: tuple[int, dict[str, Any]] | None = None) -> int | None:
        """Copy what pgvector holds beyond this copy; the number of vectors copied, or None
        when another thread or process of this data dir is copying."""
        with self._copy_lock() as held:
            if not held:
                return None
            return self._copy(position or self.remote.position())

    def _copy(self, position: tuple[int, dict[str, Any]]) -> int:
        seq, meta = position
        if not meta.get("model"):
            return 0  # nothing was ever embedded
        if not self._same_generation(meta):
            self.local.reset(meta["model"], int(meta["dim"]))
            self.local.set_meta(mirror_of=meta.get("generation", ""), mirror_seq=NONE)
        applied = self.copied_seq()
        dim = int(meta["dim"])
        cursor = (applied, 2**62)  # past every id: start at the next number
        copied = 0
        while True:
            ids, seqs, vectors = self.remote.rows_after(cursor, dim, CHUNK)
            if len(ids) == 0:
                break
            last = int(seqs[-1])
            # A full chunk may stop inside number `last`: only the one before it is complete.
            applied = max(applied, last - 1 if len(ids) == CHUNK else last)
            self.local.add(ids, vectors, meta={"mirror_seq": applied})
            copied += len(ids)
            cursor = (last, int(ids[-1]))
            fault_point("vector-mirror-chunk")
            if len(ids) < CHUNK:
                break
        # Every number up to `seq` was committed before the reads began, so all of it is here.
        if max(applied, seq) != self.copied_seq():
            self.local.set_meta(mirror_seq=max(applied, seq))
        self.local.flush()  # fold a long exact-search tail into the copy's ANN index
        return copied

    def catch_up_in_background(self) -> threading.Thread | None:
        """Start one background copy (none while one runs); returns its thread."""
        state = self.state
        with state.starting:
            if state.thread is not None and state.thread.is_alive():
                return None

            def run() -> None:
                try:
                    copied = self.catch_up()
                    if copied:
                        log.info("vector copy: %d vectors copied from PostgreSQL", copied)
                except Exception:
                    log.exception("vector copy failed; searching pgvector until the next try")

            state.thread = threading.Thread(target=run, name="vector-mirror", daemon=True)
            state.thread.start()
            return state.thread

    def _current(self, position: tuple[int, dict[str, Any]]) -> bool:
        """Bring the copy up to date if that is quick; whether search may read it."""
        seq, meta = position
        if not meta.get("model"):
            return False
        same = self._same_generation(meta)
        applied = self.copied_seq() if same else NONE  # a new generation: copied anew
        if same and applied >= seq:
            return True
        if self.remote.pending_after(applied, INLINE_MAX + 1) <= INLINE_MAX:
            with self._copy_lock() as held:
                if held:
                    self._copy(position)
                    return self.copied_seq() >= seq
        self.catch_up_in_background()
        return False

    def _checked_current(self, position: tuple[int, dict[str, Any]] | None = None) -> bool:
        try:
            return self._current(position or self.remote.position())
        except Exception:  # a damaged copy must not take semantic search down: pgvector answers
            log.exception("vector copy unreadable; searching pgvector (delete %s)", self.local.path)
            return False

    def meta_for_search(self) -> dict[str, Any]:
        """The metadata, and whether the copy may answer the search that follows: one round
        trip for both."""
        position = self.remote.position()
        self._checked = self._checked_current(position)
        return position[1]

    def search(
        self, vector: np.ndarray, k: int, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        current, self._checked = self._checked, None
        if current is None:
            current = self._checked_current()
        self._local = bool(current)
        if current:
            return self.local.search(vector, k, exact=exact)
        return self.remote.search(vector, k, exact=exact)

    def scores(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        """From whichever answered this object's last search (the copy, when it was current)."""
        if self._local:
            return self.local.scores(vector, ids)
        return self.remote.scores(vector, ids)

    # -- everything else is pgvector's -------------------------------------------------------

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray,
        stamps: Sequence[float] | None = None,
        *,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.remote.add(ids, vectors, stamps, meta=meta)

    def remove(self, ids: Sequence[int]) -> None:
        self.remote.remove(ids)

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        return self.remote.get(ids)

    def stamps(self, ids: Sequence[int]) -> dict[int, float]:
        return self.remote.stamps(ids)

    def meta(self) -> dict[str, Any]:
        return self.remote.meta()

    def set_meta(self, **values: Any) -> None:
        self.remote.set_meta(**values)

    def reset(self, model: str, dim: int) -> None:
        self.remote.reset(model, dim)

    def prepare_bulk(self, pending: int) -> bool:
        return self.remote.prepare_bulk(pending)

    def flush(self, force: bool = False) -> None:
        self.remote.flush(force)

    def __len__(self) -> int:
        return len(self.remote)

    def is_empty(self) -> bool:
        return self.remote.is_empty()


def open_mirror(store: Store) -> MirroredVectorIndex:
    """The store's pgvector index, searched through this machine's copy."""
    path = (store.settings.data_dir / "search" / "vector-mirror").resolve()
    return MirroredVectorIndex(PgVectorIndex(store), copy_state(path))


def copy_at_start(store: Store) -> int | None:
    """`serve`: bring this machine's copy up to date before the first search; how many vectors
    it copied (None without a copy: SQLite, the mirror off, or it failed and pgvector answers)."""
    if store.is_sqlite or not store.settings.vector_mirror:
        return None
    index = open_mirror(store)
    try:
        return index.catch_up()
    except Exception:
        log.exception("vector copy failed; searching pgvector until it succeeds")
        return None

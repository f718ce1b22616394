"""Vectors in files beside the SQLite database: float32 rows on disk plus a faiss ANN index.

Layout of the folder (all derived data: `dailypapers index --rebuild` recreates it):
- `manifest.json` — model, dim, row count, how many rows the ANN index covers, metadata; replaced
  atomically, so readers never see a half-written state;
- `rows-<gen>.f32` / `ids-<gen>.i64` / `stamps-<gen>.f64` — append-only rows: vector, paper id
  (-1 once removed or replaced), the paper's modified_at it was embedded from;
- `ann-<gen>-<rows>.faiss` — an approximate index over the first `graph_rows` rows: inverted
  lists (IVF, ~2·√N k-means cells) of 8-bit codes; the candidates from the cells nearest the
  query are re-ranked with the exact float32 rows. Rows after those (the tail) are searched
  exactly, so a new paper is searchable at once; `flush()` folds a long tail into the index.
Below `EXACT_MAX` live rows there is no ANN index: an exact matrix product is fast enough.
Writers (the CLI, the web process saving a paper) serialise on a lock file; readers in other
processes notice a new manifest (a new inode) and reopen.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.search.vectors.ann import RERANK, graph_candidates
from dailypapers.search.vectors.base import as_query, top_k
from dailypapers.search.vectors.file_writes import FileWrites

EXACT_MAX = 20_000  # live rows below which search is an exact matrix product
TAIL_MAX = 5_000  # rows outside the ANN index before `flush` folds them in


# Rows appended since the sorted copy of the ids was made, scanned linearly before it is made
# again (`_live_slots`).
SORTED_TAIL_MAX = 65_536


class FileVectorIndex(FileWrites):
    """`VectorIndex` over files in one folder (see the module docstring)."""

    def __init__(self, path: Path, *, exact_max: int = EXACT_MAX, tail_max: int = TAIL_MAX) -> None:
        self.path = Path(path)
        self.exact_max = exact_max
        self.tail_max = tail_max
        self._lock = threading.RLock()
        self._stat: tuple[int, int, int] | None = None
        self._opened = False
        self._manifest: dict[str, Any] = {}
        self._rows: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        self._stamps: np.ndarray | None = None
        self._graph: Any = None
        self._sorted: tuple[Any, np.ndarray, np.ndarray, int] | None = None
        self._live_mask: np.ndarray | None = None
        self._graph_bitmap: np.ndarray | None = None

    # -- reading -------------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def _refresh(self) -> None:
        """Reopen the files if another process (or this one) wrote a new manifest."""
        try:
            st = os.stat(self._manifest_path())
            # A new manifest is a new file (os.replace): its inode tells even within one mtime tick.
            stat = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stat = None
        if self._opened and stat == self._stat:
            return
        with self._lock:
            if stat is None:
                self._open({})
            else:
                self._open(json.loads(self._manifest_path().read_text()))
            self._stat = stat
            self._opened = True

    def _open(self, manifest: dict[str, Any]) -> None:
        old_gen = self._manifest.get("gen")
        old_graph = self._manifest.get("graph_rows")
        self._manifest = manifest
        count = int(manifest.get("count", 0))
        dim = int(manifest.get("dim", 0))
        gen = manifest.get("gen")
        if count == 0:
            self._rows = np.zeros((0, dim), dtype=np.float32)
            self._ids = np.zeros(0, dtype=np.int64)
            self._stamps = np.zeros(0, dtype=np.float64)
        else:
            self._rows = np.memmap(self._file("rows", gen), np.float32, "r", shape=(count, dim))
            self._ids = np.memmap(self._file("ids", gen), np.int64, "r", shape=(count,))
            self._stamps = np.memmap(self._file("stamps", gen), np.float64, "r", shape=(count,))
        graph_rows = int(manifest.get("graph_rows", 0))
        if graph_rows and (gen != old_gen or graph_rows != old_graph or self._graph is None):
            import faiss

            self._graph = faiss.read_index(str(self._file("ann", gen, manifest["graph_file"])))
        elif not graph_rows:
            self._graph = None
        self._live_mask = None

    def _file(self, kind: str, gen: Any, name: str | None = None) -> Path:
        ext = {"rows": "f32", "ids": "i64", "stamps": "f64", "ann": "faiss"}[kind]
        return self.path / (name or f"{kind}-{gen}.{ext}")

    def meta(self) -> dict[str, Any]:
        self._refresh()
        return {
            "model": None,
            "dim": 0,
            **self._manifest.get("meta", {}),
            **{k: self._manifest[k] for k in ("model", "dim") if k in self._manifest},
        }

    def meta_for_search(self) -> dict[str, Any]:
        return self.meta()

    def __len__(self) -> int:
        self._refresh()
        return int(self._manifest.get("live", 0))

    def is_empty(self) -> bool:
        return len(self) == 0

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        self._refresh()
        with self._lock:
            wanted, slots = self._slots_of(ids)
            return {
                paper_id: np.array(self._rows[slot])
                for paper_id, slot in zip(wanted.tolist(), slots.tolist(), strict=True)
                if slot >= 0
            }

    def scores(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        self._refresh()
        with self._lock:
            wanted, slots = self._slots_of(ids)
            rows = self._rows
        found = slots >= 0
        if not found.any():
            return {}
        cosines = np.asarray(rows[slots[found]] @ as_query(vector))
        return dict(zip(wanted[found].tolist(), cosines.tolist(), strict=True))

    def _slots_of(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The distinct ids asked, in order, and the current row of each (-1 for none)."""
        wanted = np.fromiter(dict.fromkeys(int(i) for i in ids), dtype=np.int64)
        return wanted, self._live_slots(wanted)

    def _live_slots(self, wanted: np.ndarray) -> np.ndarray:
        """The current row of each wanted id, -1 for none: a binary search over a sorted copy
        of the ids, then a scan of the rows appended since. At 1M vectors the copy takes 16 ms
        and 16 MB once, where an id → row dict took 110 ms and 135 MB."""
        ids = self._ids
        assert ids is not None
        gen = self._manifest.get("gen")
        if (
            self._sorted is None
            or self._sorted[0] != gen
            or len(ids) - self._sorted[3] > SORTED_TAIL_MAX
        ):
            order = np.argsort(ids, kind="stable")  # nearly sorted already: a merge sort is fast
            self._sorted = (gen, np.asarray(ids[order]), order, len(ids))
        _, sorted_ids, order, upto = self._sorted
        slots = np.full(len(wanted), -1, dtype=np.int64)
        if len(sorted_ids) and len(wanted):
            at = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
            hit = sorted_ids[at] == wanted
            slots[hit] = order[at[hit]]
        tail = np.asarray(ids[upto:])
        if len(tail):
            position = {paper_id: i for i, paper_id in enumerate(wanted.tolist())}
            for row in np.nonzero(np.isin(tail, wanted))[0].tolist():  # later rows win
                slots[position[int(tail[row])]] = upto + row
        live = slots >= 0
        slots[live] = np.where(ids[slots[live]] == wanted[live], slots[live], -1)  # killed since
        return slots

    def stamps(self, ids: Sequence[int]) -> dict[int, float]:
        self._refresh()
        with self._lock:
            wanted, slots = self._slots_of(ids)
            return {
                paper_id: float(self._stamps[slot])
                for paper_id, slot in zip(wanted.tolist(), slots.tolist(), strict=True)
                if slot >= 0
            }

    def search(
        self, vector: np.ndarray, k: int, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        self._refresh()
        with self._lock:
            rows, ids, graph = self._rows, self._ids, self._graph
            graph_rows = int(self._manifest.get("graph_rows", 0)) if graph is not None else 0
            if exact:
                graph_rows = 0
            if self._live_mask is None:
                self._live_mask = np.asarray(ids >= 0)
                dead = len(ids) - int(self._manifest.get("live", 0))
                # Removed rows are skipped inside the graph walk, so they don't crowd out live
                # neighbours; the bitmap is made once per manifest, not per query.
                self._graph_bitmap = (
                    np.packbits(self._live_mask[:graph_rows], bitorder="little") if dead else None
                )
            live_mask, bitmap = self._live_mask, self._graph_bitmap
        query = as_query(vector)
        if k <= 0 or len(ids) == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        # The tail (rows the graph does not cover, or all of them): one exact matrix product
        # over the contiguous rows, dead rows masked out.
        tail_scores = np.asarray(rows[graph_rows:] @ query)
        tail_scores[~live_mask[graph_rows:]] = -np.inf
        tail_best = top_k(tail_scores, k)
        slots = [tail_best + graph_rows]
        scores = [tail_scores[tail_best]]
        if graph_rows:
            found = graph_candidates(graph, query, k * RERANK, bitmap)
            slots.append(found)
            scores.append(np.asarray(rows[np.sort(found)] @ query)[np.argsort(np.argsort(found))])
        all_slots, all_scores = np.concatenate(slots), np.concatenate(scores)
        best = top_k(all_scores, k)
        best = best[np.isfinite(all_scores[best])]
        return ids[all_slots[best]].astype(np.int64), all_scores[best].astype(np.float32)

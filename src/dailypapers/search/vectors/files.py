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

import fcntl
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.search.vectors.base import as_query, top_k

EXACT_MAX = 20_000  # live rows below which search is an exact matrix product
TAIL_MAX = 5_000  # rows outside the ANN index before `flush` folds them in
DEAD_MAX = 0.25  # fraction of dead rows that triggers a compaction on `flush`
# IVF over HNSW: on 1M clustered vectors HNSW32 (efSearch 96) reached Recall@10 0.90 after an
# 11-minute build; IVF-SQ8 builds in a fraction of that and, probing enough cells, is exact in
# practice (benchmarks/embed_bench.py).
TRAIN_PER_LIST = 40  # k-means sample: rows per cell
NPROBE_MIN = 16  # cells probed at least (more for big indexes: nlist / 64)
RERANK = 4  # re-rank k × RERANK candidates with the exact rows
RETRAIN_GROWTH = 4  # retrain the cells once the index is this many times what they were fit on


class FileVectorIndex:
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
        self._slots: dict[int, int] = {}
        self._slots_upto = 0
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
        if gen != old_gen:
            self._slots, self._slots_upto = {}, 0
        self._live_mask = None

    def _file(self, kind: str, gen: Any, name: str | None = None) -> Path:
        ext = {"rows": "f32", "ids": "i64", "stamps": "f64", "ann": "faiss"}[kind]
        return self.path / (name or f"{kind}-{gen}.{ext}")

    def _slot_map(self) -> dict[int, int]:
        """Paper id -> its latest row (extended as rows are appended)."""
        ids = self._ids
        assert ids is not None
        if self._slots_upto < len(ids):
            new = ids[self._slots_upto :]
            self._slots.update(zip(new.tolist(), range(self._slots_upto, len(ids)), strict=True))
            self._slots_upto = len(ids)
        return self._slots

    def _slot(self, paper_id: int) -> int | None:
        slot = self._slot_map().get(paper_id)
        if slot is None or self._ids[slot] != paper_id:  # replaced or removed since
            return None
        return slot

    def meta(self) -> dict[str, Any]:
        self._refresh()
        return {
            "model": None,
            "dim": 0,
            **self._manifest.get("meta", {}),
            **{k: self._manifest[k] for k in ("model", "dim") if k in self._manifest},
        }

    def __len__(self) -> int:
        self._refresh()
        return int(self._manifest.get("live", 0))

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        self._refresh()
        with self._lock:
            found = {}
            for paper_id in ids:
                slot = self._slot(int(paper_id))
                if slot is not None:
                    found[int(paper_id)] = np.array(self._rows[slot])
            return found

    def stamps(self, ids: Sequence[int]) -> dict[int, float]:
        self._refresh()
        with self._lock:
            out = {}
            for paper_id in ids:
                slot = self._slot(int(paper_id))
                if slot is not None:
                    out[int(paper_id)] = float(self._stamps[slot])
            return out

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
            found = self._graph_candidates(graph, query, k * RERANK, bitmap)
            slots.append(found)
            scores.append(np.asarray(rows[np.sort(found)] @ query)[np.argsort(np.argsort(found))])
        all_slots, all_scores = np.concatenate(slots), np.concatenate(scores)
        best = top_k(all_scores, k)
        best = best[np.isfinite(all_scores[best])]
        return ids[all_slots[best]].astype(np.int64), all_scores[best].astype(np.float32)

    def _graph_candidates(
        self, graph: Any, query: np.ndarray, n: int, bitmap: np.ndarray | None
    ) -> np.ndarray:
        import faiss

        params = faiss.SearchParametersIVF()
        params.nprobe = max(NPROBE_MIN, graph.nlist // 64)
        if bitmap is not None:
            params.sel = faiss.IDSelectorBitmap(graph.ntotal, faiss.swig_ptr(bitmap))
        _, labels = graph.search(query[None, :], n, params=params)
        labels = labels[0]
        return labels[labels >= 0]

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[dict[str, Any]]:
        """Hold the folder's write lock; yields the current manifest to change and commit."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "lock", "w") as lock_file, self._lock:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            self._opened = False
            self._refresh()
            manifest = json.loads(json.dumps(self._manifest))  # a copy to edit
            yield manifest
            self._commit(manifest)

    def _commit(self, manifest: dict[str, Any]) -> None:
        tmp = self.path / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest))
        os.replace(tmp, self._manifest_path())
        self._opened = False
        self._refresh()

    def reset(self, model: str, dim: int) -> None:
        with self._writing() as manifest:
            old = dict(manifest)
            manifest.clear()
            manifest.update(
                model=model,
                dim=dim,
                gen=int(old.get("gen", 0)) + 1,
                count=0,
                live=0,
                graph_rows=0,
                meta={},
            )
        self._remove_generation(old)

    def _remove_generation(self, manifest: dict[str, Any]) -> None:
        """Delete an old generation's files (readers that still map them keep their inode)."""
        if not manifest.get("gen"):
            return
        for kind in ("rows", "ids", "stamps"):
            self._file(kind, manifest["gen"]).unlink(missing_ok=True)
        if manifest.get("graph_file"):
            (self.path / manifest["graph_file"]).unlink(missing_ok=True)

    def set_meta(self, **values: Any) -> None:
        with self._writing() as manifest:
            manifest.setdefault("meta", {}).update(values)

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray,
        stamps: Sequence[float] | None = None,
        *,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if len(ids) == 0:
            if meta:
                self.set_meta(**meta)
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._writing() as manifest:
            # The metadata (the applied change number) is published with these rows: one step.
            manifest.setdefault("meta", {}).update(meta or {})
            if not manifest.get("model"):
                raise RuntimeError("reset(model, dim) the vector index before adding to it")
            if vectors.shape != (len(ids), manifest["dim"]):
                raise ValueError(f"expected {len(ids)} vectors of {manifest['dim']} dimensions")
            # The last occurrence of a repeated id wins, as a later write would.
            last = {int(i): n for n, i in enumerate(ids)}
            order = sorted(last.values())
            ids_arr = np.array([int(ids[n]) for n in order], dtype=np.int64)
            stamp_arr = np.array(
                [float(stamps[n]) if stamps is not None else 0.0 for n in order], dtype=np.float64
            )
            replaced = self._kill(manifest, ids_arr.tolist())
            gen = manifest["gen"]
            for kind, data in (("rows", vectors[order]), ("ids", ids_arr), ("stamps", stamp_arr)):
                with open(self._file(kind, gen), "r+b" if manifest["count"] else "wb") as out:
                    out.seek(manifest["count"] * data.itemsize * (data.size // len(data)))
                    out.write(data.tobytes())
                    out.truncate()
            manifest["count"] += len(ids_arr)
            # Counted, not summed: a writer killed after marking rows dead but before its
            # manifest leaves those marks behind.
            del replaced
            manifest["live"] = self._live_count(manifest)

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0 or not self.meta().get("model"):
            return
        with self._writing() as manifest:
            self._kill(manifest, [int(i) for i in ids])
            manifest["live"] = self._live_count(manifest)

    def _live_count(self, manifest: dict[str, Any]) -> int:
        if not manifest["count"]:
            return 0
        ids = np.memmap(
            self._file("ids", manifest["gen"]), np.int64, "r", shape=(manifest["count"],)
        )
        return int(np.count_nonzero(ids >= 0))

    def _kill(self, manifest: dict[str, Any], ids: list[int]) -> int:
        """Mark the current rows of `ids` dead in place; returns how many there were."""
        slots = [s for s in (self._slot(i) for i in ids) if s is not None]
        if slots:
            on_disk = np.memmap(
                self._file("ids", manifest["gen"]), np.int64, "r+", shape=(manifest["count"],)
            )
            on_disk[slots] = -1
            on_disk.flush()
            del on_disk
        return len(slots)

    def flush(self, force: bool = False) -> None:
        """Compact if many rows are dead; fold the exact-search tail into the graph when it is
        long (or whenever `force`), and drop the graph while the index is small."""
        self._refresh()
        manifest = self._manifest
        count, live = manifest.get("count", 0), manifest.get("live", 0)
        graph_rows = manifest.get("graph_rows", 0)
        dead = count - live > max(100, DEAD_MAX * count)
        small = live < self.exact_max
        tail = count - graph_rows
        if not (
            dead
            or (small and graph_rows)
            or (not small and (tail > self.tail_max or force and tail))
        ):
            return
        with self._writing() as manifest:
            count, live = manifest.get("count", 0), manifest.get("live", 0)
            if count - live > max(100, DEAD_MAX * count):
                self._compact(manifest)
            if manifest.get("live", 0) < self.exact_max:
                if manifest.get("graph_file"):
                    (self.path / manifest.pop("graph_file")).unlink(missing_ok=True)
                manifest["graph_rows"] = 0
            elif manifest["count"] > manifest.get("graph_rows", 0):
                self._grow_graph(manifest)

    def _compact(self, manifest: dict[str, Any]) -> None:
        """Rewrite the live rows into a new generation (dead rows stop costing disk and time)."""
        old = dict(manifest)
        keep = np.flatnonzero(self._ids >= 0)
        gen = int(old["gen"]) + 1
        self._rows[keep].tofile(self._file("rows", gen))
        self._ids[keep].tofile(self._file("ids", gen))
        self._stamps[keep].tofile(self._file("stamps", gen))
        manifest.update(gen=gen, count=len(keep), live=len(keep), graph_rows=0, graph_trained=0)
        manifest.pop("graph_file", None)
        self._commit(manifest)
        self._remove_generation(old)

    def _grow_graph(self, manifest: dict[str, Any]) -> None:
        import faiss

        rows, count = self._rows, manifest["count"]
        graph_rows = manifest.get("graph_rows", 0)
        trained = manifest.get("graph_trained", 0)
        if graph_rows and self._graph is not None and count <= RETRAIN_GROWTH * trained:
            graph = faiss.clone_index(self._graph)  # readers may be searching the live one
        else:
            lists = int(min(8192, max(64, 2 * math.sqrt(count))))
            graph = faiss.index_factory(
                manifest["dim"], f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT
            )
            # A random sample: the rows are in time order, and topics drift.
            rng = np.random.default_rng(count)
            size = min(count, TRAIN_PER_LIST * lists)
            sample = rows[np.sort(rng.choice(count, size=size, replace=False))]
            graph.train(np.ascontiguousarray(sample))
            graph_rows, trained = 0, count
        for start in range(graph_rows, count, 50_000):
            graph.add(np.ascontiguousarray(rows[start : min(start + 50_000, count)]))
        name = f"ann-{manifest['gen']}-{count}.faiss"
        faiss.write_index(graph, str(self.path / name))
        previous = manifest.get("graph_file")
        manifest.update(graph_rows=count, graph_file=name, graph_trained=trained)
        self._graph = None  # reopened from the file by the commit's refresh
        self._commit(manifest)
        if previous and previous != name:
            (self.path / previous).unlink(missing_ok=True)

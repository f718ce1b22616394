"""Writes to the file vector index: the folder lock, appends, removals, compaction, ANN growth.

Mixed into `FileVectorIndex` (files.py), whose `__init__` and reading methods provide the
attributes and `_refresh` / `_slots_of` / `_file` used here. Every change edits a copy of the
manifest under the folder's lock file and publishes it with one atomic replace.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.search.vectors.ann import grown_graph

DEAD_MAX = 0.25  # fraction of dead rows that triggers a compaction on `flush`


class FileWrites:
    """The writing half of `FileVectorIndex` (see files.py for the layout)."""

    path: Path
    exact_max: int
    tail_max: int
    _manifest: dict[str, Any]
    _rows: np.ndarray | None
    _ids: np.ndarray | None
    _stamps: np.ndarray | None
    _graph: Any
    _opened: bool

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
        slots = self._slots_of(ids)[1]
        slots = slots[slots >= 0]
        if len(slots):
            on_disk = np.memmap(
                self._file("ids", manifest["gen"]), np.int64, "r+", shape=(manifest["count"],)
            )
            on_disk[slots] = -1
            on_disk.flush()
            del on_disk
        return len(slots)

    def prepare_bulk(self, pending: int) -> bool:
        """Nothing to drop: added rows go to an exact-search tail until flush folds them in."""
        return False

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
        count = manifest["count"]
        graph, trained = grown_graph(
            self._rows,
            count,
            manifest["dim"],
            self._graph,
            manifest.get("graph_rows", 0),
            manifest.get("graph_trained", 0),
        )
        import faiss

        name = f"ann-{manifest['gen']}-{count}.faiss"
        faiss.write_index(graph, str(self.path / name))
        previous = manifest.get("graph_file")
        manifest.update(graph_rows=count, graph_file=name, graph_trained=trained)
        self._graph = None  # reopened from the file by the commit's refresh
        self._commit(manifest)
        if previous and previous != name:
            (self.path / previous).unlink(missing_ok=True)

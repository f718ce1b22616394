"""The approximate (faiss IVF-SQ8) half of the file vector index: build, grow, probe.

Inverted lists (~2·√N k-means cells) of 8-bit codes over the first `graph_rows` rows; the
candidates from the cells nearest a query are re-ranked with the exact float32 rows (files.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# IVF over HNSW: on 1M clustered vectors HNSW32 (efSearch 96) reached Recall@10 0.90 after an
# 11-minute build; IVF-SQ8 builds in a fraction of that and, probing enough cells, is exact in
# practice (benchmarks/embed_bench.py).
TRAIN_PER_LIST = 40  # k-means sample: rows per cell
NPROBE_MIN = 16  # cells probed at least (more for big indexes: nlist / 64)
RERANK = 4  # re-rank k × RERANK candidates with the exact rows
RETRAIN_GROWTH = 4  # retrain the cells once the index is this many times what they were fit on


def graph_candidates(
    graph: Any, query: np.ndarray, n: int, bitmap: np.ndarray | None
) -> np.ndarray:
    """Up to `n` row numbers near `query` from the IVF index (dead rows masked by `bitmap`)."""
    import faiss

    params = faiss.SearchParametersIVF()
    params.nprobe = max(NPROBE_MIN, graph.nlist // 64)
    if bitmap is not None:
        params.sel = faiss.IDSelectorBitmap(graph.ntotal, faiss.swig_ptr(bitmap))
    _, labels = graph.search(query[None, :], n, params=params)
    labels = labels[0]
    return labels[labels >= 0]


def grown_graph(
    rows: np.ndarray, count: int, dim: int, previous: Any, graph_rows: int, trained: int
) -> tuple[Any, int]:
    """An index over the first `count` rows: `previous` extended (a copy: readers may be
    searching it), or freshly trained once the rows outgrew what its cells were fit on.

    Returns the index and how many rows its cells were trained on.
    """
    import faiss

    if graph_rows and previous is not None and count <= RETRAIN_GROWTH * trained:
        graph = faiss.clone_index(previous)
    else:
        lists = int(min(8192, max(64, 2 * math.sqrt(count))))
        graph = faiss.index_factory(dim, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
        # A random sample: the rows are in time order, and topics drift.
        rng = np.random.default_rng(count)
        size = min(count, TRAIN_PER_LIST * lists)
        sample = rows[np.sort(rng.choice(count, size=size, replace=False))]
        graph.train(np.ascontiguousarray(sample))
        graph_rows, trained = 0, count
    for start in range(graph_rows, count, 50_000):
        graph.add(np.ascontiguousarray(rows[start : min(start + 50_000, count)]))
    return graph, trained

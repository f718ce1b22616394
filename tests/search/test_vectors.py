"""The vector index: the same behaviour from the file index (SQLite) and pgvector (PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers.search.vectors.files import FileVectorIndex
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers

DIM = 384


def unit_rows(n: int, seed: int = 0, clusters: int = 20) -> np.ndarray:
    """Clustered unit vectors (like real embeddings: topics, not uniform noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM))
    rows = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def exact_top(rows: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return ids[np.argsort(-(rows @ query), kind="stable")[:k]].tolist()


@pytest.fixture
def paper_ids(store) -> list[int]:
    """300 papers in the database (pgvector rows reference papers), not embedded inline."""
    store.settings.embed_inline_max = 0
    save_papers(store, [PaperRecord(arxiv_id=f"2401.{n:05d}", title=f"P{n}") for n in range(300)])
    from dailypapers.store.models import Paper

    with store.session() as session:
        return [p.id for p in session.query(Paper).order_by(Paper.id)]


@pytest.fixture
def index(store, paper_ids):
    index = open_vector_index(store)
    index.reset("test", DIM)
    return index


def test_search_finds_nearest_by_cosine(index, paper_ids):
    rows = unit_rows(len(paper_ids))
    index.add(paper_ids, rows, [1.0] * len(paper_ids))
    assert len(index) == len(paper_ids)
    ids = np.array(paper_ids)
    for q in range(5):
        found, scores = index.search(rows[q * 7], 10)
        want = exact_top(rows, ids, rows[q * 7], 10)
        assert found[0] == paper_ids[q * 7]
        assert scores[0] == pytest.approx(1.0, abs=1e-4)
        assert len(set(found.tolist()) & set(want)) >= 9
        assert list(scores) == sorted(scores, reverse=True)


def test_replace_and_remove(index, paper_ids):
    rows = unit_rows(len(paper_ids))
    index.add(paper_ids, rows, [1.0] * len(paper_ids))
    first, second = paper_ids[0], paper_ids[1]
    index.add([first], rows[[1]], [2.0])  # paper 0 now has paper 1's vector
    assert len(index) == len(paper_ids)
    assert index.stamps([first, second]) == {first: 2.0, second: 1.0}
    found, _ = index.search(rows[1], 2)
    assert set(found.tolist()) == {first, second}
    index.remove([second, 10**9])
    assert len(index) == len(paper_ids) - 1
    assert second not in index.get([second])
    found, _ = index.search(rows[1], 5)
    assert second not in found.tolist() and found[0] == first


def test_metadata_and_reset(index, paper_ids):
    assert index.meta()["model"] == "test" and index.meta()["dim"] == DIM
    index.set_meta(watermark="2026-01-01T00:00:00+00:00", watermark_id=7)
    assert index.meta()["watermark_id"] == 7
    index.add(paper_ids[:3], unit_rows(3), None)
    index.reset("other", DIM)
    assert len(index) == 0 and index.meta()["model"] == "other"
    assert "watermark" not in index.meta()


def test_wrong_dimension_is_refused(index, paper_ids):
    with pytest.raises(ValueError, match="dimensions"):
        index.add(paper_ids[:2], np.ones((2, 8), np.float32), None)


def test_exact_and_approximate_search_agree(index, paper_ids):
    rows = unit_rows(len(paper_ids), seed=3)
    index.add(paper_ids, rows, None)
    index.flush(force=True)
    for q in range(0, 300, 37):
        approx, _ = index.search(rows[q], 10)
        exact, _ = index.search(rows[q], 10, exact=True)
        assert len(set(approx.tolist()) & set(exact.tolist())) >= 9


# -- the file index's own mechanics: graph, tail, compaction, reload by another process --------


def test_file_index_ann_matches_exact(tmp_path):
    index = FileVectorIndex(tmp_path / "v", exact_max=500, tail_max=100)
    rows = unit_rows(3000, seed=1)
    ids = np.arange(1, 3001)
    index.reset("test", DIM)
    index.add(ids[:2500].tolist(), rows[:2500], None)
    index.flush(force=True)
    assert index._manifest["graph_rows"] == 2500
    index.add(ids[2500:].tolist(), rows[2500:], None)  # a tail searched exactly
    index.remove([5, 6])
    recall = []
    for q in range(0, 3000, 97):
        found, scores = index.search(rows[q], 10)
        want = [i for i in exact_top(rows, ids, rows[q], 12) if i not in (5, 6)][:10]
        recall.append(len(set(found.tolist()) & set(want)) / 10)
        assert 5 not in found and 6 not in found
    assert np.mean(recall) >= 0.98
    found, _ = index.search(rows[2999], 1)  # a tail row is found
    assert found[0] == 3000
    index.flush(force=True)  # the tail folded into the graph
    assert index._manifest["graph_rows"] == 3000
    assert index.search(rows[2999], 1)[0][0] == 3000
    assert index.search(rows[1500], 1)[0][0] == 1501


def test_file_index_persists_and_other_readers_see_changes(tmp_path):
    writer = FileVectorIndex(tmp_path / "v", exact_max=50, tail_max=10)
    rows = unit_rows(200, seed=2)
    writer.reset("test", DIM)
    writer.add(list(range(1, 201)), rows, list(range(200)))
    writer.flush(force=True)
    reader = FileVectorIndex(tmp_path / "v")  # as another process would open it
    assert len(reader) == 200 and reader.meta()["model"] == "test"
    assert reader.search(rows[10], 1)[0][0] == 11
    writer.remove([11])
    writer.add([300], rows[[10]], [5.0])
    assert reader.search(rows[10], 1)[0][0] == 300
    assert reader.stamps([300, 11]) == {300: 5.0}


def test_file_index_compacts_dead_rows(tmp_path):
    index = FileVectorIndex(tmp_path / "v", exact_max=50, tail_max=10)
    rows = unit_rows(400, seed=4)
    index.reset("test", DIM)
    index.add(list(range(400)), rows, None)
    index.remove(list(range(0, 400, 2)))
    index.flush()
    assert index._manifest["count"] == 200 == len(index)
    assert sorted(p.name for p in (tmp_path / "v").glob("rows-*")) == ["rows-2.f32"]
    assert index.search(rows[3], 1)[0][0] == 3
    np.testing.assert_allclose(index.get([3])[3], rows[3])


def test_postgresql_search_can_use_the_hnsw_index(store, index, paper_ids):
    """On PostgreSQL the query matches a partial HNSW index; SQLite has no such table."""
    from sqlalchemy import inspect, text

    if store.is_sqlite:
        assert "paper_embeddings" not in inspect(store.engine).get_table_names()
        return
    index.add(paper_ids, unit_rows(len(paper_ids)), None)
    literal = "[" + ",".join(["0.05"] * DIM) + "]"
    with store.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny table: make the choice visible
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                text(
                    "EXPLAIN SELECT paper_id FROM paper_embeddings "
                    "WHERE vector_dims(embedding) = 384 "
                    "ORDER BY embedding::vector(384) <=> CAST(:q AS vector(384)) LIMIT 10"
                ),
                {"q": literal},
            )
        )
    assert "ix_paper_embeddings_hnsw_384" in plan


def test_vectors_come_back_exactly_as_added_and_the_last_of_a_repeated_id_wins(index, paper_ids):
    rows = unit_rows(4)
    a, b, c = paper_ids[:3]
    index.add([a, b, a, c], rows, [1.0, 2.0, 3.0, 4.0])  # `a` twice: its second row counts
    got = index.get([a, b, c])
    assert np.array_equal(got[a], rows[2]) and np.array_equal(got[b], rows[1])
    assert np.array_equal(got[c], rows[3])
    assert index.stamps([a, b, c]) == {a: 3.0, b: 2.0, c: 4.0}
    assert len(index) == 3


def test_scores_are_the_cosines_of_the_current_vectors_through_replacements(
    index, paper_ids, monkeypatch
):
    from dailypapers.search.vectors import files

    monkeypatch.setattr(files, "SORTED_TAIL_MAX", 5)  # the file index re-sorts its ids often
    rows = unit_rows(len(paper_ids))
    first = paper_ids[:200]
    index.add(first, rows[:200], [1.0] * 200)
    query = rows[3]
    asked = [paper_ids[3], paper_ids[150], paper_ids[250], 10**9]  # 250: no vector yet
    scores = index.scores(query, asked)
    assert set(scores) == {paper_ids[3], paper_ids[150]}
    assert scores[paper_ids[3]] == pytest.approx(1.0, abs=1e-4)
    assert scores[paper_ids[150]] == pytest.approx(float(rows[150] @ query), abs=1e-4)

    # Appended (a few rows: scanned; many: sorted again), replaced and removed since.
    for start in (200, 203):
        index.add(paper_ids[start : start + 3], rows[start : start + 3], [1.0] * 3)
        assert index.scores(query, [paper_ids[start + 1]]) == {
            paper_ids[start + 1]: pytest.approx(float(rows[start + 1] @ query), abs=1e-4)
        }
    index.add(paper_ids[200:260], rows[200:260], [1.0] * 60)
    replaced = unit_rows(1, seed=9)[0]
    index.add([paper_ids[150]], replaced[None, :], [2.0])
    index.remove([paper_ids[3]])
    scores = index.scores(query, asked + [paper_ids[150]])
    assert set(scores) == {paper_ids[150], paper_ids[250]}
    assert scores[paper_ids[150]] == pytest.approx(float(replaced @ query), abs=1e-4)
    assert scores[paper_ids[250]] == pytest.approx(float(rows[250] @ query), abs=1e-4)
    assert index.scores(query, []) == {}

"""On PostgreSQL each machine searches its own copy of the vectors (search/vectors/mirror.py):
two data dirs on one database stand for two machines. PostgreSQL only: SQLite's vectors are
files already."""

from __future__ import annotations

import fcntl
import json

import numpy as np
import pytest

from dailypapers.config import Settings
from dailypapers.search.vectors import mirror
from dailypapers.search.vectors.mirror import MirroredVectorIndex, copy_at_start
from dailypapers.search.vectors.pg_stream import read_copy
from dailypapers.search.vectors.pgvector import PgVectorIndex
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.db import open_store
from dailypapers.store.models import Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
DIM = 16


@pytest.fixture
def papers(store) -> list[int]:
    store.settings.embed_inline_max = 0  # these tests write their own vectors
    records = [
        PaperRecord(arxiv_id=f"2401.{n:05d}", title=f"Paper number {n}", abstract="An abstract.")
        for n in range(40)
    ]
    save_papers(store, records)
    with store.session() as session:
        return sorted(session.scalars(Paper.__table__.select().with_only_columns(Paper.id)))


@pytest.fixture
def other_machine(settings, tmp_path):
    """A second machine: the same database, its own data dir."""
    data_dir = tmp_path / "machine-b"
    data_dir.mkdir()
    store = open_store(Settings(**{**settings.model_dump(), "data_dir": data_dir}))
    yield store
    store.dispose()


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _exact(ids: list[int], vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return [ids[i] for i in np.argsort(-(vectors @ query), kind="stable")[:k]]


def _answered_by(index: MirroredVectorIndex, monkeypatch) -> list[str]:
    """Record which side answers each search."""
    calls: list[str] = []
    for name, side in (("pgvector", index.remote), ("copy", index.local)):
        original = side.search

        def search(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(side, "search", search)
    return calls


def test_each_machine_searches_its_copy_and_finds_what_another_machine_wrote(
    store, other_machine, papers, monkeypatch
):
    here, there = open_vector_index(store), open_vector_index(other_machine)
    assert isinstance(here, MirroredVectorIndex) and here.local.path != there.local.path
    vectors = _unit(len(papers), 1)
    here.reset("test", DIM)
    here.add(papers, vectors)
    answered = _answered_by(there, monkeypatch)
    query = _unit(1, 2)[0]
    ids, scores = there.search(query, 5)
    assert ids.tolist() == _exact(papers, vectors, query, 5)
    assert answered == ["copy"] and len(there.local) == len(papers)
    assert np.allclose(scores, np.sort(vectors @ query)[::-1][:5], atol=1e-6)
    # The copy holds pgvector's vectors bit for bit.
    copied, kept = there.local.get(papers), there.remote.get(papers)
    assert all(np.array_equal(copied[i], kept[i]) for i in papers)
    # A vector replaced on this machine is found on the other at its next search.
    here.add([papers[7]], query[None, :])
    ids, scores = there.search(query, 1)
    assert ids.tolist() == [papers[7]] and scores[0] == pytest.approx(1.0, abs=1e-6)
    assert answered == ["copy", "copy"] and len(there.local) == len(papers)
    assert there.copied_seq() == there.remote.position()[0]


def test_a_reset_on_any_machine_starts_every_copy_over(store, other_machine, papers, monkeypatch):
    monkeypatch.setattr(mirror, "INLINE_MAX", 5)  # the new generation's 10: in the background
    here, there = open_vector_index(store), open_vector_index(other_machine)
    here.reset("test", DIM)
    here.add(papers, _unit(len(papers), 3))
    there.search(_unit(1, 4)[0], 3)
    there.background.join()
    assert len(there.local) == len(papers)
    here.reset("wider", DIM * 2)  # a new model: every copy's vectors are stale
    wide = np.random.default_rng(5).standard_normal((10, DIM * 2)).astype(np.float32)
    wide /= np.linalg.norm(wide, axis=1, keepdims=True)
    here.add(papers[:10], wide)
    answered = _answered_by(there, monkeypatch)
    ids, _ = there.search(wide[3], 1)  # pgvector answers while the copy starts over
    assert ids.tolist() == [papers[3]] and answered == ["pgvector"]
    there.background.join()
    assert there.local.meta()["model"] == "wider" and len(there.local) == 10
    ids, _ = there.search(wide[4], 1)
    assert ids.tolist() == [papers[4]] and answered == ["pgvector", "copy"]


def test_a_large_backlog_is_copied_in_the_background_while_pgvector_answers(
    store, papers, monkeypatch
):
    monkeypatch.setattr(mirror, "INLINE_MAX", 5)
    index = open_vector_index(store)
    vectors = _unit(len(papers), 6)
    index.reset("test", DIM)
    index.add(papers[:3], vectors[:3])
    answered = _answered_by(index, monkeypatch)
    index.search(vectors[0], 1)  # 3 behind: copied before answering
    index.add(papers[3:], vectors[3:])  # 37 behind: more than a search copies itself
    ids, _ = index.search(vectors[20], 1)
    assert ids.tolist() == [papers[20]]
    assert answered == ["copy", "pgvector"]
    index.background.join()
    assert len(index.local) == len(papers)
    ids, _ = index.search(vectors[30], 1)
    assert ids.tolist() == [papers[30]] and answered[-1] == "copy"


def test_a_killed_copy_resumes_where_it_stopped(store, papers, monkeypatch):
    monkeypatch.setattr(mirror, "CHUNK", 4)
    index = open_vector_index(store)
    vectors = _unit(10, 7)
    index.reset("test", DIM)
    for start in range(0, 10, 2):  # five writes: five numbers
        index.add(papers[start : start + 2], vectors[start : start + 2])

    def killed(name: str) -> None:
        raise KeyboardInterrupt  # what is on disk now is what a killed process leaves

    monkeypatch.setattr(mirror, "fault_point", killed)
    with pytest.raises(KeyboardInterrupt):
        index.catch_up()
    first = index.copied_seq()
    assert len(index.local) == 4 and first < index.remote.position()[0]
    monkeypatch.setattr(mirror, "fault_point", lambda name: None)
    copied = index.catch_up()
    assert copied == 8  # the second write's pair was in a full chunk: copied again
    assert len(index.local) == 10 and index.copied_seq() == index.remote.position()[0]
    assert index.catch_up() == 0
    ids, _ = index.search(vectors[9], 1)
    assert ids.tolist() == [papers[9]]


def test_a_copy_another_process_is_making_leaves_search_to_pgvector(store, papers, monkeypatch):
    index = open_vector_index(store)
    vectors = _unit(len(papers), 8)
    index.reset("test", DIM)
    index.add(papers, vectors)
    index.local.path.mkdir(parents=True, exist_ok=True)
    answered = _answered_by(index, monkeypatch)
    with open(index.local.path / "copy.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process copies
        assert index.catch_up() is None
        ids, _ = index.search(vectors[11], 1)
        assert ids.tolist() == [papers[11]] and answered == ["pgvector"]
        index.background.join()  # it found the lock taken and stopped
    assert len(index.local) == 0
    ids, _ = index.search(vectors[12], 1)
    assert ids.tolist() == [papers[12]] and answered == ["pgvector", "copy"]


def test_a_damaged_copy_leaves_search_to_pgvector(store, papers, monkeypatch, caplog):
    index = open_vector_index(store)
    vectors = _unit(len(papers), 9)
    index.reset("test", DIM)
    index.add(papers, vectors)
    index.search(vectors[0], 1)
    (index.local.path / "manifest.json").write_text("{not json")
    answered = _answered_by(index, monkeypatch)
    ids, _ = index.search(vectors[5], 1)
    assert ids.tolist() == [papers[5]] and answered == ["pgvector"]
    assert "vector copy unreadable" in caplog.text


def test_the_mirror_can_be_turned_off(store):
    store.settings.vector_mirror = False
    assert type(open_vector_index(store)) is PgVectorIndex


def test_a_copy_stream_of_the_wrong_shape_is_refused(store, papers):
    index = PgVectorIndex(store)
    index.reset("test", DIM)
    index.add(papers[:3], _unit(3, 10))
    ids, seqs, vectors = index.rows_after((-1, 0), DIM, 10)
    assert ids.tolist() == papers[:3] and len(set(seqs.tolist())) == 1
    assert vectors.shape == (3, DIM)
    assert index.rows_after((-1, 0), DIM * 2, 10)[0].tolist() == []  # no vector of that size
    with pytest.raises(ValueError, match="not a PostgreSQL binary COPY"):
        read_copy(b"garbage" * 10, DIM)
    with pytest.raises(ValueError, match="16-dimensional"):
        read_copy(b"PGCOPY\n\xff\r\n\x00" + bytes(8) + b"12345" + b"\xff\xff", DIM)


def test_a_paper_saved_on_one_machine_is_found_by_meaning_on_another(
    store, other_machine, sample_data
):
    from dailypapers.search.follow import catch_up
    from dailypapers.search.similar import semantic_search

    rows = [json.loads(line) for line in (sample_data / "hf_daily_papers.jsonl").open()]
    rows = [r for r in rows if r.get("abstract")][:4]
    records = [
        PaperRecord(arxiv_id=r["arxiv_id"], title=r["title"], abstract=r["abstract"]) for r in rows
    ]
    save_papers(store, records[:3])
    catch_up(store)  # embedded inline on this machine, into pgvector
    assert copy_at_start(other_machine) == 3  # `serve` on the other machine copies them
    save_papers(store, records[3:])
    catch_up(store)
    ids, _ = semantic_search(other_machine, rows[3]["title"], 1)  # copied at this search
    with other_machine.session() as session:
        found = session.get(Paper, ids[0])
    assert found.arxiv_id == rows[3]["arxiv_id"]
    assert open_vector_index(other_machine).copied_seq() == PgVectorIndex(store).position()[0]
    other_machine.settings.vector_mirror = False
    assert copy_at_start(other_machine) is None


def test_a_semantic_search_checks_its_copy_in_the_same_round_trip_as_the_model(
    store, papers, monkeypatch
):
    from dailypapers.search import semantic

    index = open_vector_index(store)
    index.reset("static", 256)
    vectors = np.random.default_rng(11).standard_normal((len(papers), 256)).astype(np.float32)
    index.add(papers, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    reads: list[str] = []
    for name in ("position", "meta"):
        real = getattr(PgVectorIndex, name)
        monkeypatch.setattr(
            PgVectorIndex,
            name,
            lambda self, _real=real, _name=name: reads.append(_name) or _real(self),
        )
    vector, index, model = semantic.query_vector(store, "paper number")
    assert model == "static" and reads == ["position"]
    answered = _answered_by(index, monkeypatch)
    ids, _ = index.search(vector, 3)
    assert len(ids) == 3 and answered == ["copy"] and reads == ["position"]
    index.search(vector, 3)  # a search without the model read checks for itself
    assert reads == ["position", "position"]

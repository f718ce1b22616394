"""Vectors kept current: inline for small saves, `dailypapers index` (resumable) for the rest;
similar papers and semantic search over them. Runs on SQLite (files) and PostgreSQL (pgvector)."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from dailypapers.cli import _register, app
from dailypapers.config import get_settings
from dailypapers.errors import NotFound
from dailypapers.search.embed.models import get_embedder
from dailypapers.search.follow import catch_up
from dailypapers.search.similar import semantic_search, similar_papers
from dailypapers.search.vectors import indexing as vector_indexing
from dailypapers.search.vectors.indexing import index_papers, pending_count
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.changes import next_change_seq
from dailypapers.store.models import Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers
from dailypapers.timeutil import utcnow


@pytest.fixture(scope="module")
def real_records(sample_data) -> list[PaperRecord]:
    records = []
    with (sample_data / "hf_daily_papers.jsonl").open() as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("abstract"):
                records.append(
                    PaperRecord(
                        arxiv_id=row["arxiv_id"],
                        title=row["title"],
                        abstract=row["abstract"],
                        authors=row["authors"],
                    )
                )
            if len(records) == 40:
                break
    return records


def _ids(store, arxiv_ids) -> list[int]:
    with store.session() as session:
        by_arxiv = dict(session.query(Paper.arxiv_id, Paper.id))
    return [by_arxiv[a] for a in arxiv_ids]


def test_small_saved_batch_is_embedded_at_once(store, real_records):
    save_papers(store, real_records[:3])
    catch_up(store)  # what a writer runs after it commits
    index = open_vector_index(store)
    assert len(index) == 3
    assert index.meta()["model"] == "minilm"  # auto: a small corpus gets the full model
    ids = _ids(store, [r.arxiv_id for r in real_records[:3]])
    assert set(index.get(ids)) == set(ids)


def test_bulk_batch_waits_for_index_command(store, real_records):
    store.settings.embed_inline_max = 5
    save_papers(store, real_records[:12])
    index = open_vector_index(store)
    assert len(index) == 0
    assert pending_count(store, index) == 12
    report = index_papers(store)
    assert (report.embedded, report.total) == (12, 12)
    again = index_papers(store)  # nothing changed: nothing to embed
    assert (again.embedded, again.total) == (0, 12)


def test_late_commit_behind_the_watermark_is_not_missed(store, real_records):
    """A writer that began before a catch-up may commit rows stamped earlier than rows the
    catch-up already saw; the next catch-up still embeds them."""
    store.settings.embed_inline_max = 0
    save_papers(store, real_records[:5])
    index_papers(store)
    [late] = _ids(store, [real_records[0].arxiv_id])
    with store.session() as session:
        paper = session.get(Paper, late)
        paper.abstract = "A study of bee colony collapse."
        paper.modified_at = utcnow() - timedelta(seconds=30)  # earlier than the others
        paper.change_seq = next_change_seq(session)  # every write path numbers its change
    report = index_papers(store)
    assert report.embedded == 1
    vector = open_vector_index(store).get([late])[late]
    assert vector @ get_embedder("minilm").embed([f"{paper.title}. {paper.abstract}"])[0] > 0.99


def test_changed_paper_is_embedded_again(store, real_records):
    record = real_records[0]
    save_papers(store, [record])
    catch_up(store)
    [paper_id] = _ids(store, [record.arxiv_id])
    index = open_vector_index(store)
    before = index.get([paper_id])[paper_id]
    changed = PaperRecord(arxiv_id=record.arxiv_id, abstract="A study of bee colony collapse.")
    save_papers(store, [changed])
    catch_up(store)
    after = index.get([paper_id])[paper_id]
    assert float(before @ after) < 0.9
    assert len(index) == 1


def test_index_resumes_after_interruption(store, real_records, monkeypatch):
    store.settings.embed_inline_max = 0
    save_papers(store, real_records[:30])
    monkeypatch.setitem(vector_indexing.CHUNK, "minilm", 10)
    seen = []

    def stop_after_two_chunks(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_papers(store, progress=stop_after_two_chunks)
    index = open_vector_index(store)
    assert len(index) == 20
    report = index_papers(store)
    # The first 20 are re-read (the watermark lags recent writes) but not embedded again.
    assert (report.embedded, report.skipped, report.total) == (10, 20, 30)


def test_rebuild_with_the_static_model(store, real_records):
    save_papers(store, real_records[:10])
    report = index_papers(store, model="static", rebuild=True)
    index = open_vector_index(store)
    assert index.meta()["model"] == "static" and index.meta()["dim"] == 256
    assert (report.embedded, report.total) == (10, 10)
    ids, _ = semantic_search(store, real_records[4].title, 3)
    assert ids[0] == _ids(store, [real_records[4].arxiv_id])[0]


def test_similar_papers_are_near_and_exclude_the_paper(store, real_records):
    save_papers(store, real_records)
    catch_up(store)
    ids = _ids(store, [r.arxiv_id for r in real_records])
    similar = similar_papers(store, ids[0], k=5)
    assert len(similar) == 5
    assert ids[0] not in [pid for pid, _ in similar]
    scores = [score for _, score in similar]
    assert scores == sorted(scores, reverse=True) and -1 <= scores[-1] <= scores[0] <= 1
    with store.session() as session:
        session.get(Paper, similar[0][0]).hidden = True
    assert similar[0][0] not in [pid for pid, _ in similar_papers(store, ids[0], k=5)]
    with pytest.raises(NotFound):
        similar_papers(store, 10**9)


def test_similar_papers_embeds_a_paper_without_a_vector(store, real_records):
    store.settings.embed_inline_max = 0
    save_papers(store, real_records[:8])
    ids = _ids(store, [r.arxiv_id for r in real_records[:8]])
    similar = similar_papers(store, ids[0], k=3)
    assert ids[0] in open_vector_index(store).get([ids[0]])
    assert ids[0] not in [pid for pid, _ in similar]


def test_semantic_search_finds_a_paper_by_its_meaning(store, real_records):
    save_papers(store, real_records)
    catch_up(store)
    wanted = real_records[7]
    ids, scores = semantic_search(store, wanted.abstract[:300], 5)
    assert ids[0] == _ids(store, [wanted.arxiv_id])[0]
    assert len(ids) == 5 and np.all(np.diff(scores) <= 0)
    assert semantic_search(store, "   ", 5) == ([], [])


def test_index_command(settings, real_records, monkeypatch):
    from dailypapers.store.db import open_store

    settings.embed_inline_max = 0
    store = open_store(settings)
    save_papers(store, real_records[:6])
    _register()
    monkeypatch.setenv("DATABASE_URL", settings.db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    result = runner.invoke(app, ["index", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "6 papers embedded with minilm" in result.output
    result = runner.invoke(app, ["index", "--model", "static", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "6 papers embedded with static" in result.output
    result = runner.invoke(app, ["index", "--model", "huge"])
    assert result.exit_code == 1 and "unknown model" in result.output
    get_settings.cache_clear()
    store.dispose()


def test_background_catch_up_embeds_pending_papers_once(store, real_records):
    store.settings.embed_inline_max = 0
    save_papers(store, real_records[:6])
    first = vector_indexing.catch_up_in_background(store)
    second = vector_indexing.catch_up_in_background(store)  # the first holds the lock
    assert first is not None and second is None
    first.join(timeout=120)
    assert not first.is_alive()
    assert len(open_vector_index(store)) == 6


def _graph(store, dim: int) -> str:
    from dailypapers.search.vectors import pg_hnsw

    return pg_hnsw.state(store, dim)


def _uses_graph(store, dim: int) -> bool:
    from sqlalchemy import text

    query = np.ones(dim, dtype=np.float32) / np.sqrt(dim)
    literal = "[" + ",".join(f"{x:.7g}" for x in query) + "]"
    with store.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # 30 rows: seq scan otherwise
        plan = conn.execute(
            text(
                f"EXPLAIN SELECT paper_id FROM paper_embeddings "  # noqa: S608 - dim: an int
                f"WHERE vector_dims(embedding) = {dim} "
                f"ORDER BY embedding::vector({dim}) <=> CAST(:q AS vector({dim})) LIMIT 5"
            ),
            {"q": literal},
        ).scalars()
        return any(f"ix_paper_embeddings_hnsw_{dim}" in line for line in plan)


def test_a_large_backlog_loads_without_the_graph_and_builds_it_after(
    store, backend, real_records, monkeypatch
):
    from dailypapers.search.vectors import pg_hnsw

    store.settings.embed_inline_max = 0
    monkeypatch.setattr(pg_hnsw, "BULK_MIN", 20)
    monkeypatch.setitem(vector_indexing.CHUNK, "static", 10)
    save_papers(store, real_records[:30])
    during: list[str] = []
    report = index_papers(
        store,
        model="static",
        progress=lambda n: during.append(_graph(store, 256) if backend == "postgresql" else ""),
    )
    assert (report.embedded, report.total) == (30, 30)
    ids, _ = semantic_search(store, real_records[7].title, 3)
    assert ids[0] == _ids(store, [real_records[7].arxiv_id])[0]
    if backend == "postgresql":
        assert during == ["missing"] * 3  # no graph update per insert while loading
        assert _graph(store, 256) == "valid" and _uses_graph(store, 256)


# The file index (SQLite) has no per-insert graph to drop: these run on PostgreSQL only.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_small_backlog_keeps_the_graph(store, backend, real_records, monkeypatch):
    from dailypapers.search.vectors import pg_hnsw

    store.settings.embed_inline_max = 0
    monkeypatch.setattr(pg_hnsw, "BULK_MIN", 20)
    save_papers(store, real_records[:25])
    index_papers(store, model="static")
    dropped = []
    monkeypatch.setattr(pg_hnsw, "drop", lambda *a: dropped.append(a))
    save_papers(store, real_records[25:35])  # 10 more: below BULK_MIN
    report = index_papers(store)
    assert report.embedded == 10 and dropped == []
    assert _graph(store, 256) == "valid"


# The file index (SQLite) has no per-insert graph to drop: these run on PostgreSQL only.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_killed_bulk_load_gets_its_graph_back_at_the_next_run(
    store, backend, real_records, monkeypatch
):
    from sqlalchemy import text

    from dailypapers.search.vectors import pg_hnsw

    store.settings.embed_inline_max = 0
    monkeypatch.setattr(pg_hnsw, "BULK_MIN", 20)
    monkeypatch.setitem(vector_indexing.CHUNK, "static", 10)
    save_papers(store, real_records[:30])

    def killed(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_papers(store, model="static", progress=killed)
    assert _graph(store, 256) == "missing"
    ids, _ = semantic_search(store, real_records[3].title, 3)  # exact meanwhile
    assert ids[0] == _ids(store, [real_records[3].arxiv_id])[0]
    report = index_papers(store)
    assert report.total == 30 and _graph(store, 256) == "valid"
    # A concurrent build that failed leaves an invalid index: the next run replaces it.
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                "'ix_paper_embeddings_hnsw_256'::regclass"
            )
        )
    assert _graph(store, 256) == "invalid"
    index_papers(store)
    assert _graph(store, 256) == "valid" and _uses_graph(store, 256)

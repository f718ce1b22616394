"""Fault injection: real `dailypapers import` and `index` processes SIGKILLed at many points.

Each run is killed by the process itself (DAILYPAPERS_FAULT, dailypapers/faults.py) at a seeded
random point — after a committed import batch, before a keyword-index commit, before a chunk of
vectors is stored — and the next run picks up. At the end the database, the keyword index and
the vector index must hold exactly what a clean import holds.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys

from sqlalchemy import select

from dailypapers.search.lexical.tantivy.index import TantivyIndex
from dailypapers.search.lexical.tantivy.schema import MARKER_ID, SCHEMA
from dailypapers.search.service import search_papers
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.db import open_store
from dailypapers.store.models import Paper
from support.cli import subprocess_env

RECORDS = 350  # the first lines of the sample: every kill point, half the work per run
BATCH = 25  # 14 committed batches
CHUNK = 25  # papers per stored step of `dailypapers index`: 14 steps
KILLS = 20
SEED = 20261201


def _run(settings, *args: str, fault: str | None = None) -> int:
    env = subprocess_env(settings, DAILYPAPERS_EMBEDDER="static")
    if fault:
        env["DAILYPAPERS_FAULT"] = fault
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-2000:]
    return done.returncode


def _import(settings, path, fault=None) -> int:
    return _run(settings, "import", str(path), "--batch-size", str(BATCH), "-q", fault=fault)


def _index(settings, fault=None) -> int:
    return _run(
        settings, "index", "--model", "static", "--no-progress", "--chunk", str(CHUNK), fault=fault
    )


def _keyword_ids(settings) -> set[int]:
    index = TantivyIndex((settings.data_dir / "search").resolve())
    searcher = index._reader().searcher()
    from tantivy import Query

    found = searcher.search(Query.all_query(), limit=10_000, count=False)
    ids = set(searcher.fast_field_values("id", [address for _, address in found.hits]))
    assert len(found.hits) == len(ids)  # every paper once (and the marker, id 0)
    ids.discard(MARKER_ID)
    assert SCHEMA is not None
    return ids


def test_killed_imports_and_index_runs_end_where_a_clean_import_does(
    settings, sample_data, tmp_path
):
    path = tmp_path / "papers.jsonl"
    lines = (sample_data / "hf_daily_papers.jsonl").read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:RECORDS]))
    rng = random.Random(SEED)
    kills = 0
    imported = False
    while kills < KILLS:
        if not imported or rng.random() < 0.5:
            point = rng.choice(["import-batch", "import-batch", "lexical-commit"])
            fault = f"{point}:{rng.randint(1, 14 if point == 'import-batch' else 4)}"
            code = _import(settings, path, fault)
            imported = imported or code == 0
        else:
            code = _index(settings, f"vectors-chunk:{rng.randint(1, 14)}")
        kills += code == -signal.SIGKILL
    assert _import(settings, path) == 0
    assert _index(settings) == 0

    store = open_store(settings)
    try:
        with store.session() as session:
            ids = set(session.scalars(select(Paper.id)))
            arxiv_ids = set(session.scalars(select(Paper.arxiv_id)))
        expected = {json.loads(line)["arxiv_id"] for line in path.read_text().splitlines()}
        assert arxiv_ids == expected
        assert len(ids) == len(expected)
        vectors = open_vector_index(store)
        assert len(vectors) == len(ids)
        assert set(vectors.get(sorted(ids))) == ids
        if store.is_sqlite:
            assert _keyword_ids(settings) == ids
        with store.session() as session:
            known = session.scalar(select(Paper).order_by(Paper.id.desc()).limit(1))
            word = max(known.title.split(), key=len)
            arxiv_id = known.arxiv_id
        hits = search_papers(store, word, mode="lexical", limit=50).hits
        assert arxiv_id in [hit.arxiv_id for hit in hits]
    finally:
        store.dispose()

"""The migrations are the schema: one head, and they build exactly what the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dailypapers.store.db import alembic_config
from dailypapers.store.models import Base


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migration history has several heads: {heads}"


@pytest.mark.filterwarnings("ignore:Did not recognize type 'vector'")
def test_migrated_schema_matches_models(store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [
            change
            for change in compare_metadata(context, Base.metadata)
            # pgvector/tsvector columns and indexes managed by hand in migrations are not modelled
            if not _is_managed_by_hand(change)
        ]
    assert diff == []


def _is_managed_by_hand(change: object) -> bool:
    text = repr(change)
    return any(marker in text for marker in ("tsv", "embedding", "alembic_version"))


def test_migrate_is_idempotent(store):
    store.migrate()
    store.migrate()


def test_processes_starting_together_migrate_an_empty_database_once(pg_server, tmp_path):
    """After an upgrade every `serve` and `worker` migrates as it starts: four at once on an
    empty database all succeed, and the schema is built once (the advisory lock in env.py)."""
    import subprocess
    import sys
    import uuid

    from sqlalchemy import create_engine, inspect, text

    from dailypapers.config import Settings

    name = f"dp_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_server.format(db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg_server.format(db=name)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="test-secret-key")
    from support.cli import subprocess_env

    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "dailypapers", "migrate"],
            env=subprocess_env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == heads
        )
    assert "papers" in inspect(engine).get_table_names()
    engine.dispose()

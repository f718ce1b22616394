"""Fixtures: a migrated store on SQLite and on PostgreSQL (a throwaway pgserver), per test."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dailypapers.config import Settings
from dailypapers.store.db import Store, migrate, open_store
from support.loopback_http import loopback  # noqa: F401  (fixture: HTTP servers on 127.0.0.1)

SAMPLE_DATA = Path(__file__).resolve().parent / "data"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """Small cuts of the real corpus, committed in tests/data (see its README)."""
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL 16 + pgvector server for the whole run; yields a base URL (no database)."""
    import pgserver

    root = tmp_path_factory.mktemp("pg")
    server = pgserver.get_server(root, cleanup_mode="stop")
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/tmp/...
    host = uri.split("host=", 1)[1]
    yield f"postgresql+psycopg://postgres@/{{db}}?host={host}"
    server.cleanup()


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """A migrated template database; each test clones it (much faster than migrating)."""
    admin = create_engine(pg_server.format(db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dp_template"))
        conn.execute(text("CREATE DATABASE dp_template"))
    engine = create_engine(pg_server.format(db="dp_template"))
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate(engine)
    engine.dispose()
    admin.dispose()
    return "dp_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    settings = Settings(data_dir=path.parent, database_url=f"sqlite:///{path}")
    store = open_store(settings, migrate_schema=True)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


def _pg_database(pg_server: str, template: str) -> str:
    name = f"dp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server.format(db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    admin.dispose()
    return pg_server.format(db=name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for a fresh, migrated database of the test's backend, data dir in tmp_path."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "dailypapers.db")
        url = f"sqlite:///{data_dir / 'dailypapers.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = _pg_database(server, request.getfixturevalue("pg_template"))
    return Settings(data_dir=data_dir, database_url=url, secret_key="test-secret-key", tz="UTC")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    yield store
    store.dispose()

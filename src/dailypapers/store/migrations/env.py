"""Alembic environment: runs on the engine the caller hands over (see store.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine, text

from dailypapers.store.models import Base

config = context.config
target_metadata = Base.metadata
MIGRATE_LOCK = 0x6470_6D69_6772  # pg_advisory_xact_lock key: one migrating process at a time


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: take the URL from the settings
        from dailypapers.config import Settings

        engine = create_engine(Settings().db_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Every `serve` and `worker` migrates at start-up: after an upgrade several may start
            # at once. One transaction-scoped lock makes them take turns; the next one then finds
            # the schema at head (the version is read after the lock) and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()

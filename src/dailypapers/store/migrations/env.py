"""Alembic environment: runs on the engine the caller hands over (see store.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine

from dailypapers.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: take the URL from the settings
        from dailypapers.config import Settings

        engine = create_engine(Settings().db_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()

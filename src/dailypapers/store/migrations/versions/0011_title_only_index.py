"""a partial index of title-only papers (no abstract), for the semantic half's check

search/semantic.py asks which of its 100 candidates have no abstract (their cosine counts
less); on a million-paper PostgreSQL table that read 100 rows' heap pages, ~9 ms a query. The
partial index answers it from the index alone. On SQLite too (it supports partial indexes).

Revision ID: 0011_title_only_index
Revises: 0010_drop_tsvector
Create Date: 2026-12-01 16:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_title_only_index"
down_revision = "0010_drop_tsvector"
branch_labels = None
depends_on = None

TITLE_ONLY = "abstract IS NULL OR abstract = ''"


def upgrade() -> None:
    op.create_index(
        "ix_papers_title_only",
        "papers",
        ["id"],
        postgresql_where=sa.text(TITLE_ONLY),
        sqlite_where=sa.text(TITLE_ONLY),
    )


def downgrade() -> None:
    op.drop_index("ix_papers_title_only", table_name="papers")

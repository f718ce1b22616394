"""a partial index of hidden papers, so the semantic half checks its candidates in one read

search/semantic.py asks which of its 100 candidates are hidden by moderation (and which are
title-only): with no other filter, two index-only scans of partial indexes answer it, where a
term-set query over the keyword index took 4 ms at a million papers. Hidden papers are few,
so the index is tiny. On SQLite too (it supports partial indexes).

Revision ID: 0013_hidden_index
Revises: 0012_embedding_seq
Create Date: 2026-12-02 06:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_hidden_index"
down_revision = "0012_embedding_seq"
branch_labels = None
depends_on = None

HIDDEN = "hidden"


def upgrade() -> None:
    op.create_index(
        "ix_papers_hidden",
        "papers",
        ["id"],
        postgresql_where=sa.text(HIDDEN),
        sqlite_where=sa.text(HIDDEN),
    )


def downgrade() -> None:
    op.drop_index("ix_papers_hidden", table_name="papers")

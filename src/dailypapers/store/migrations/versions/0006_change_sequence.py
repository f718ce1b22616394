"""A change sequence on papers: derived indexes apply every change after the number they hold

`papers.change_seq` is the number of the committed change that last touched the paper (taken
from the `change_counters` row "papers" under its row lock, see store/changes.py);
`index_state` holds, per derived index, the number it has applied. Existing papers are
numbered in (modified_at, id) order, so an index that knows no number catches up from zero.

Revision ID: 0006_change_sequence
Revises: 0005_session_revocation
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_change_sequence"
down_revision = "0005_session_revocation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.create_table(
        "index_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("applied_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_index_state")),
    )
    with op.batch_alter_table("papers") as batch:
        batch.add_column(
            sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
    # Backfill: one number per paper, in the order the papers last changed.
    op.execute(
        """
        UPDATE papers SET change_seq = (
            SELECT n FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY modified_at, id) AS n FROM papers
            ) numbered WHERE numbered.id = papers.id
        )
        """
    )
    op.execute(
        "INSERT INTO change_counters (name, value)"
        " SELECT 'papers', COALESCE(MAX(change_seq), 0) FROM papers"
    )
    with op.batch_alter_table("papers") as batch:
        batch.alter_column("change_seq", server_default=None)
    op.create_index(op.f("ix_papers_change_seq"), "papers", ["change_seq"])


def downgrade() -> None:
    op.drop_index(op.f("ix_papers_change_seq"), table_name="papers")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("change_seq")
    op.drop_table("index_state")
    op.drop_table("change_counters")

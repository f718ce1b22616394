"""paper_embeddings.seq: a change number per stored vector, for per-machine copies of them

Each machine that searches on PostgreSQL keeps a copy of the vectors in its data dir
(search/vectors/mirror.py) and brings it up to date by the vectors numbered above the last it
copied. The number comes from the `change_counters` row "vectors" under its row lock, as the
papers' does (store/changes.py), so numbers become visible in order. Existing vectors get 0,
so a new copy takes them all. PostgreSQL only: on SQLite the vectors are files already.

Revision ID: 0012_embedding_seq
Revises: 0011_title_only_index
Create Date: 2026-12-02 00:10:00
"""

from alembic import op

revision = "0012_embedding_seq"
down_revision = "0011_title_only_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.execute("ALTER TABLE paper_embeddings ADD COLUMN seq BIGINT NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX ix_paper_embeddings_seq ON paper_embeddings (seq, paper_id)")
    op.execute(
        "INSERT INTO change_counters (name, value) VALUES ('vectors', 0) "
        "ON CONFLICT (name) DO NOTHING"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM change_counters WHERE name = 'vectors'")
    op.execute("DROP INDEX IF EXISTS ix_paper_embeddings_seq")
    op.execute("ALTER TABLE paper_embeddings DROP COLUMN seq")

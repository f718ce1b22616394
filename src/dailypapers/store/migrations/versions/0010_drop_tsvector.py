"""keyword search moves to tantivy on PostgreSQL too: drop the generated tsvector and its GIN index

Each machine keeps a tantivy index in its data dir, derived from the database by the change
sequence (as SQLite mode always did). The generated column cost every write about 0.5 ms of
server CPU under the writers' lock (COPY of plain columns: 64,115 rows/s; with the tsvector:
4,114; with its GIN index too: 2,040), and its bm25-in-SQL ranking was slower and weaker than
tantivy's. Downgrading recreates both (as 0003 made them).

Revision ID: 0010_drop_tsvector
Revises: 0009_library
Create Date: 2026-12-01 16:00:00
"""

from alembic import op

revision = "0010_drop_tsvector"
down_revision = "0009_library"
branch_labels = None
depends_on = None

TSVECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(authors::text, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'C')
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_papers_search_tsv")
    op.execute("ALTER TABLE papers DROP COLUMN IF EXISTS search_tsv")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE papers ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({TSVECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_papers_search_tsv ON papers USING gin (search_tsv)")

"""lexical search: a weighted tsvector of each paper with a GIN index (PostgreSQL only)

SQLite keeps its lexical index in tantivy beside the database, so this is a no-op there.

Revision ID: 0003_lexical_search
Revises: 0002_digests
Create Date: 2026-11-26 16:50:00
"""

from alembic import op

revision = "0003_lexical_search"
down_revision = "0002_digests"
branch_labels = None
depends_on = None

# Title A, authors B, abstract C: ts_rank's weights then rank title > authors > abstract.
# `english` stems like the tantivy index's English stemmer; names are not stemmed.
TSVECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(authors::text, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'C')
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE papers ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({TSVECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_papers_search_tsv ON papers USING gin (search_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_papers_search_tsv")
    op.execute("ALTER TABLE papers DROP COLUMN IF EXISTS search_tsv")

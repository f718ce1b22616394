"""paper_embeddings: pgvector table with HNSW indexes for semantic search (PostgreSQL only)

On SQLite the vectors live in files beside the database (search/vector_files.py), so this
migration does nothing there.

Revision ID: 0004_paper_embeddings
Revises: 0003_lexical_search
Create Date: 2026-11-26 16:45:00
"""

from alembic import op

revision = "0004_paper_embeddings"
down_revision = "0003_lexical_search"
branch_labels = None
depends_on = None

# One partial HNSW index per dimension the shipped models produce (MiniLM 384, static 256).
DIMS = (384, 256)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        """
        CREATE TABLE paper_embeddings (
            paper_id INTEGER NOT NULL,
            model VARCHAR(40) NOT NULL,
            stamp DOUBLE PRECISION NOT NULL,
            embedding vector NOT NULL,
            CONSTRAINT pk_paper_embeddings PRIMARY KEY (paper_id),
            CONSTRAINT fk_paper_embeddings_paper_id_papers FOREIGN KEY (paper_id)
                REFERENCES papers (id) ON DELETE CASCADE
        )
        """
    )
    for dim in DIMS:
        op.execute(
            f"CREATE INDEX ix_paper_embeddings_hnsw_{dim} ON paper_embeddings "
            f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
            f"WHERE vector_dims(embedding) = {dim}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS paper_embeddings")

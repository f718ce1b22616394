"""users.session_version: logging out and password changes revoke every session cookie

Revision ID: 0005_session_revocation
Revises: 0004_paper_embeddings
Create Date: 2026-12-01 10:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_session_revocation"
down_revision = "0004_paper_embeddings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")

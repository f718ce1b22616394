"""shared state: rate-limit counters and background job slots, shared by every process

Revision ID: 0008_shared_state
Revises: 0007_hf_fields
Create Date: 2026-12-01 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_shared_state"
down_revision = "0007_hf_fields"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(op.f("ix_rate_limit_hits_window_start"), "rate_limit_hits", ["window_start"])
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_state"), "job_runs", ["state"])
    # The site's version: bumped after every write that changes what a page shows (a vote,
    # a comment); every process's page cache compares it before answering.
    op.execute("INSERT INTO change_counters (name, value) VALUES ('site', 0)")


def downgrade() -> None:
    op.execute("DELETE FROM change_counters WHERE name = 'site'")
    op.drop_index(op.f("ix_job_runs_state"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_rate_limit_hits_window_start"), table_name="rate_limit_hits")
    op.drop_table("rate_limit_hits")

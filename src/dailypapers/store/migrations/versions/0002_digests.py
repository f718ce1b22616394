"""digests: deliveries (intent and outcome), items sent, saved papers, subscription state

Revision ID: 0002_digests
Revises: 0001
Create Date: 2026-11-26 16:23:08
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_digests"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_key", sa.String(length=20), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("attempted_at", UTC_TIME, nullable=True),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_digest_deliveries_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_digest_deliveries_message_id")),
        sa.UniqueConstraint(
            "subscription_id", "period", "period_key", name="uq_digest_deliveries_period"
        ),
    )
    with op.batch_alter_table("digest_deliveries") as batch_op:
        batch_op.create_index(
            "ix_digest_deliveries_status", ["status", "period", "period_key"], unique=False
        )

    op.create_table(
        "saved_papers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_saved_papers_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_papers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name=op.f("pk_saved_papers")),
    )
    with op.batch_alter_table("saved_papers") as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_papers_paper_id"), ["paper_id"], unique=False)

    op.create_table(
        "digest_items",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["digest_deliveries.id"],
            name=op.f("fk_digest_items_delivery_id_digest_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_digest_items_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_digest_items_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "paper_id", name=op.f("pk_digest_items")),
    )
    with op.batch_alter_table("digest_items") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_items_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_digest_items_paper_id"), ["paper_id"], unique=False)

    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(
            sa.Column("token_key", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("confirmation_sent_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("paused_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("failure_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("failure_count")
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("confirmation_sent_at")
        batch_op.drop_column("token_key")
    op.drop_table("digest_items")
    op.drop_table("saved_papers")
    op.drop_table("digest_deliveries")

"""hf fields: HF organizations and users, per-paper HF extras, ordered authors, AI keywords

Revision ID: 0007_hf_fields
Revises: 0006_change_sequence
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_hf_fields"
down_revision = "0006_change_sequence"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def _account_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("fullname", sa.String(length=300), nullable=True),
        sa.Column("avatar_url", sa.String(length=500), nullable=True),
        sa.Column("hf_id", sa.String(length=40), nullable=True),
        sa.Column("seen_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("name", name=op.f(f"uq_{name}_name")),
    )


def _paper_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["paper_id"], ["papers.id"], name=op.f(f"fk_{table}_paper_id_papers"), ondelete="CASCADE"
    )


def upgrade() -> None:
    _account_table("hf_organizations")
    _account_table("hf_users")
    op.create_table(
        "paper_hf",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("featured_at", UTC_TIME, nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("submitted_on_daily_at", UTC_TIME, nullable=True),
        sa.Column("discussion_id", sa.String(length=40), nullable=True),
        sa.Column("ai_summary", sa.Text(), nullable=True),
        sa.Column("ai_summary_model", sa.String(length=200), nullable=True),
        sa.Column("ai_keywords", sa.JSON(), nullable=True),
        sa.Column("thumbnail", sa.String(length=500), nullable=True),
        sa.Column("media_urls", sa.JSON(), nullable=True),
        sa.Column("github_stars", sa.Integer(), nullable=True),
        sa.Column("num_comments", sa.Integer(), nullable=True),
        sa.Column("upvotes", sa.Integer(), nullable=True),
        sa.Column("counts_captured_at", UTC_TIME, nullable=True),
        _paper_fk("paper_hf"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["hf_organizations.id"],
            name=op.f("fk_paper_hf_organization_id_hf_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"],
            ["hf_users.id"],
            name=op.f("fk_paper_hf_submitter_id_hf_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_hf")),
    )
    op.create_index(op.f("ix_paper_hf_organization_id"), "paper_hf", ["organization_id"])
    op.create_index(op.f("ix_paper_hf_submitter_id"), "paper_hf", ["submitter_id"])
    op.create_table(
        "paper_authors",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("hf_id", sa.String(length=40), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _paper_fk("paper_authors"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["hf_users.id"],
            name=op.f("fk_paper_authors_user_id_hf_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("paper_id", "position", name=op.f("pk_paper_authors")),
    )
    op.create_index(op.f("ix_paper_authors_name_key"), "paper_authors", ["name_key"])
    op.create_index(op.f("ix_paper_authors_user_id"), "paper_authors", ["user_id"])
    op.create_table(
        "paper_keywords",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.Text(), nullable=False),
        sa.Column("keyword_key", sa.String(length=300), nullable=False),
        _paper_fk("paper_keywords"),
        sa.PrimaryKeyConstraint("paper_id", "position", name=op.f("pk_paper_keywords")),
    )
    op.create_index(op.f("ix_paper_keywords_keyword_key"), "paper_keywords", ["keyword_key"])


def downgrade() -> None:
    for table in ("paper_keywords", "paper_authors", "paper_hf", "hf_users", "hf_organizations"):
        op.drop_table(table)

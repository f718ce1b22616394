"""library: collections with ordered items and notes, co-editors, reading state, API tokens

The "Save for later" list becomes each user's default collection: its rows are copied into
`library_items` (oldest saved first) and `saved_papers` is dropped; downgrading copies the
default collections back.

Revision ID: 0009_library
Revises: 0008_shared_state
Create Date: 2026-12-01 13:00:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009_library"
down_revision = "0008_shared_state"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
DEFAULT_TITLE = "Saved for later"


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE"):  # noqa: ANN202
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "library_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("share_key", sa.String(length=32), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        _fk("library_collections", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_collections")),
        sa.UniqueConstraint("share_key", name=op.f("uq_library_collections_share_key")),
    )
    _index("library_collections", "owner_id")
    op.create_table(
        "library_items",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", UTC_TIME, nullable=False),
        _fk("library_items", "collection_id", "library_collections"),
        _fk("library_items", "paper_id", "papers"),
        _fk("library_items", "added_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("collection_id", "paper_id", name=op.f("pk_library_items")),
    )
    _index("library_items", "paper_id")
    _index("library_items", "added_by_id")
    op.create_table(
        "library_editors",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTC_TIME, nullable=False),
        _fk("library_editors", "collection_id", "library_collections"),
        _fk("library_editors", "user_id", "users"),
        sa.PrimaryKeyConstraint("collection_id", "user_id", name=op.f("pk_library_editors")),
    )
    _index("library_editors", "user_id")
    op.create_table(
        "reading_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("read_at", UTC_TIME, nullable=True),
        sa.Column("not_interested_at", UTC_TIME, nullable=True),
        _fk("reading_states", "user_id", "users"),
        _fk("reading_states", "paper_id", "papers"),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name=op.f("pk_reading_states")),
    )
    _index("reading_states", "paper_id")
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("last_used_at", UTC_TIME, nullable=True),
        _fk("api_tokens", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    _index("api_tokens", "user_id")
    _move_saved_papers_in()
    op.drop_table("saved_papers")


def _move_saved_papers_in() -> None:
    """Every user's saved papers become their default collection, in the order they were saved."""
    bind = op.get_bind()
    saved = sa.table(
        "saved_papers", sa.column("user_id"), sa.column("paper_id"), sa.column("created_at")
    )
    collections = sa.table(
        "library_collections",
        *(sa.column(c) for c in ("id", "owner_id", "title", "visibility", "share_key")),
        *(sa.column(c) for c in ("is_default", "created_at", "updated_at")),
    )
    items = sa.table(
        "library_items",
        *(sa.column(c) for c in ("collection_id", "paper_id", "position", "added_by_id")),
        sa.column("added_at"),
    )
    rows = bind.execute(
        sa.select(saved.c.user_id, saved.c.paper_id, saved.c.created_at).order_by(
            saved.c.user_id, saved.c.created_at, saved.c.paper_id
        )
    ).all()
    by_user: dict[int, list] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    for user_id, saved_rows in by_user.items():
        first = saved_rows[0].created_at
        collection_id = bind.execute(
            collections.insert()
            .values(
                owner_id=user_id,
                title=DEFAULT_TITLE,
                visibility="private",
                share_key=secrets.token_urlsafe(16),
                is_default=True,
                created_at=first,
                updated_at=saved_rows[-1].created_at,
            )
            .returning(collections.c.id)
        ).scalar_one()
        bind.execute(
            items.insert(),
            [
                {
                    "collection_id": collection_id,
                    "paper_id": row.paper_id,
                    "position": len(saved_rows) - 1 - position,  # the newest saved first
                    "added_by_id": user_id,
                    "added_at": row.created_at,
                }
                for position, row in enumerate(saved_rows)
            ],
        )


def downgrade() -> None:
    op.create_table(
        "saved_papers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _fk("saved_papers", "paper_id", "papers"),
        _fk("saved_papers", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name=op.f("pk_saved_papers")),
    )
    _index("saved_papers", "paper_id")
    op.execute(
        "INSERT INTO saved_papers (user_id, paper_id, created_at) "
        "SELECT c.owner_id, i.paper_id, i.added_at FROM library_items i "
        "JOIN library_collections c ON c.id = i.collection_id WHERE c.is_default"
    )
    for table in ("api_tokens", "reading_states", "library_editors", "library_items"):
        op.drop_table(table)
    op.drop_table("library_collections")

"""Collections, reading state, account export and deletion, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select

from dailypapers.accounts.users import create_user
from dailypapers.errors import Forbidden, InvalidInput, NotFound
from dailypapers.library import collections as lib
from dailypapers.library import reading
from dailypapers.library.account import (
    DELETED_USER,
    delete_account,
    export_account,
    tables_referencing_users,
    user_columns,
)
from dailypapers.library.editors import add_editor
from dailypapers.library.public import public_collections_with
from dailypapers.library.saved import saved_papers, set_saved
from dailypapers.library.tokens import create_token
from dailypapers.store.db import alembic_config
from dailypapers.store.models import (
    Comment,
    DailyListing,
    LibraryCollection,
    Paper,
    Subscription,
    Upvote,
    User,
)
from dailypapers.store.upsert import save_papers
from support.web import SEED, paper_record


@pytest.fixture
def papers(store) -> dict[str, int]:  # noqa: ANN001
    save_papers(store, [paper_record(*row) for row in SEED])
    with store.session() as session:
        return dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())


def users(session, *names: str) -> list[User]:  # noqa: ANN001
    made = [create_user(session=session, username=n, password="correct horse") for n in names]
    session.flush()
    return made


def test_a_collection_keeps_order_notes_and_editors(store, papers):
    with store.session() as session:
        alice, bob, carol = users(session, "alice", "bob", "carol")
        group = lib.create_collection(session, alice, title="Reading group", visibility="public")
        one, two, three = (session.get(Paper, papers[f"2501.0000{i}"]) for i in (1, 2, 3))
        for paper in (one, two, three):
            assert lib.add_paper(session, group, alice, paper)
        assert not lib.add_paper(session, group, alice, one)  # idempotent
        lib.move_paper(session, group, alice, three, "top")
        lib.set_note(session, group, alice, two, "  read §3 first ")
        order = [(e.paper.arxiv_id, e.note) for e in lib.entries(session, group)]
        assert order == [
            ("2501.00003", None),
            ("2501.00001", None),
            ("2501.00002", "read §3 first"),
        ]

        with pytest.raises(Forbidden):
            lib.add_paper(session, group, bob, session.get(Paper, papers["2501.00004"]))
        add_editor(session, group, alice, "BOB")  # user names match case-insensitively
        lib.add_paper(session, group, bob, session.get(Paper, papers["2501.00004"]))
        lib.move_paper(session, group, bob, one, "down")
        assert [e.paper.arxiv_id for e in lib.entries(session, group)] == [
            "2501.00003", "2501.00002", "2501.00001", "2501.00004"
        ]  # fmt: skip
        with pytest.raises(Forbidden):  # an editor edits papers, not the collection itself
            lib.update_collection(session, group, bob, visibility="private")
        with pytest.raises(InvalidInput):
            add_editor(session, group, alice, "nobody-here")
        assert [c.title for c in lib.owned_and_shared(session, bob)] == ["Reading group"]
        assert public_collections_with(session, one.id) == [group]
        with pytest.raises(NotFound):
            lib.readable(session, group.id + 1000, carol)


def test_visibility_decides_who_reads_a_collection(store, papers):
    with store.session() as session:
        alice, bob = users(session, "alice", "bob")
        private = lib.create_collection(session, alice, title="Mine")
        unlisted = lib.create_collection(session, alice, title="Link", visibility="unlisted")
        for found in (private, unlisted):
            with pytest.raises(NotFound):
                lib.readable(session, found.id, bob)
            assert lib.readable(session, found.id, alice) is found
        assert lib.readable(session, unlisted.id, None, unlisted.share_key) is unlisted
        with pytest.raises(NotFound):
            lib.readable(session, private.id, None, private.share_key)  # private stays private
        with pytest.raises(InvalidInput):
            lib.create_collection(session, alice, title="  ")
        with pytest.raises(InvalidInput):
            lib.delete_collection(session, lib.default_collection(session, alice.id), alice)


def test_saved_for_later_is_the_default_collection_newest_first(store, papers):
    with store.session() as session:
        (alice,) = users(session, "alice")
        for arxiv_id in ("2501.00002", "2501.00005", "2501.00003"):
            set_saved(session, alice, session.get(Paper, papers[arxiv_id]), True)
        default = lib.default_collection(session, alice.id)
        assert default.is_default and default.title == "Saved for later"
        ids = saved_papers(session, alice.id)
        assert ids == [papers["2501.00003"], papers["2501.00005"], papers["2501.00002"]]
        set_saved(session, alice, session.get(Paper, papers["2501.00005"]), False)
        assert len(saved_papers(session, alice.id)) == 2
        assert session.scalar(select(func.count()).select_from(LibraryCollection)) == 1


def test_reading_state_sets_and_clears_each_flag(store, papers):
    with store.session() as session:
        (alice,) = users(session, "alice")
        pid = papers["2501.00001"]
        assert reading.set_state(session, alice.id, pid, "read", True) == reading.State(True, False)
        now = reading.set_state(session, alice.id, pid, "not_interested", True)
        assert now == reading.State(True, True)
        reading.set_state(session, alice.id, pid, "read", False)
        assert reading.states(session, alice.id, [pid]) == {pid: reading.State(False, True)}
        reading.set_state(session, alice.id, pid, "not_interested", False)
        assert reading.states(session, alice.id, [pid]) == {}  # no empty row left behind
        with pytest.raises(InvalidInput):
            reading.set_state(session, alice.id, pid, "loved", True)


def _seed_every_user_table(session, papers, alice: User, bob: User) -> dict[str, int]:  # noqa: ANN001
    """One row of alice's in each table that references users; rows per table seeded."""
    paper = session.get(Paper, papers["2501.00001"])
    paper.submitted_by_id = alice.id
    session.get(
        DailyListing, session.scalar(select(DailyListing.id).limit(1))
    ).submitted_by_id = alice.id
    session.add(Upvote(user_id=alice.id, paper_id=paper.id))
    session.add(Comment(user_id=alice.id, paper_id=paper.id, body="nice"))
    session.add(Comment(user_id=bob.id, paper_id=paper.id, body="agreed"))
    session.add(Subscription(email="alice@example.org", user_id=alice.id, topics=["search:x"]))
    mine = lib.create_collection(session, alice, title="Mine")
    lib.add_paper(session, mine, alice, paper, note="my note")
    theirs = lib.create_collection(session, bob, title="Bob's group")
    add_editor(session, theirs, bob, "alice")
    lib.add_paper(session, theirs, alice, session.get(Paper, papers["2501.00002"]))
    reading.set_state(session, alice.id, paper.id, "read", True)
    create_token(session, alice, "script")
    session.flush()
    return {
        "papers": 1, "daily_listings": 1, "upvotes": 1, "comments": 1, "subscriptions": 1,
        "library_collections": 1, "library_items": 2, "library_editors": 1,
        "reading_states": 1, "api_tokens": 1,
    }  # fmt: skip


def test_the_account_export_holds_every_row_of_every_table_that_references_users(store, papers):
    with store.session() as session:
        alice, bob = users(session, "alice", "bob")
        seeded = _seed_every_user_table(session, papers, alice, bob)
        exported = export_account(session, alice)
        tables = tables_referencing_users()
        # A table added later that references users must be seeded here (and so exported).
        assert {t.name for t in tables} == set(seeded)
        for table in tables:
            where = sa.or_(*(table.c[c] == alice.id for c in user_columns(table)))
            count = session.scalar(select(func.count()).select_from(table).where(where))
            assert count == seeded[table.name] == len(exported["tables"][table.name]), table.name
        text = repr(exported)
        assert alice.password_hash not in text and "token_hash" not in text
        assert exported["profile"]["username"] == "alice"
        mine = next(c for c in exported["collections"] if c["title"] == "Mine")
        assert mine["papers"] == [{"arxiv_id": "2501.00001", "title": mine["papers"][0]["title"],
                                   "note": "my note"}]  # fmt: skip
        assert exported["read"] == [papers["2501.00001"]]
        assert exported["tables"]["subscriptions"][0]["topics"] == ["search:x"]


@pytest.mark.parametrize("comments", ["keep", "remove"])
def test_deleting_an_account_removes_every_row_of_it(store, papers, comments):
    with store.session() as session:
        alice, bob = users(session, "alice", "bob")
        _seed_every_user_table(session, papers, alice, bob)
        alice_id = alice.id
        delete_account(session, alice, comments=comments)
    with store.session() as session:
        assert session.get(User, alice_id) is None
        for table in tables_referencing_users():
            where = sa.or_(*(table.c[c] == alice_id for c in user_columns(table)))
            assert session.scalar(select(func.count()).select_from(table).where(where)) == 0
        bodies = {
            (u, b)
            for u, b in session.execute(
                select(User.username, Comment.body).join(User, User.id == Comment.user_id)
            )
        }
        kept = {(DELETED_USER, "nice")} if comments == "keep" else set()
        assert bodies == {("bob", "agreed"), *kept}
        assert session.scalar(select(func.count()).select_from(Paper)) == len(SEED)
        group = session.scalar(
            select(LibraryCollection).where(LibraryCollection.title == "Bob's group")
        )
        assert group is not None  # bob's collection stays, without alice as editor


def test_the_migration_moves_saved_papers_into_default_collections(store, papers):
    config = alembic_config(store.engine)
    command.downgrade(config, "0008_shared_state")
    with store.engine.begin() as conn:
        uid = conn.execute(
            sa.text(
                "INSERT INTO users (username, password_hash, is_admin, created_at, "
                "session_version) VALUES ('old', 'x', false, '2025-01-01', 0) RETURNING id"
            )
        ).scalar_one()
        for day, arxiv_id in (("2025-01-02", "2501.00001"), ("2025-01-03", "2501.00004")):
            conn.execute(
                sa.text("INSERT INTO saved_papers VALUES (:u, :p, :d)"),
                {"u": uid, "p": papers[arxiv_id], "d": day},
            )
    command.upgrade(config, "head")
    with store.session() as session:
        assert saved_papers(session, uid) == [papers["2501.00004"], papers["2501.00001"]]
    command.downgrade(config, "0008_shared_state")  # and back: the default collection returns
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT paper_id FROM saved_papers ORDER BY paper_id")).all()
    assert [r[0] for r in rows] == sorted([papers["2501.00001"], papers["2501.00004"]])
    command.upgrade(config, "head")

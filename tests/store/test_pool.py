"""PostgreSQL's pool: a connection that sat idle is pinged before use, so one the server dropped
(a restart, a proxy's idle timeout) is replaced unnoticed; a hot one is handed out as is."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from dailypapers.store import db

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _pings(store, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = store.engine.dialect.do_ping

    def counted(dbapi_connection):  # noqa: ANN001, ANN202
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(store.engine.dialect, "do_ping", counted)
    return pings


def _one(store) -> int:
    with store.session() as session:
        return session.scalar(text("SELECT 1"))


def test_a_connection_used_a_moment_ago_is_not_pinged(store, monkeypatch):
    pings = _pings(store, monkeypatch)
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 3600.0)
    assert [_one(store) for _ in range(5)] == [1] * 5
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced(store, settings, monkeypatch):
    pings = _pings(store, monkeypatch)
    _one(store)  # one pooled connection
    admin = create_engine(settings.db_url)
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    assert _one(store) == 1  # the dead one failed its ping and a new one answered
    assert pings == [1]

"""Reading state: a paper marked read, or "not interested" (a negative for recommendations).

Both are per user and per paper, set and cleared independently; the feed can hide read papers
and "For you" leaves out papers marked not interested (and learns against them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput
from dailypapers.store.models import ReadingState
from dailypapers.timeutil import utcnow

STATES = ("read", "not_interested")


@dataclass(slots=True, frozen=True)
class State:
    read: bool = False
    not_interested: bool = False


def set_state(session: Session, user_id: int, paper_id: int, state: str, on: bool) -> State:
    """Turn `read` or `not_interested` on or off for one paper; idempotent."""
    if state not in STATES:
        raise InvalidInput("state is read or not_interested")
    row = session.get(ReadingState, (user_id, paper_id))
    if row is None:
        if not on:
            return State()
        row = ReadingState(user_id=user_id, paper_id=paper_id)
        session.add(row)
    stamp = utcnow() if on else None
    if state == "read":
        row.read_at = stamp if on else None
    else:
        row.not_interested_at = stamp
    if row.read_at is None and row.not_interested_at is None:
        session.delete(row)
    session.flush()
    return State(read=row.read_at is not None, not_interested=row.not_interested_at is not None)


def states(session: Session, user_id: int | None, paper_ids: Sequence[int]) -> dict[int, State]:
    if user_id is None or not paper_ids:
        return {}
    rows = session.scalars(
        select(ReadingState).where(
            ReadingState.user_id == user_id, ReadingState.paper_id.in_(paper_ids)
        )
    )
    return {r.paper_id: State(r.read_at is not None, r.not_interested_at is not None) for r in rows}


def read_ids(session: Session, user_id: int) -> set[int]:
    return set(
        session.scalars(
            select(ReadingState.paper_id).where(
                ReadingState.user_id == user_id, ReadingState.read_at.is_not(None)
            )
        )
    )

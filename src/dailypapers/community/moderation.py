"""Minimal moderation: an admin hides (or shows again) a comment or a paper."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dailypapers.community.comments import get_comment
from dailypapers.errors import Forbidden
from dailypapers.store.changes import next_change_seq
from dailypapers.store.models import Comment, Paper, User
from dailypapers.timeutil import utcnow


def _admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("only admins can moderate")


def set_comment_hidden(*, session: Session, admin: User, comment_id: int, hidden: bool) -> Comment:
    _admin(admin)
    comment = get_comment(session=session, comment_id=comment_id)
    comment.hidden = hidden
    return comment


def set_paper_hidden(*, session: Session, admin: User, paper: Paper, hidden: bool) -> Paper:
    """A hidden paper leaves every listing, feed and API answer; admins still see its page."""
    _admin(admin)
    if paper.hidden != hidden:
        paper.hidden = hidden
        paper.modified_at = utcnow()
        paper.change_seq = next_change_seq(session)  # derived indexes catch up from it
    return paper

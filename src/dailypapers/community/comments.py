"""Comments: Markdown as written is stored; it is rendered and sanitised on output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.community.markdown import render_markdown
from dailypapers.errors import Forbidden, InvalidInput, NotFound
from dailypapers.store.models import Comment, Paper, User
from dailypapers.timeutil import utcnow

MAX_LENGTH = 5000


@dataclass(slots=True)
class CommentView:
    id: int
    author: str
    html: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    can_edit: bool


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("a comment cannot be empty")
    if "\x00" in body:
        raise InvalidInput("comments cannot contain NUL characters")
    if len(body) > MAX_LENGTH:
        raise InvalidInput(f"comments may have at most {MAX_LENGTH} characters")
    return body


def add_comment(*, session: Session, user: User, paper: Paper, body: str) -> Comment:
    comment = Comment(paper_id=paper.id, user_id=user.id, body=_clean_body(body))
    session.add(comment)
    session.flush()
    return comment


def get_comment(*, session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    return comment


def _own(comment: Comment, user: User) -> None:
    if comment.user_id != user.id:
        raise Forbidden("you can only change your own comments")


def edit_comment(*, session: Session, user: User, comment_id: int, body: str) -> Comment:
    comment = get_comment(session=session, comment_id=comment_id)
    _own(comment, user)
    comment.body = _clean_body(body)
    comment.edited_at = utcnow()
    return comment


def delete_comment(*, session: Session, user: User, comment_id: int) -> int:
    """Delete the user's own comment; returns its paper's id."""
    comment = get_comment(session=session, comment_id=comment_id)
    _own(comment, user)
    paper_id = comment.paper_id
    session.delete(comment)
    return paper_id


def list_comments(*, session: Session, paper: Paper, viewer: User | None) -> list[CommentView]:
    """A paper's comments, oldest first; hidden ones only for admins (marked as hidden)."""
    query = (
        select(Comment, User.username)
        .join(User, User.id == Comment.user_id)
        .where(Comment.paper_id == paper.id)
        .order_by(Comment.created_at, Comment.id)
    )
    if viewer is None or not viewer.is_admin:
        query = query.where(Comment.hidden.is_(False))
    return [
        CommentView(
            id=comment.id,
            author=username,
            html=render_markdown(comment.body),
            body=comment.body,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            hidden=comment.hidden,
            can_edit=viewer is not None and viewer.id == comment.user_id,
        )
        for comment, username in session.execute(query)
    ]

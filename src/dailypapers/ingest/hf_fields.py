"""The Hugging Face additions of an `/api/daily_papers` item: submitter, organization, AI summary
and keywords, media, GitHub stars, comment count, authors with their claimed HF accounts.

A field of the wrong type is damage: the item is reported and skipped (MalformedRecord), never
half-imported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dailypapers.errors import MalformedRecord
from dailypapers.ingest.normalize import clean_text, parse_moment
from dailypapers.store.records import HfAccount, HfAuthor, HfExtras


def hf_extras(item: dict[str, Any], paper: dict[str, Any]) -> HfExtras:
    """HfExtras from one API item (`paper` is its `paper` object)."""
    featured_at = _moment(item.get("publishedAt"), "publishedAt")
    on_daily = _moment(paper.get("submittedOnDailyAt"), "submittedOnDailyAt")
    authors = _authors(paper.get("authors"))
    moments = [m for m in (featured_at, on_daily) if m is not None]
    for author in paper.get("authors") or ():
        if isinstance(author, dict) and author.get("statusLastChangedAt"):
            moment = _moment(author["statusLastChangedAt"], "statusLastChangedAt")
            if moment is not None:
                moments.append(moment)
    media = item.get("mediaUrls") or paper.get("mediaUrls")
    submitter = item.get("submittedBy") or paper.get("submittedOnDailyBy")
    organization = item.get("organization") or paper.get("organization")
    return HfExtras(
        # The files carry no download time: the newest moment an item speaks of is the best
        # lower bound of when it was captured, and the same file always gives the same one.
        captured_at=max(moments) if moments else None,
        featured_at=featured_at,
        title=_text(item.get("title"), "title"),
        submitted_on_daily_at=on_daily,
        discussion_id=_text(paper.get("discussionId"), "discussionId"),
        ai_summary=_text(paper.get("ai_summary") or item.get("ai_summary"), "ai_summary"),
        ai_summary_model=_text(paper.get("ai_summary_model"), "ai_summary_model"),
        ai_keywords=_strings(paper.get("ai_keywords") or item.get("ai_keywords"), "ai_keywords"),
        thumbnail=_text(item.get("thumbnail"), "thumbnail"),
        media_urls=_strings(media, "mediaUrls"),
        github_stars=_count(paper.get("githubStars"), "githubStars"),
        num_comments=_count(item.get("numComments"), "numComments"),
        upvotes=_count(paper.get("upvotes"), "upvotes"),
        submitter=_account(submitter, "submittedBy", user_key="name"),
        organization=_account(organization, "organization", avatar_key="avatar"),
        authors=authors,
    )


def _moment(value: Any, what: str) -> datetime | None:
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise MalformedRecord(f"bad {what}: {value!r}") from exc


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedRecord(f"{what} is not a string")
    return value if value.strip() else None  # kept as HF wrote it, spaces and all


def _strings(value: Any, what: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedRecord(f"{what} is not a list of strings")
    kept = [v for v in value if v.strip()]
    return kept or None


def _count(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MalformedRecord(f"bad {what} {value!r}")
    return int(value)


def _account(
    value: Any, what: str, *, user_key: str = "user", avatar_key: str = "avatarUrl"
) -> HfAccount | None:
    """An HF user or organization; `user_key` names the handle (`name` or `user`)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MalformedRecord(f"{what} is not an object")
    name = _text(value.get(user_key) or value.get("name") or value.get("user"), f"{what} name")
    if not name:
        return None
    avatar = value.get(avatar_key) or value.get("avatarUrl") or value.get("avatar")
    return HfAccount(
        name=name[:120],
        fullname=_text(value.get("fullname"), f"{what}.fullname"),
        avatar_url=_text(avatar, f"{what}.avatar"),
        hf_id=_text(value.get("_id"), f"{what}._id"),
    )


def _authors(value: Any) -> list[HfAuthor] | None:
    if not value:
        return None
    if not isinstance(value, list):
        raise MalformedRecord("authors is not a list")
    authors = []
    for entry in value:
        if not isinstance(entry, dict):
            return None  # plain names: nothing HF-specific to keep
        name = clean_text(entry.get("name"))
        if not name:
            continue
        authors.append(
            HfAuthor(
                name=name,
                hf_id=_text(entry.get("_id"), "author _id"),
                hidden=bool(entry.get("hidden")),
                status=_text(entry.get("status"), "author status"),
                user=_account(entry.get("user"), "author user"),
            )
        )
    return authors or None

"""Hugging Face's JSON shapes for what HF adds: users, organizations, authors, AI fields.

Field names and meanings are HF's (`/api/daily_papers`), so HF's own client reads them. Where
HF's client reads a field at the item's top level that HF's API nests in `paper` (githubRepo,
githubStars, projectPage, ai_summary, ai_keywords), both places carry it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dailypapers.feed.hf_cards import Account, Author, HfCard


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_json(account: Account | None) -> dict[str, Any] | None:
    """An HF user: HF's item shape (`name`) plus `user`, the key HF's client reads."""
    if account is None:
        return None
    body: dict[str, Any] = {
        "avatarUrl": account.avatar_url,
        "fullname": account.fullname or account.name,
        "name": account.name,
        "user": account.name,
        "type": "user",
    }
    if account.hf_id:
        body["_id"] = account.hf_id
    return body


def organization_json(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    body: dict[str, Any] = {
        "name": account.name,
        "fullname": account.fullname or account.name,
        "avatar": account.avatar_url,
        "avatarUrl": account.avatar_url,  # the key HF's client reads
    }
    if account.hf_id:
        body["_id"] = account.hf_id
    return body


def author_json(author: Author) -> dict[str, Any]:
    body: dict[str, Any] = {"name": author.name, "hidden": author.hidden}
    if author.hf_id:
        body["_id"] = author.hf_id
    if author.status:
        body["status"] = author.status
    if author.user is not None:
        body["user"] = user_json(author.user)
    return body


def authors_json(names: list[str], hf: HfCard | None) -> list[dict[str, Any]]:
    """HF's author list when HF listed the paper (ids, claims), else the names we have."""
    if hf is not None and hf.authors:
        return [author_json(a) for a in hf.authors]
    return [{"name": name, "hidden": False} for name in names]


def paper_hf_fields(hf: HfCard | None) -> dict[str, Any]:
    """The HF fields of HF's `paper` object (null when HF never said)."""
    if hf is None:
        return {
            "submittedOnDailyAt": None,
            "submittedOnDailyBy": None,
            "discussionId": None,
            "ai_summary": None,
            "ai_summary_model": None,
            "ai_keywords": None,
            "githubStars": None,
            "mediaUrls": None,
            "organization": None,
            "countsCapturedAt": None,
        }
    return {
        "submittedOnDailyAt": iso(hf.submitted_on_daily_at),
        "submittedOnDailyBy": user_json(hf.submitter),
        "discussionId": hf.discussion_id,
        "ai_summary": hf.ai_summary,
        "ai_summary_model": hf.ai_summary_model,
        "ai_keywords": hf.ai_keywords or None,
        "githubStars": hf.github_stars,
        "mediaUrls": hf.media_urls or None,
        "organization": organization_json(hf.organization),
        "countsCapturedAt": iso(hf.counts_captured_at),
    }

"""Writing what Hugging Face adds to papers: accounts, organizations, paper_hf, authors, keywords.

Called by `upsert_papers` for the records of a batch that carry `hf` extras. Rules, so that
re-importing changes nothing and files may come in any order:
- counts (GitHub stars, comments, upvotes) never go down; `counts_captured_at` is the newest
  capture seen (a capture's time is the newest moment its item speaks of);
- descriptive fields (AI summary, keywords, media, submitter, organization, authors) come from
  the newest capture; an older one only fills blanks;
- when and by whom it was featured is kept from the first listing, like the listing itself;
- an account's display name and avatar follow its newest capture.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from dailypapers.store.bulk_insert import insert_many
from dailypapers.store.models import HfOrganization, HfUser, PaperAuthor, PaperHf, PaperKeyword
from dailypapers.store.records import HfAccount, HfExtras, PaperRecord
from dailypapers.timeutil import as_utc

USERS: Table = HfUser.__table__  # type: ignore[assignment]
ORGS: Table = HfOrganization.__table__  # type: ignore[assignment]
EXTRAS: Table = PaperHf.__table__  # type: ignore[assignment]
AUTHORS: Table = PaperAuthor.__table__  # type: ignore[assignment]
KEYWORDS: Table = PaperKeyword.__table__  # type: ignore[assignment]
KEY_LENGTH = 300

DESCRIPTIVE = (
    "title",
    "ai_summary",
    "ai_summary_model",
    "ai_keywords",
    "thumbnail",
    "media_urls",
    "discussion_id",
    "organization_id",
    "submitter_id",
)
FIRST_SEEN = ("featured_at", "submitted_on_daily_at")
COUNTS = ("github_stars", "num_comments", "upvotes")
ACCOUNT_FIELDS = ("fullname", "avatar_url", "hf_id")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """A lookup key: case, accents and spacing folded ("Zoë  Müller" -> "zoe muller")."""
    if text.isascii():  # most names: nothing to decompose, and casefold is lower
        return " ".join(text.lower().split())[:KEY_LENGTH]
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())[:KEY_LENGTH]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a capture at `incoming` may overwrite values captured at `stored`."""
    if stored is None:
        return True
    return incoming is not None and as_utc(incoming) >= as_utc(stored)


def _save_accounts(
    session: Session, table: Table, found: dict[str, tuple[HfAccount, datetime | None]]
) -> dict[str, int]:
    """Insert or refresh accounts by name; their ids by name."""
    if not found:
        return {}
    rows = {
        row.name: row for row in session.execute(select(table).where(table.c.name.in_(list(found))))
    }
    new, refreshed = [], []
    for name, (account, seen) in found.items():
        values = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
        row = rows.get(name)
        if row is None:
            new.append({"name": name, **values, "seen_at": _utc(seen)})
            continue
        if not _newer(seen, row.seen_at):
            continue
        changed = {k: v for k, v in values.items() if v is not None and getattr(row, k) != v}
        if changed or (seen is not None and row.seen_at != as_utc(seen)):
            # Every column, the unchanged ones as stored: one executemany for the batch.
            kept = {f"new_{k}": v if v is not None else getattr(row, k) for k, v in values.items()}
            refreshed.append({"row_id": row.id, **kept, "new_seen_at": _utc(seen)})
    if refreshed:
        columns = (*ACCOUNT_FIELDS, "seen_at")
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        session.connection().execute(statement, refreshed)
    if new:
        session.execute(insert(table), new)
    return {
        name: pid
        for name, pid in session.execute(
            select(table.c.name, table.c.id).where(table.c.name.in_(list(found)))
        )
    }


def _collect(
    records: Iterable[tuple[int, HfExtras]],
) -> tuple[dict[str, tuple[HfAccount, datetime | None]], dict[str, tuple[HfAccount, Any]]]:
    """The newest capture of every user and organization named in the batch."""
    users: dict[str, tuple[HfAccount, datetime | None]] = {}
    orgs: dict[str, tuple[HfAccount, datetime | None]] = {}

    def keep(into: dict, account: HfAccount | None, seen: datetime | None) -> None:
        if account is None:
            return
        old = into.get(account.name)
        if old is None or _newer(seen, old[1]):
            into[account.name] = (account, seen)

    for _, extras in records:
        keep(users, extras.submitter, extras.captured_at)
        keep(orgs, extras.organization, extras.captured_at)
        for author in extras.authors or ():
            keep(users, author.user, extras.captured_at)
    return users, orgs


def save_hf_extras(
    session: Session, records: Sequence[PaperRecord], paper_ids: dict[str, int]
) -> set[int]:
    """Write the batch's HF extras; the ids of papers whose extras changed."""
    items = [(paper_ids[r.arxiv_id], r.hf) for r in records if r.hf is not None]
    if not items:
        return set()
    users, orgs = _collect(items)
    user_ids = _save_accounts(session, USERS, users)
    org_ids = _save_accounts(session, ORGS, orgs)
    ids = [pid for pid, _ in items]
    stored = {
        row.paper_id: dict(row._mapping)
        for row in session.execute(select(EXTRAS).where(EXTRAS.c.paper_id.in_(ids)))
    }
    authors = _stored_lists(session, AUTHORS, ids, ("name", "hf_id", "hidden", "status", "user_id"))
    changed: set[int] = set()
    new_rows, updates = [], []
    author_rows: list[dict[str, Any]] = []
    keyword_rows: list[dict[str, Any]] = []
    replaced_authors: list[int] = []
    replaced_keywords: list[int] = []
    for pid, extras in items:
        incoming = _row(extras, user_ids, org_ids)
        current = stored.get(pid)
        merged = _merge(current, incoming, extras.captured_at)
        if current is None:
            new_rows.append({"paper_id": pid, **merged})
            changed.add(pid)
        elif any(merged[k] != current[k] for k in merged):
            updates.append((pid, merged))
            changed.add(pid)
        old_keywords = (current or {}).get("ai_keywords") or []
        if (merged["ai_keywords"] or []) != old_keywords:
            if current is not None:
                replaced_keywords.append(pid)
            keyword_rows.extend(
                {"paper_id": pid, "position": i, "keyword": k, "keyword_key": fold(k)}
                for i, k in enumerate(merged["ai_keywords"] or [])
            )
        if extras.authors and _newer(extras.captured_at, (current or {}).get("counts_captured_at")):
            wanted = [
                (a.name, a.hf_id, a.hidden, a.status, user_ids.get(a.user.name) if a.user else None)
                for a in extras.authors
            ]
            if wanted != authors.get(pid, []):
                if pid in authors:
                    replaced_authors.append(pid)
                author_rows.extend(
                    {
                        "paper_id": pid,
                        "position": i,
                        "name": name,
                        "name_key": fold(name),
                        "hf_id": hf_id,
                        "hidden": hidden,
                        "status": status,
                        "user_id": user_id,
                    }
                    for i, (name, hf_id, hidden, status, user_id) in enumerate(wanted)
                )
                changed.add(pid)
    if new_rows:
        session.execute(insert(EXTRAS), new_rows)
    for pid, merged in updates:
        session.execute(update(EXTRAS).where(EXTRAS.c.paper_id == pid).values(**merged))
    if replaced_authors:
        session.execute(delete(AUTHORS).where(AUTHORS.c.paper_id.in_(replaced_authors)))
    if author_rows:
        insert_many(session, AUTHORS, author_rows)
    if replaced_keywords:
        session.execute(delete(KEYWORDS).where(KEYWORDS.c.paper_id.in_(replaced_keywords)))
    if keyword_rows:
        insert_many(session, KEYWORDS, keyword_rows)
    return changed


def _stored_lists(
    session: Session, table: Table, ids: list[int], columns: tuple[str, ...]
) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = {}
    statement = (
        select(table.c.paper_id, *(table.c[c] for c in columns))
        .where(table.c.paper_id.in_(ids))
        .order_by(table.c.paper_id, table.c.position)
    )
    for row in session.execute(statement):
        found.setdefault(row[0], []).append(tuple(row[1:]))
    return found


def _row(extras: HfExtras, user_ids: dict[str, int], org_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "title": extras.title,
        "ai_summary": extras.ai_summary,
        "ai_summary_model": extras.ai_summary_model,
        "ai_keywords": extras.ai_keywords,
        "thumbnail": extras.thumbnail,
        "media_urls": extras.media_urls,
        "discussion_id": extras.discussion_id,
        "organization_id": org_ids.get(extras.organization.name) if extras.organization else None,
        "submitter_id": user_ids.get(extras.submitter.name) if extras.submitter else None,
        "featured_at": _utc(extras.featured_at),
        "submitted_on_daily_at": _utc(extras.submitted_on_daily_at),
        "github_stars": extras.github_stars,
        "num_comments": extras.num_comments,
        "upvotes": extras.upvotes,
        "counts_captured_at": _utc(extras.captured_at),
    }


def _merge(
    current: dict[str, Any] | None, incoming: dict[str, Any], captured_at: datetime | None
) -> dict[str, Any]:
    if current is None:
        return incoming
    merged = {k: current[k] for k in incoming}
    newer = _newer(captured_at, current["counts_captured_at"])
    for name in DESCRIPTIVE:
        value = incoming[name]
        if value is not None and (newer or merged[name] is None):
            merged[name] = value
    for name in FIRST_SEEN:
        if merged[name] is None:
            merged[name] = incoming[name]
    for name in COUNTS:
        values = [v for v in (current[name], incoming[name]) if v is not None]
        merged[name] = max(values) if values else None
    if newer and incoming["counts_captured_at"] is not None:
        merged["counts_captured_at"] = incoming["counts_captured_at"]
    return merged


def merge_extras(first: HfExtras | None, later: HfExtras | None) -> HfExtras | None:
    """Two captures of one paper in one batch, by the rules above (the first one's listing)."""
    if first is None or later is None:
        return first or later
    newest, other = (
        (later, first) if _newer(later.captured_at, first.captured_at) else (first, later)
    )
    merged = HfExtras(**{name: getattr(newest, name) for name in HfExtras.__slots__})
    for name in HfExtras.__slots__:
        if getattr(merged, name) is None:
            setattr(merged, name, getattr(other, name))
    for name in COUNTS:
        values = [v for v in (getattr(first, name), getattr(later, name)) if v is not None]
        setattr(merged, name, max(values) if values else None)
    for name in FIRST_SEEN:
        setattr(merged, name, getattr(first, name) or getattr(later, name))
    return merged

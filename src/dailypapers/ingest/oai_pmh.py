"""The arXiv OAI-PMH harvester (`ListRecords`, `metadataPrefix=arXiv`): incremental and resumable.

Where it stopped is kept in `SyncState` under `oai:<set>` (one document per set):
- while a harvest runs, after each page is saved: the request window and the resumption token,
  so that a crashed or interrupted harvest resumes at the next page;
- when a harvest completes: `next_from`, the date of the first response, so the next run (a daily
  cron job with no `--from`) asks only for what changed since. OAI `from` is inclusive, so the
  boundary day is fetched twice; the upsert makes that harmless.

arXiv's OAI metadata carries dates only (created = v1, updated = latest version); they are stored
as UTC midnight, and a more precise time already stored for the same day is kept. Parsing the
responses is oai_records.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from dailypapers.config import Settings
from dailypapers.errors import OaiPmhError, RemoteSourceError
from dailypapers.ingest.oai_records import OaiPage, parse_list_records
from dailypapers.ingest.remote import HarvestSummary, PoliteClient
from dailypapers.store.db import Store
from dailypapers.store.models import Paper, SyncState
from dailypapers.store.records import ListingRecord, PaperRecord
from dailypapers.store.upsert import save_papers
from dailypapers.timeutil import utcnow

METADATA_PREFIX = "arXiv"
# parse_list_records is re-exported: callers and tests take it from the harvester module.
__all__ = ["OaiHarvester", "OaiPage", "load_state", "parse_list_records", "save_state", "state_key"]


def state_key(set_spec: str | None) -> str:
    return f"oai:{set_spec or '*'}"


def load_state(store: Store, key: str) -> dict[str, Any]:
    with store.session() as session:
        row = session.get(SyncState, key)
        return dict(row.value) if row is not None else {}


def save_state(store: Store, key: str, value: dict[str, Any]) -> None:
    with store.session() as session:
        row = session.get(SyncState, key)
        if row is None:
            session.add(SyncState(key=key, value=value, updated_at=utcnow()))
        else:
            row.value = value
            row.updated_at = utcnow()


PageCallback = Callable[[OaiPage, HarvestSummary], None]


class OaiHarvester:
    """Harvests one set (or everything) into the store, page by page, resumably."""

    def __init__(self, store: Store, *, http: PoliteClient | None = None) -> None:
        self.store = store
        self.settings: Settings = store.settings
        self.http = http or PoliteClient.from_settings(
            self.settings, self.settings.oai_pmh_url, name="the OAI-PMH endpoint"
        )

    def close(self) -> None:
        self.http.close()

    def fetch(self, params: dict[str, str]) -> OaiPage:
        response = self.http.get(params)
        if response.status_code != 200:
            try:  # some endpoints send protocol errors with a 4xx status
                parse_list_records(response.content)
            except OaiPmhError:
                raise
            except RemoteSourceError:
                pass  # not an OAI answer: report the HTTP status
            raise RemoteSourceError(
                f"the OAI-PMH endpoint answered HTTP {response.status_code} "
                f"{response.reason_phrase}"
            )
        return parse_list_records(response.content)

    def harvest(
        self,
        *,
        set_spec: str | None = None,
        from_date: date | None = None,
        until: date | None = None,
        feature: bool = False,
        on_page: PageCallback | None = None,
        first_from: date | None = None,
    ) -> HarvestSummary:
        """Harvest the window (default: since the last completed harvest), resuming a crash.

        `first_from` is where to start when no `from_date` is given and no harvest of this set
        has completed yet (default: the beginning, i.e. the whole set).
        """
        key = state_key(set_spec)
        state = load_state(self.store, key)
        summary = HarvestSummary()
        asked = {"from": _iso(from_date), "until": _iso(until), "set": set_spec}
        saved = state.get("window") or {}
        token: str | None = state.get("token")
        if token and all(asked[k] in (None, saved.get(k)) for k in ("from", "until")):
            window, started = saved, state.get("started")
            summary.notes.append(
                f"resuming the interrupted harvest at record {state.get('cursor')}"
            )
        else:
            if token:
                summary.notes.append("a different window was asked: the interrupted one is dropped")
            token, started = None, None
            start = asked["from"] or state.get("next_from") or _iso(first_from)
            window = {**asked, "from": start}
        restarted = False
        while True:
            try:
                page = self.fetch(self._params(window, token))
            except OaiPmhError as exc:
                if exc.code != "badResumptionToken" or not token or restarted:
                    raise
                # Tokens expire (arXiv keeps them for hours); start the window again, once.
                summary.notes.append("the saved resumption token expired: the window restarts")
                token, started, restarted = None, None, True
                continue
            started = started or page.response_date.date().isoformat()
            self._save(page, window, feature, summary)
            token = page.token
            if token:
                cursor = page.cursor + page.count if page.cursor is not None else None
                progress = {"window": window, "token": token, "started": started, "cursor": cursor}
                save_state(self.store, key, {**state, **progress})
            else:
                done = {
                    # A bounded (--until) harvest does not move the incremental start forward.
                    "next_from": started if not window.get("until") else state.get("next_from"),
                    "last_window": window,
                    "completed_at": utcnow().isoformat(),
                }
                save_state(self.store, key, done)
            if on_page:
                on_page(page, summary)
            if not token:
                return summary

    @staticmethod
    def _params(window: dict[str, Any], token: str | None) -> dict[str, str]:
        if token:
            return {"verb": "ListRecords", "resumptionToken": token}
        params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
        for name in ("from", "until", "set"):
            if window.get(name):
                params[name] = window[name]
        return params

    def _save(
        self, page: OaiPage, window: dict[str, Any], feature: bool, summary: HarvestSummary
    ) -> None:
        known = self._known_times([r.arxiv_id for r in (*page.records, *page.deleted)])
        records = list(page.records)
        for record in records:
            created = record.published_at
            stored = known.get(record.arxiv_id)
            _keep_precise_times(record, stored)
            if feature and created is not None and _is_new_in(created, window.get("from")):
                listed_at = stored[0] if stored and stored[0] else created
                record.listing = ListingRecord(
                    date=created.date(), source="arxiv", listed_at=listed_at
                )
        deleted = [r for r in page.deleted if r.arxiv_id in known]
        ignored = len(page.deleted) - len(deleted)
        if ignored:
            summary.notes.append(f"{ignored} deleted record(s) for papers not stored here")
        result = save_papers(self.store, records + deleted)
        summary.new += result.new
        summary.changed += result.changed
        summary.unchanged += result.unchanged
        summary.deleted += len(deleted)
        summary.skipped += len(page.problems)
        summary.problems.extend(page.problems)
        summary.pages += 1
        summary.fetched += page.count

    def _known_times(self, ids: list[str]) -> dict[str, tuple[datetime | None, datetime | None]]:
        if not ids:
            return {}
        with self.store.session() as session:
            rows = session.execute(
                select(Paper.arxiv_id, Paper.published_at, Paper.updated_at).where(
                    Paper.arxiv_id.in_(ids)
                )
            )
            return {row.arxiv_id: (row.published_at, row.updated_at) for row in rows}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _keep_precise_times(
    record: PaperRecord, stored: tuple[datetime | None, datetime | None] | None
) -> None:
    """Drop a date-only time when the store already has a precise one on the same day."""
    if stored is None:
        return
    published, updated = stored
    if published and record.published_at and published.date() == record.published_at.date():
        record.published_at = None
        for version in record.versions:
            if version.version == 1:
                version.submitted_at = published
    if updated and record.updated_at and updated.date() == record.updated_at.date():
        record.updated_at = None


def _is_new_in(created: datetime, window_from: str | None) -> bool:
    """A first submission inside the harvested window (what a daily feed lists)."""
    return window_from is None or created.date().isoformat() >= window_from

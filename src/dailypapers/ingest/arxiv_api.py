"""The arXiv API (Atom) client: papers by id list, and by search query or category with paging.

`fetch_papers(settings, ids)` is what the web "submit a paper" form calls; `harvest_ids` and
`harvest_search` are what `dailypapers harvest arxiv` runs (they save through `save_papers`).
Reading the Atom responses is arxiv_feed.py (re-exported here: `NS`, `parse_entry`, `parse_feed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.config import Settings
from dailypapers.errors import NotFound, RemoteSourceError
from dailypapers.ingest.arxiv_feed import (
    NS,
    SUBJECT_CLASS,
    FeedPage,
    api_error,
    parse_entry,
    parse_feed,
)
from dailypapers.ingest.normalize import feature_listing
from dailypapers.ingest.remote import HarvestSummary, PoliteClient, parse_xml
from dailypapers.store.db import Store
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers

__all__ = [
    "NS",
    "ArxivApi",
    "FeedPage",
    "fetch_papers",
    "harvest_ids",
    "harvest_search",
    "parse_entry",
    "parse_feed",
    "search_query",
]
ID_CHUNK = 100  # ids per id_list call; arXiv's URLs stay well under length limits
PAGE_SIZE = 100


def canonical_id(text: str) -> str:
    """An id or URL as arXiv's own id without version (`math.GT/0309136` -> `math/0309136`)."""
    arxiv_id, _ = parse_arxiv_id(text)
    return SUBJECT_CLASS.sub(r"\1/", arxiv_id)


def normalise_ids(ids: Iterable[str]) -> list[str]:
    """Distinct canonical ids in the order given; raises BadArxivId naming the first bad one."""
    seen: dict[str, None] = {}
    for text in ids:
        seen.setdefault(canonical_id(text), None)
    return list(seen)


def search_query(query: str | None = None, category: str | None = None) -> str:
    """An arXiv `search_query` from free query syntax and/or a category (cs.CL)."""
    parts = []
    if query and query.strip():
        parts.append(f"({query.strip()})" if category else query.strip())
    if category and category.strip():
        parts.append(f"cat:{category.strip()}")
    if not parts:
        raise ValueError("give a query or a category")
    return " AND ".join(parts)


class ArxivApi:
    """Calls to the `query` endpoint through a PoliteClient (delay, retries, backoff)."""

    def __init__(
        self, settings: Settings, *, http: PoliteClient | None = None, interactive: bool = False
    ) -> None:
        make = PoliteClient.interactive if interactive else PoliteClient.from_settings
        self.http = http or make(settings, settings.arxiv_api_url, name="the arXiv API")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ArxivApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, params: dict[str, str | int]) -> FeedPage:
        """One call; HTTP errors and arXiv error entries become domain errors."""
        response = self.http.get(params)
        if response.status_code != 200:
            # arXiv explains a bad request (e.g. a malformed id) in an Atom error entry.
            try:
                error = api_error(parse_xml(response.content, what="the arXiv API"))
            except RemoteSourceError:
                error = None
            raise error or RemoteSourceError(
                f"the arXiv API answered HTTP {response.status_code} {response.reason_phrase}"
            )
        return parse_feed(response.content)

    def by_ids(self, ids: Sequence[str]) -> Iterator[tuple[FeedPage, list[str]]]:
        """Pages for canonical ids, ID_CHUNK at a time, each with the ids arXiv did not return."""
        for offset in range(0, len(ids), ID_CHUNK):
            chunk = list(ids[offset : offset + ID_CHUNK])
            page = self.query({"id_list": ",".join(chunk), "max_results": len(chunk)})
            found = {r.arxiv_id for r in page.records}
            yield page, [i for i in chunk if i not in found]

    def search(
        self, query: str, *, max_results: int | None = None, page_size: int = PAGE_SIZE
    ) -> Iterator[FeedPage]:
        """Pages of a search, newest submissions first, until totalResults or `max_results`."""
        start = 0
        empty_tries = 0
        while max_results is None or start < max_results:
            size = page_size if max_results is None else min(page_size, max_results - start)
            page = self.query(
                {
                    "search_query": query,
                    "start": start,
                    "max_results": size,
                    "sortBy": "submittedDate",
                    "sortOrder": "descending",
                }
            )
            if page.entries == 0 and start < page.total:
                # arXiv sometimes answers an empty page mid-listing; asking again usually works.
                empty_tries += 1
                if empty_tries >= self.http.retries:
                    raise RemoteSourceError(
                        f"the arXiv API kept answering an empty page at {start} of {page.total}"
                    )
                self.http.sleep(self.http.backoff * 2 ** (empty_tries - 1))
                continue
            empty_tries = 0
            yield page
            start += page.entries
            if page.entries == 0 or start >= page.total:
                break


def fetch_papers(
    settings: Settings, ids: Iterable[str], *, interactive: bool = False
) -> list[PaperRecord]:
    """The current arXiv metadata of papers by id or URL (with or without version), in order.

    Raises BadArxivId for a malformed id, NotFound when arXiv has no such paper, and
    RemoteSourceError when arXiv cannot be reached (RemoteUnreachable when not at all;
    `interactive` gives up after one short try, for a person waiting on a page). Blocking
    (waits out the 3 s delay): call it from a worker thread in async code. Nothing is saved;
    pass the records to `save_papers` (after setting `submitted_by_id` / `listing`).
    """
    wanted = normalise_ids(ids)
    records: dict[str, PaperRecord] = {}
    missing: list[str] = []
    with ArxivApi(settings, interactive=interactive) as api:
        for page, absent in api.by_ids(wanted):
            records.update((r.arxiv_id, r) for r in page.records)
            missing.extend(absent)
    if missing:
        listed = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise NotFound(f"arXiv has no paper {listed}")
    return [records[i] for i in wanted]


PageCallback = Callable[[FeedPage, HarvestSummary], None]


def _save_page(
    store: Store, page: FeedPage, summary: HarvestSummary, feature: bool, settings: Settings
) -> None:
    if feature:
        for record in page.records:
            record.listing = feature_listing(record, settings.zone, source="arxiv")
    result = save_papers(store, page.records)
    summary.new += result.new
    summary.changed += result.changed
    summary.unchanged += result.unchanged
    summary.skipped += len(page.problems)
    summary.problems.extend(page.problems)
    summary.pages += 1
    summary.fetched += page.entries


def harvest_ids(
    store: Store,
    ids: Iterable[str],
    *,
    feature: bool = False,
    on_page: PageCallback | None = None,
    api: ArxivApi | None = None,
) -> HarvestSummary:
    """Fetch and save papers by id; ids arXiv does not know are reported and skipped."""
    wanted = normalise_ids(ids)
    summary = HarvestSummary()
    with api or ArxivApi(store.settings) as client:
        for page, missing in client.by_ids(wanted):
            page.problems.extend(f"{i}: arXiv has no such paper" for i in missing)
            _save_page(store, page, summary, feature, store.settings)
            if on_page:
                on_page(page, summary)
    return summary


def harvest_search(
    store: Store,
    query: str,
    *,
    max_results: int | None = None,
    page_size: int = PAGE_SIZE,
    feature: bool = False,
    on_page: PageCallback | None = None,
    api: ArxivApi | None = None,
) -> HarvestSummary:
    """Fetch and save the results of an arXiv search (newest first), page by page."""
    summary = HarvestSummary()
    with api or ArxivApi(store.settings) as client:
        for page in client.search(query, max_results=max_results, page_size=page_size):
            _save_page(store, page, summary, feature, store.settings)
            if on_page:
                on_page(page, summary)
    return summary

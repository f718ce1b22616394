"""The arXiv API client against the real recorded responses, served over loopback HTTP."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from email.utils import format_datetime

import pytest
from lxml import etree
from sqlalchemy import func, select
from typer.testing import CliRunner

from dailypapers import cli
from dailypapers.config import Settings, get_settings
from dailypapers.errors import BadArxivId, NotFound, RemoteSourceError
from dailypapers.ingest.arxiv_api import (
    NS,
    ArxivApi,
    fetch_papers,
    harvest_ids,
    harvest_search,
    parse_feed,
    search_query,
)
from dailypapers.ingest.remote import PoliteClient, RateLimiter, retry_after_seconds
from dailypapers.store.models import DailyListing, Paper, PaperVersion
from support.loopback_http import FakeClock, Reply, Request, scripted

cli._register()
ATOM = NS["a"]
OPENSEARCH = NS["os"]
ID_LIST_FILE = "arxiv_api_sample_2016_id_list_1111.2011v2.xml"


def error_feed(message: str) -> bytes:
    """arXiv's documented error answer: a feed whose one entry has an `/api/errors#` id."""
    slug = message.replace(" ", "_")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>ArXiv Query: search_query=&amp;id_list=0704.00001</title>
  <id>http://arxiv.org/api/4SfpPTeGXYJA3ppVGU2ah0e5Cpw</id>
  <updated>2026-04-12T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="{OPENSEARCH}">1</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="{OPENSEARCH}">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="{OPENSEARCH}">1</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/api/errors#{slug}</id>
    <title>Error</title>
    <summary>{message}</summary>
    <updated>2026-04-12T00:00:00-04:00</updated>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>""".encode()


def paged(xml: bytes):
    """Serve one recorded feed as pages by `start` / `max_results`, like arXiv does."""
    root = etree.fromstring(xml)
    entries = root.findall(f"{{{ATOM}}}entry")
    for entry in entries:
        root.remove(entry)

    def handler(request: Request) -> Reply:
        start = int(request.params.get("start", 0))
        size = int(request.params.get("max_results", 10))
        feed = copy.deepcopy(root)
        feed.find(f"{{{OPENSEARCH}}}totalResults").text = str(len(entries))
        feed.find(f"{{{OPENSEARCH}}}startIndex").text = str(start)
        feed.find(f"{{{OPENSEARCH}}}itemsPerPage").text = str(size)
        for entry in entries[start : start + size]:
            feed.append(copy.deepcopy(entry))
        return Reply(body=etree.tostring(feed, xml_declaration=True, encoding="UTF-8"))

    return handler


def polite(url: str, clock: FakeClock, *, retries: int = 3, timeout: float = 5.0) -> PoliteClient:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    return PoliteClient(
        url, name="the arXiv API", retries=retries, timeout=timeout, limiter=limiter
    )


def api_settings(tmp_path, url: str, **extra) -> Settings:
    return Settings(data_dir=tmp_path, arxiv_api_url=url, harvest_delay=0, **extra)


def run_cli(settings: Settings, *args: str, **env: str):
    base = {
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_HARVEST_DELAY": "0",
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli.app, list(args), env={**base, **env})
    finally:
        get_settings.cache_clear()


# --- parsing the recorded responses ---------------------------------------------------------


def test_parses_every_entry_of_the_recorded_search(sample_data):
    page = parse_feed((sample_data / "arxiv_api_sample.xml").read_bytes())
    assert (page.total, page.start, page.entries, page.problems) == (214881, 0, 100, [])
    assert len({r.arxiv_id for r in page.records}) == 100
    for record in page.records:
        assert record.title and "\n" not in record.title and "  " not in record.title
        assert record.abstract and "\n" not in record.abstract
        assert record.authors and record.categories
        assert record.version and record.version >= 1
        assert record.published_at <= record.updated_at
        assert record.versions[0].version == 1
        assert record.versions[0].submitted_at == record.published_at
        assert record.withdrawn is False
    first = page.records[0]
    assert first.arxiv_id == "2202.12139"
    assert first.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first.categories == ["cs.SE", "cs.LG"]
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.comments == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    assert first.published_at == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    # Old-style ids come back without their version, with the version kept apart.
    old = {r.arxiv_id: r for r in page.records if "/" in r.arxiv_id}
    assert old["hep-ph/0301050"].version == 2
    assert "cs/0503050" in old


def test_primary_category_comes_first_in_the_older_layout(sample_data):
    page = parse_feed((sample_data / "arxiv_api_sample_2016_au_del_maestro.xml").read_bytes())
    assert (page.total, page.entries, len(page.records)) == (31, 10, 10)
    record = page.records[0]
    assert record.arxiv_id == "1201.4869"
    assert record.categories == ["cond-mat.mes-hall", "cond-mat.other"]
    assert record.abstract.startswith("As helium-4 is cooled below 2.17 K it undergoes")
    assert record.journal_ref == "Int. J. Mod. Phys. B, 26, 1244002 (2012)"


def test_a_withdrawal_comment_marks_the_paper_withdrawn(sample_data):
    root = etree.fromstring((sample_data / ID_LIST_FILE).read_bytes())
    comment = root.find("a:entry/arxiv:comment", NS)
    comment.text = "This paper has been withdrawn by the author due to an error in eq. 3"
    [record] = parse_feed(etree.tostring(root)).records
    assert record.withdrawn is True
    assert record.withdrawn_at == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)


def test_search_query_combines_query_and_category():
    assert search_query(None, "cs.CL") == "cat:cs.CL"
    assert search_query("ti:llm OR abs:llm", "cs.CL") == "(ti:llm OR abs:llm) AND cat:cs.CL"
    with pytest.raises(ValueError):
        search_query(" ", None)


# --- by id list -----------------------------------------------------------------------------


def test_fetch_papers_asks_for_ids_without_versions(loopback, sample_data, tmp_path):
    server = loopback(scripted(Reply(body=(sample_data / ID_LIST_FILE).read_bytes())))
    settings = api_settings(tmp_path, server.url)
    [record] = fetch_papers(settings, ["https://arxiv.org/abs/1111.2011v2"])
    assert server.requests[0].params == {"id_list": "1111.2011", "max_results": "1"}
    assert server.requests[0].headers["User-Agent"].startswith("dailypapers/")
    assert record.arxiv_id == "1111.2011"
    assert record.version == 2
    assert [(v.version, v.submitted_at) for v in record.versions] == [
        (1, datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)),
        (2, datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)),
    ]
    assert record.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )


def test_an_id_arxiv_does_not_know_is_not_found(loopback, sample_data, tmp_path):
    root = etree.fromstring((sample_data / ID_LIST_FILE).read_bytes())
    root.remove(root.find("a:entry", NS))
    root.find("os:totalResults", NS).text = "0"
    server = loopback(scripted(Reply(body=etree.tostring(root))))
    with pytest.raises(NotFound, match="2401.99999"):
        fetch_papers(api_settings(tmp_path, server.url), ["2401.99999"])


def test_the_incorrect_id_format_error_entry_is_a_bad_id(loopback, tmp_path):
    server = loopback(scripted(Reply(400, error_feed("incorrect id format for 0704.00001"))))
    with pytest.raises(BadArxivId, match="incorrect id format for 0704.00001"):
        fetch_papers(api_settings(tmp_path, server.url), ["0704.00001"])


def test_other_error_entries_are_clear_errors(loopback, tmp_path):
    server = loopback(scripted(Reply(200, error_feed("max_results must be non-negative"))))
    with pytest.raises(RemoteSourceError, match="max_results must be non-negative"):
        fetch_papers(api_settings(tmp_path, server.url), ["1111.2011"])


def test_a_malformed_id_fails_before_any_call(loopback, tmp_path):
    server = loopback(scripted(Reply(500)))
    with pytest.raises(BadArxivId):
        fetch_papers(api_settings(tmp_path, server.url), ["1111.2011", "not-an-id"])
    assert server.requests == []


def test_ids_are_asked_for_in_chunks_of_one_hundred(loopback, sample_data, tmp_path):
    server = loopback(paged((sample_data / "arxiv_api_sample.xml").read_bytes()))
    settings = api_settings(tmp_path, server.url)
    ids = [f"2401.{n:05d}" for n in range(250)]
    with ArxivApi(settings) as api:
        chunks = [params for params, _ in api.by_ids(ids)]
    assert [len(r.params["id_list"].split(",")) for r in server.requests] == [100, 100, 50]
    assert len(chunks) == 3


# --- paging, politeness, retries ------------------------------------------------------------


def test_search_pages_until_total_results_with_three_seconds_between_calls(
    loopback, sample_data, store
):
    server = loopback(paged((sample_data / "arxiv_api_sample.xml").read_bytes()))
    clock = FakeClock()
    api = ArxivApi(store.settings, http=polite(server.url, clock))
    summary = harvest_search(store, "cat:cs.SE", page_size=40, api=api)
    assert [(r.params["start"], r.params["max_results"]) for r in server.requests] == [
        ("0", "40"),
        ("40", "40"),
        ("80", "40"),
    ]
    assert {r.params["sortBy"] for r in server.requests} == {"submittedDate"}
    assert {r.params["search_query"] for r in server.requests} == {"cat:cs.SE"}
    assert clock.sleeps == [3.0, 3.0]  # the first call goes at once, then 3 s apart
    assert (summary.new, summary.pages, summary.fetched, summary.skipped) == (100, 3, 100, 0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 100
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == "2202.12139")).one()
        assert paper.primary_category == "cs.SE"
        assert paper.source == "arxiv-api"
        assert paper.abs_url == "https://arxiv.org/abs/2202.12139"


def test_search_stops_at_max_results(loopback, sample_data, store):
    server = loopback(paged((sample_data / "arxiv_api_sample.xml").read_bytes()))
    api = ArxivApi(store.settings, http=polite(server.url, FakeClock()))
    summary = harvest_search(store, "all:testing", max_results=50, page_size=40, api=api)
    assert [r.params["max_results"] for r in server.requests] == ["40", "10"]
    assert summary.new == 50


def test_an_empty_page_mid_listing_is_asked_for_again(loopback, sample_data, tmp_path):
    pages = paged((sample_data / "arxiv_api_sample.xml").read_bytes())
    hiccups = {"40": 1}  # arXiv sometimes answers a page with no entries; asking again works

    def flaky(request: Request) -> Reply:
        start = request.params.get("start", "0")
        if hiccups.get(start):
            hiccups[start] -= 1
            return pages(Request(request.path, {**request.params, "start": "1000"}, {}))
        return pages(request)

    server = loopback(flaky)
    clock = FakeClock()
    api = ArxivApi(api_settings(tmp_path, server.url), http=polite(server.url, clock))
    fetched = [len(page.records) for page in api.search("all:testing", page_size=40)]
    assert fetched == [40, 40, 20]
    assert [r.params["start"] for r in server.requests] == ["0", "40", "40", "80"]
    assert clock.sleeps == [3.0, 3.0, 3.0]


def test_an_answer_that_is_not_xml_is_a_clear_error(loopback, tmp_path):
    server = loopback(scripted(Reply(200, b"<html><body>Maintenance", content_type="text/html")))
    with pytest.raises(RemoteSourceError, match="malformed XML"):
        fetch_papers(api_settings(tmp_path, server.url), ["1111.2011"])


def test_a_503_with_retry_after_then_a_500_then_success(loopback, sample_data, tmp_path):
    body = (sample_data / ID_LIST_FILE).read_bytes()
    server = loopback(
        scripted(Reply(503, headers={"Retry-After": "7"}), Reply(500), Reply(200, body))
    )
    clock = FakeClock()
    api = ArxivApi(api_settings(tmp_path, server.url), http=polite(server.url, clock))
    page = api.query({"id_list": "1111.2011"})
    assert [r.arxiv_id for r in page.records] == ["1111.2011"]
    assert len(server.requests) == 3
    # Retry-After is obeyed; without it the backoff doubles (3 s, 6 s, …).
    assert clock.sleeps == [7.0, 6.0]


def test_after_the_last_retry_the_error_is_clear(loopback, tmp_path):
    server = loopback(scripted(Reply(503)))
    clock = FakeClock()
    api = ArxivApi(api_settings(tmp_path, server.url), http=polite(server.url, clock))
    with pytest.raises(RemoteSourceError, match=r"failed after 3 attempts: HTTP 503"):
        api.query({"id_list": "1111.2011"})
    assert len(server.requests) == 3
    assert clock.sleeps == [3.0, 6.0]


def test_a_timeout_is_retried(loopback, sample_data, tmp_path):
    body = (sample_data / ID_LIST_FILE).read_bytes()
    holder = {}
    server = loopback(scripted(lambda request: holder["server"].hang(), Reply(200, body)))
    holder["server"] = server
    clock = FakeClock()
    client = polite(server.url, clock, retries=2, timeout=0.3)
    page = ArxivApi(api_settings(tmp_path, server.url), http=client).query({"id_list": "x"})
    assert len(page.records) == 1
    assert len(server.requests) == 2


def test_timeouts_to_the_end_are_a_clear_error(loopback, tmp_path):
    holder = {}
    server = loopback(lambda request: holder["server"].hang())
    holder["server"] = server
    client = polite(server.url, FakeClock(), retries=2, timeout=0.2)
    with pytest.raises(RemoteSourceError, match="failed after 2 attempts: timed out"):
        ArxivApi(api_settings(tmp_path, server.url), http=client).query({"id_list": "x"})


def test_the_rate_limiter_waits_only_what_is_left():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 1.0
    limiter.wait()
    clock.now += 5.0
    limiter.wait()
    assert clock.sleeps == [2.0]


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 4, 12, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 4, 12, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(later, now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


# --- into the store -------------------------------------------------------------------------


def test_harvested_ids_land_once_with_versions_and_listing(loopback, sample_data, store):
    body = (sample_data / ID_LIST_FILE).read_bytes()
    server = loopback(scripted(Reply(body=body)))
    api = ArxivApi(store.settings, http=polite(server.url, FakeClock()))
    first = harvest_ids(store, ["1111.2011v2"], feature=True, api=api)
    api = ArxivApi(store.settings, http=polite(server.url, FakeClock()))
    again = harvest_ids(store, ["1111.2011"], feature=True, api=api)
    assert (first.new, again.new, again.changed, again.unchanged) == (1, 0, 0, 1)
    with store.session() as session:
        paper = session.scalars(select(Paper)).one()
        assert paper.version == 2 and paper.doi == "10.1103/PhysRevB.85.115117"
        versions = session.scalars(select(PaperVersion.version).order_by("version")).all()
        assert versions == [1, 2]
        listing = session.scalars(select(DailyListing)).one()
        assert (listing.date, listing.source) == (date(2011, 11, 8), "arxiv")


def test_missing_ids_are_skipped_and_reported(loopback, sample_data, store):
    server = loopback(scripted(Reply(body=(sample_data / ID_LIST_FILE).read_bytes())))
    api = ArxivApi(store.settings, http=polite(server.url, FakeClock()))
    summary = harvest_ids(store, ["1111.2011", "2401.99999"], api=api)
    assert (summary.new, summary.skipped) == (1, 1)
    assert summary.problems == ["2401.99999: arXiv has no such paper"]


# --- the command line -----------------------------------------------------------------------


def test_cli_harvests_ids(loopback, sample_data, settings):
    server = loopback(scripted(Reply(body=(sample_data / ID_LIST_FILE).read_bytes())))
    ran = run_cli(
        settings, "harvest", "arxiv", "--ids", "1111.2011v2", DAILYPAPERS_ARXIV_API_URL=server.url
    )
    assert ran.exit_code == 0, ran.output
    assert "1 new, 0 changed, 0 unchanged, 0 skipped" in ran.stdout
    quiet = run_cli(
        settings, "harvest", "arxiv", "arxiv:1111.2011", "-q",
        DAILYPAPERS_ARXIV_API_URL=server.url,
    )  # fmt: skip
    assert (quiet.exit_code, quiet.stdout) == (0, "")


def test_cli_search_by_category(loopback, sample_data, settings):
    server = loopback(paged((sample_data / "arxiv_api_sample.xml").read_bytes()))
    ran = run_cli(
        settings, "harvest", "arxiv", "--category", "cs.SE", "--max", "30",
        DAILYPAPERS_ARXIV_API_URL=server.url,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert server.requests[0].params["search_query"] == "cat:cs.SE"
    assert "30 new" in ran.stdout


def test_cli_unknown_id_exits_non_zero(loopback, sample_data, settings):
    server = loopback(scripted(Reply(body=(sample_data / ID_LIST_FILE).read_bytes())))
    ran = run_cli(
        settings, "harvest", "arxiv", "--ids", "1111.2011,2401.99999",
        DAILYPAPERS_ARXIV_API_URL=server.url,
    )  # fmt: skip
    assert ran.exit_code == 1
    assert "2401.99999: arXiv has no such paper" in ran.stderr
    assert "1 new" in ran.stdout and "1 skipped" in ran.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ids", "nonsense"], "not an arXiv id"),
        (["--ids", "1111.2011", "--category", "cs.CL"], "not both"),
        ([], "give --ids, --query or --category"),
    ],
)
def test_cli_bad_arguments_are_one_line(tmp_path, args, message):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    ran = run_cli(settings, "harvest", "arxiv", *args)
    assert ran.exit_code == 1
    assert message in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_cli_network_failure_is_one_line(settings):
    ran = run_cli(
        settings, "harvest", "arxiv", "--ids", "1111.2011",
        DAILYPAPERS_ARXIV_API_URL="http://127.0.0.1:9/api/query",
        DAILYPAPERS_HARVEST_RETRIES="1",
    )  # fmt: skip
    assert ran.exit_code == 1
    assert "Traceback" not in ran.output
    assert "the arXiv API at http://127.0.0.1:9/api/query failed after 1 attempt" in ran.stderr

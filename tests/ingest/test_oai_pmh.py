"""The OAI-PMH harvester against the real recorded ListRecords responses, over loopback HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from dailypapers import cli
from dailypapers.config import Settings, get_settings
from dailypapers.errors import OaiPmhError, RemoteSourceError
from dailypapers.ingest.oai_pmh import OaiHarvester, load_state, parse_list_records, state_key
from dailypapers.ingest.remote import PoliteClient, RateLimiter
from dailypapers.store.models import DailyListing, Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers
from support.loopback_http import FakeClock, Reply, Request, scripted

cli._register()
HEP_TH = "arxiv_oai_listrecords_hep-th.xml"
HEP_EX = "arxiv_oai_listrecords_hep-ex.xml"
ALL_SIX = {"1412.8323", "1507.07790", "1607.01710", "1706.05371", "1706.09418", "1707.00874"}


def with_token(xml: bytes, token: str, cursor: int, size: int) -> bytes:
    """A recorded page with the resumptionToken a multi-page answer carries."""
    element = (
        f'<resumptionToken cursor="{cursor}" completeListSize="{size}">{token}</resumptionToken>'
    )
    return xml.replace(b"</ListRecords>", element.encode() + b"</ListRecords>")


def oai_answer(inner: str, response_date: str = "2017-12-15T10:00:00Z") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>{response_date}</responseDate>
<request verb="ListRecords" metadataPrefix="arXiv">http://export.arxiv.org/oai2</request>
{inner}
</OAI-PMH>""".encode()


def deleted(*ids: str) -> bytes:
    records = "".join(
        f'<record><header status="deleted"><identifier>oai:arXiv.org:{i}</identifier>'
        f"<datestamp>2017-12-15</datestamp><setSpec>physics:hep-th</setSpec></header></record>"
        for i in ids
    )
    return oai_answer(f"<ListRecords>{records}</ListRecords>")


class TwoPages:
    """hep-th as page one (with a resumption token), hep-ex as page two on the token request."""

    def __init__(self, sample_data, *, second: list[Reply] | None = None) -> None:
        self.first = with_token((sample_data / HEP_TH).read_bytes(), "tok-1", 0, 6)
        self.second = with_token((sample_data / HEP_EX).read_bytes(), "", 3, 6)
        self.failures = list(second or [])

    def __call__(self, request: Request) -> Reply:
        if "resumptionToken" in request.params:
            assert request.params == {"verb": "ListRecords", "resumptionToken": "tok-1"}
            if self.failures:
                return self.failures.pop(0)
            return Reply(body=self.second)
        return Reply(body=self.first)


def harvester(store, url: str, clock: FakeClock | None = None, retries: int = 3) -> OaiHarvester:
    clock = clock or FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    client = PoliteClient(url, name="the OAI-PMH endpoint", retries=retries, limiter=limiter)
    return OaiHarvester(store, http=client)


def arxiv_ids(store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Paper.arxiv_id)))


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


# --- parsing --------------------------------------------------------------------------------


def test_parses_the_recorded_list_records(sample_data):
    page = parse_list_records((sample_data / HEP_TH).read_bytes())
    assert page.response_date == datetime(2017, 12, 14, 12, 56, 31, tzinfo=UTC)
    assert (page.count, page.token, page.problems, page.deleted) == (3, None, [], [])
    records = {r.arxiv_id: r for r in page.records}
    castro = records["1507.07790"]
    assert castro.authors == ["Luis B. Castro", "Edilberto O. Silva"]
    assert castro.title == (
        "Relativistic quantum dynamics of vector bosons in an Aharonov-Bohm potential"
    )
    assert castro.categories == ["hep-th", "math-ph", "math.MP", "quant-ph"]
    assert castro.journal_ref == "J. Phys. A: Math. Theor. 51 (2018) 035201"
    assert castro.doi == "10.1088/1751-8121/aa9c53"
    assert castro.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert castro.comments == "7 pages"
    assert castro.abstract.startswith("The Aharonov-Bohm (AB) problem for vector bosons")
    assert "\n" not in castro.abstract
    # OAI gives dates only: stored as UTC midnight.
    assert castro.published_at == datetime(2015, 7, 28, tzinfo=UTC)
    assert castro.updated_at == datetime(2016, 3, 4, tzinfo=UTC)
    assert records["1607.01710"].authors[3] == "A. de Souza Dutra"
    assert records["1412.8323"].categories[0] == "quant-ph"


def test_suffixes_old_style_ids_and_withdrawals():
    record = """<record><header><identifier>oai:arXiv.org:hep-th/9901001</identifier>
    <datestamp>2017-12-14</datestamp></header><metadata>
    <arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>hep-th/9901001</id><created>1999-01-04</created>
    <authors><author><keyname>Smith</keyname><forenames>John A.</forenames><suffix>Jr</suffix>
    <affiliation>MIT</affiliation></author><author><keyname>Collaboration</keyname></author>
    </authors><title>A  title</title><categories>hep-th</categories>
    <comments>This paper has been withdrawn by the author</comments>
    <abstract>  Withdrawn.
    </abstract></arXiv></metadata></record>"""
    [paper] = parse_list_records(oai_answer(f"<ListRecords>{record}</ListRecords>")).records
    assert paper.arxiv_id == "hep-th/9901001"
    assert paper.authors == ["John A. Smith Jr", "Collaboration"]
    assert paper.title == "A title"
    assert (paper.version, paper.withdrawn) == (1, True)  # no <updated>: only v1 exists
    assert paper.withdrawn_at == datetime(1999, 1, 4, tzinfo=UTC)


def test_no_records_match_is_an_empty_page():
    body = oai_answer('<error code="noRecordsMatch">No records match</error>')
    page = parse_list_records(body)
    assert (page.records, page.token, page.count) == ([], None, 0)


def test_other_oai_errors_are_clear_errors():
    body = oai_answer('<error code="badArgument">Illegal argument "frm"</error>')
    with pytest.raises(OaiPmhError, match="badArgument") as caught:
        parse_list_records(body)
    assert caught.value.code == "badArgument"


def test_a_record_without_metadata_is_skipped_and_named(sample_data):
    xml = (sample_data / HEP_TH).read_bytes()
    start = xml.index(b"<metadata>")
    end = xml.index(b"</metadata>") + len(b"</metadata>")
    page = parse_list_records(xml[:start] + xml[end:])
    assert len(page.records) == 2
    assert page.problems == ["skipped record oai:arXiv.org:1412.8323: no arXiv metadata"]


# --- harvesting into the store --------------------------------------------------------------


def test_follows_the_resumption_token_and_remembers_where_to_start(loopback, sample_data, store):
    server = loopback(TwoPages(sample_data), path="/oai")
    clock = FakeClock()
    summary = harvester(store, server.url, clock).harvest(
        set_spec="physics", from_date=date(2017, 12, 14)
    )
    assert server.requests[0].params == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "from": "2017-12-14",
        "set": "physics",
    }
    assert len(server.requests) == 2
    assert clock.sleeps == [3.0]
    assert (summary.new, summary.changed, summary.pages, summary.fetched) == (6, 0, 2, 6)
    assert arxiv_ids(store) == sorted(ALL_SIX)
    state = load_state(store, state_key("physics"))
    assert state["next_from"] == "2017-12-14"  # the first response's date
    assert "token" not in state

    # The next (daily) run asks from there, and changes nothing.
    server.requests.clear()
    again = harvester(store, server.url).harvest(set_spec="physics")
    assert server.requests[0].params["from"] == "2017-12-14"
    assert (again.new, again.changed, again.unchanged) == (0, 0, 6)


def test_first_from_applies_only_until_a_harvest_completed(loopback, sample_data, store):
    server = loopback(scripted(Reply(body=(sample_data / HEP_TH).read_bytes())), path="/oai")
    harvester(store, server.url).harvest(set_spec="physics", first_from=date(2017, 12, 1))
    harvester(store, server.url).harvest(set_spec="physics", first_from=date(2017, 12, 1))
    assert [r.params["from"] for r in server.requests] == ["2017-12-01", "2017-12-14"]


def test_after_a_crash_it_resumes_from_the_saved_token(loopback, sample_data, store):
    flaky = TwoPages(sample_data, second=[Reply(500), Reply(502)])
    server = loopback(flaky, path="/oai")
    with pytest.raises(RemoteSourceError, match="failed after 2 attempts: HTTP 502"):
        harvester(store, server.url, retries=2).harvest(
            set_spec="physics", from_date=date(2017, 12, 14)
        )
    assert len(arxiv_ids(store)) == 3  # the first page was kept
    state = load_state(store, state_key("physics"))
    assert state["token"] == "tok-1" and state["cursor"] == 3
    assert state["window"] == {"from": "2017-12-14", "until": None, "set": "physics"}

    server.requests.clear()
    summary = harvester(store, server.url).harvest(set_spec="physics")
    assert [r.params for r in server.requests] == [
        {"verb": "ListRecords", "resumptionToken": "tok-1"}
    ]
    assert (summary.new, summary.unchanged) == (3, 0)
    assert any("resuming" in note for note in summary.notes)
    assert arxiv_ids(store) == sorted(ALL_SIX)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 6
    assert load_state(store, state_key("physics"))["next_from"] == "2017-12-14"


def test_a_kill_after_a_saved_page_resumes_there(loopback, sample_data, store):
    server = loopback(TwoPages(sample_data), path="/oai")

    class Killed(Exception):
        pass

    def die_after_first_page(page, summary):
        if page.token:
            raise Killed

    with pytest.raises(Killed):
        harvester(store, server.url).harvest(
            set_spec="physics", from_date=date(2017, 12, 14), on_page=die_after_first_page
        )
    summary = harvester(store, server.url).harvest(set_spec="physics")
    assert server.requests[-1].params == {"verb": "ListRecords", "resumptionToken": "tok-1"}
    assert summary.new == 3
    assert arxiv_ids(store) == sorted(ALL_SIX)


def test_an_expired_token_restarts_the_window(loopback, sample_data, store):
    expired = Reply(body=oai_answer('<error code="badResumptionToken">expired</error>'))
    server = loopback(TwoPages(sample_data, second=[Reply(500), expired]), path="/oai")
    with pytest.raises(RemoteSourceError):
        harvester(store, server.url, retries=1).harvest(
            set_spec="physics", from_date=date(2017, 12, 14)
        )
    summary = harvester(store, server.url).harvest(set_spec="physics")
    assert [sorted(r.params) for r in server.requests[-3:]] == [
        ["resumptionToken", "verb"],
        ["from", "metadataPrefix", "set", "verb"],
        ["resumptionToken", "verb"],
    ]
    assert any("expired" in note for note in summary.notes)
    assert arxiv_ids(store) == sorted(ALL_SIX)


def test_no_records_match_completes_an_empty_harvest(loopback, store):
    body = oai_answer('<error code="noRecordsMatch">No records</error>', "2026-04-12T06:00:00Z")
    server = loopback(scripted(Reply(body=body)), path="/oai")
    summary = harvester(store, server.url).harvest(set_spec="cs", from_date=date(2026, 4, 11))
    assert (summary.new, summary.pages, summary.fetched) == (0, 1, 0)
    assert load_state(store, state_key("cs"))["next_from"] == "2026-04-12"


def test_an_oai_error_sent_with_a_4xx_status_keeps_its_code(loopback, store):
    body = oai_answer('<error code="badArgument">Illegal set "nope"</error>')
    server = loopback(scripted(Reply(400, body)), path="/oai")
    with pytest.raises(OaiPmhError, match='Illegal set "nope"'):
        harvester(store, server.url).harvest(set_spec="nope")
    assert load_state(store, state_key("nope")) == {}


def test_a_503_with_retry_after_is_waited_out(loopback, sample_data, store):
    body = (sample_data / HEP_TH).read_bytes()
    server = loopback(
        scripted(Reply(503, headers={"Retry-After": "10"}), Reply(body=body)), path="/oai"
    )
    clock = FakeClock()
    summary = harvester(store, server.url, clock).harvest(set_spec="physics:hep-th")
    assert clock.sleeps == [10.0]
    assert summary.new == 3


def test_deleted_records_mark_stored_papers_withdrawn(loopback, sample_data, store):
    first = Reply(body=(sample_data / HEP_TH).read_bytes())
    server = loopback(scripted(first, Reply(body=deleted("1412.8323", "2301.00001"))), path="/oai")
    harvester(store, server.url).harvest(set_spec="physics:hep-th")
    summary = harvester(store, server.url).harvest(set_spec="physics:hep-th")
    assert (summary.deleted, summary.new) == (1, 0)
    assert any("not stored here" in note for note in summary.notes)
    with store.session() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == "1412.8323")).one()
        assert paper.withdrawn and paper.withdrawn_at == datetime(2017, 12, 15, tzinfo=UTC)
        assert paper.title.startswith("Toolbox for reconstructing quantum theory")
    assert "2301.00001" not in arxiv_ids(store)


def test_a_precise_time_already_stored_is_kept(loopback, sample_data, store):
    precise = datetime(2014, 12, 29, 18, 2, 11, tzinfo=UTC)
    save_papers(store, [PaperRecord(arxiv_id="1412.8323", title="t", published_at=precise)])
    server = loopback(scripted(Reply(body=(sample_data / HEP_TH).read_bytes())), path="/oai")
    harvester(store, server.url).harvest(set_spec="physics:hep-th")
    again = harvester(store, server.url).harvest(set_spec="physics:hep-th")
    assert again.unchanged == 3  # no ping-pong between the precise time and the date
    with store.session() as session:
        paper = session.scalars(select(Paper).where(Paper.arxiv_id == "1412.8323")).one()
        assert paper.published_at == precise
        assert paper.title.startswith("Toolbox for reconstructing")


def test_feature_lists_new_submissions_on_their_created_date(loopback, sample_data, store):
    server = loopback(scripted(Reply(body=(sample_data / HEP_EX).read_bytes())), path="/oai")
    harvester(store, server.url).harvest(
        set_spec="physics:hep-ex", from_date=date(2017, 6, 20), feature=True
    )
    with store.session() as session:
        listed = session.execute(
            select(Paper.arxiv_id, DailyListing.date, DailyListing.source).join(
                DailyListing, DailyListing.paper_id == Paper.id
            )
        ).all()
    # 1706.05371 was created 2017-06-16, before the window: updated, not featured.
    assert sorted(listed) == [
        ("1706.09418", date(2017, 6, 28), "arxiv"),
        ("1707.00874", date(2017, 7, 4), "arxiv"),
    ]


# --- the command line -----------------------------------------------------------------------


def test_cli_harvests_and_resumes(loopback, sample_data, settings):
    server = loopback(TwoPages(sample_data, second=[Reply(500)]), path="/oai")
    env = {"DAILYPAPERS_OAI_PMH_URL": server.url, "DAILYPAPERS_HARVEST_RETRIES": "1"}
    failed = run_cli(settings, "harvest", "oai", "--set", "physics", "--from", "2017-12-14", **env)
    assert failed.exit_code == 1
    assert "failed after 1 attempt: HTTP 500" in failed.stderr
    assert "Traceback" not in failed.output
    ran = run_cli(settings, "harvest", "oai", "--set", "physics", **env)
    assert ran.exit_code == 0, ran.output
    assert "3 new, 0 changed, 0 unchanged, 0 skipped" in ran.stdout
    assert "resuming the interrupted harvest at record 3" in ran.stderr
    stats = run_cli(settings, "stats", "--json")
    assert '"papers": 6' in stats.stdout


def test_cli_quiet_prints_nothing(loopback, sample_data, settings):
    server = loopback(scripted(Reply(body=(sample_data / HEP_TH).read_bytes())), path="/oai")
    ran = run_cli(settings, "harvest", "oai", "-q", DAILYPAPERS_OAI_PMH_URL=server.url)
    assert (ran.exit_code, ran.stdout, ran.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "14/12/2017"], "--from: not a date (YYYY-MM-DD)"),
        (["--from", "2017-12-14", "--until", "2017-12-01"], "is after --until"),
    ],
)
def test_cli_bad_dates_are_one_line(tmp_path, args, message):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    ran = run_cli(settings, "harvest", "oai", *args)
    assert ran.exit_code == 1
    assert message in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1

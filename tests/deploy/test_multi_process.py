"""A deployment in miniature: one PostgreSQL, three `dailypapers serve` processes on three ports
and two `dailypapers worker` processes, driven at once.

A worker is SIGKILLed in the middle of the harvest and in the middle of the digests; the other
worker finishes both. Afterwards: no lost or doubled vote, every digest exactly once, the log-in
rate limit counted across processes, and every process shows the same counts at once (no
per-process cache lag). PostgreSQL only: SQLite mode serves from one process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from dailypapers.config import Settings
from dailypapers.digest import subscriptions as subs
from dailypapers.jobs import queue
from dailypapers.store.db import Store
from dailypapers.store.models import JobRun, Paper, Upvote
from support.cli import subprocess_env
from support.digest_data import MON, TUE, seed_papers
from support.loopback_http import LoopbackServer, Reply, Request
from support.smtp_sink import SmtpSink, free_port, sink_url, start_sink
from support.web import TOKEN, make_user

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

HEP_TH = "arxiv_oai_listrecords_hep-th.xml"
HEP_EX = "arxiv_oai_listrecords_hep-ex.xml"
HARVESTED = {"1412.8323", "1507.07790", "1607.01710", "1706.05371", "1706.09418", "1707.00874"}
USERS = [f"voter{i}" for i in range(6)]
READERS = [f"reader{i}@example.org" for i in range(5)]
AUTH_LIMIT = 20
DEADLINE = 45.0


def wait_until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> object:
    """Poll `condition` until it is true (no fixed sleeps: a deadline only)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Harvest:
    """OAI-PMH answers: hep-th with a resumption token, then hep-ex on the token request.

    The first token request is held until `release`, so a worker can be killed mid-harvest.
    """

    def __init__(self, data: Path) -> None:
        element = '<resumptionToken cursor="0" completeListSize="6">tok-1</resumptionToken>'
        first = (data / HEP_TH).read_bytes()
        self.first = first.replace(b"</ListRecords>", element.encode() + b"</ListRecords>")
        self.second = (data / HEP_EX).read_bytes()
        self.asked_token = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.token_requests = 0

    def __call__(self, request: Request) -> Reply:
        if "resumptionToken" not in request.params:
            return Reply(body=self.first)
        with self.lock:
            self.token_requests += 1
            first_ask = self.token_requests == 1
        if first_ask:
            self.asked_token.set()
            self.release.wait(DEADLINE)
            return Reply(503)  # its worker is dead by now; nobody reads this
        return Reply(body=self.second)


class Site:
    """The started processes; stops them all, whatever the test did."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.servers: list[str] = []
        self.workers: dict[str, subprocess.Popen] = {}
        self.procs: list[subprocess.Popen] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            [sys.executable, "-m", "dailypapers", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def serve(self) -> str:
        port = free_port()
        self._start(f"serve-{port}", "serve", "--port", str(port), "--no-access-log")
        url = f"http://127.0.0.1:{port}"
        self.servers.append(url)
        return url

    def worker(self, name: str) -> None:
        self.workers[name] = self._start(name, "worker", "--name", name)

    def kill(self, name: str) -> None:
        proc = self.workers.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def log_of(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]


def answering(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/daily_papers", params={"date": MON.isoformat()}).is_success
    except httpx.TransportError:
        return False


def job(store: Store, name: str) -> JobRun | None:
    with store.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == name))
        session.expunge_all()
        return run


def upvotes_on(url: str) -> dict[str, int]:
    answer = httpx.get(f"{url}/api/daily_papers", params={"date": MON.isoformat()})
    answer.raise_for_status()
    return {item["paper"]["id"]: item["paper"]["upvotes"] for item in answer.json()}


def log_in(client: httpx.Client, url: str, username: str) -> str:
    token = TOKEN.search(client.get(f"{url}/login").text).group(1)
    answer = client.post(
        f"{url}/login",
        data={"username": username, "password": "correct horse", "csrf_token": token},
    )
    assert answer.status_code == 303, answer.text
    return TOKEN.search(client.get(f"{url}/submit").text).group(1)


@pytest.fixture
def site(settings: Settings, tmp_path: Path) -> Iterator[tuple[Site, SmtpSink, Harvest]]:
    sink = SmtpSink()
    harvest = Harvest(Path(__file__).resolve().parents[1] / "data")
    with ExitStack() as stack:
        controller = start_sink(sink)
        stack.callback(controller.stop)
        stub = LoopbackServer(harvest, path="/oai")
        stack.callback(stub.stop)
        stack.callback(harvest.release.set)
        env = subprocess_env(
            settings,
            SMTP_URL=sink_url(controller),
            DAILYPAPERS_OAI_PMH_URL=stub.url,
            DAILYPAPERS_HARVEST_SET="physics:hep-th",
            DAILYPAPERS_HARVEST_DELAY="0",
            DAILYPAPERS_HARVEST_RETRIES="1",
            DAILYPAPERS_RATE_LIMIT_AUTH=str(AUTH_LIMIT),
            DAILYPAPERS_WORKER_LEASE_SECONDS="1.5",
            DAILYPAPERS_WORKER_POLL_SECONDS="0.1",
            DAILYPAPERS_WORKER_INDEX_MINUTES="0",
            DAILYPAPERS_WORKER_SCHEDULE="false",
        )
        logs = tmp_path / "logs"
        logs.mkdir()
        running = Site(env, logs)
        stack.callback(running.stop)
        yield running, sink, harvest


def test_three_servers_and_two_workers_behave_as_one_site(site, store: Store) -> None:
    running, sink, harvest = site
    seed_papers(store)
    for name in USERS:
        make_user(store, name)
    with store.session() as session:
        subs.add_subscribers(session, READERS, confirmed=True)
    servers = [running.serve() for _ in range(3)]
    running.worker("w1")
    running.worker("w2")
    wait_until(lambda: all(answering(url) for url in servers), "three servers answering")
    before = upvotes_on(servers[0])
    for url in servers:  # every process caches the anonymous listing now
        assert upvotes_on(url) == before

    # The harvest: its worker dies after the first page; the other resumes from the token.
    assert queue.announce(store, "harvest", "2026-12-01")
    wait_until(harvest.asked_token.is_set, "the harvest's second page asked for")
    first_owner = job(store, "harvest").owner
    running.kill(first_owner)
    harvest.release.set()
    running.worker("w3")  # the operator's restart; the survivor may well get there first
    done = wait_until(lambda: (r := job(store, "harvest")) and r.state == "done" and r, "harvest")
    assert done.owner != first_owner and done.attempts == 2
    with store.session() as session:
        ids = set(session.scalars(select(Paper.arxiv_id).where(Paper.arxiv_id.in_(HARVESTED))))
    assert ids == HARVESTED
    assert harvest.token_requests == 2  # resumed at the token, not started over

    # Votes through different processes while the digests go out and a worker is killed.
    sink.hold_at = 2
    assert queue.announce(store, "digest-daily", TUE.isoformat())
    clients = {name: httpx.Client(timeout=30) for name in USERS}
    tokens = {name: log_in(clients[name], servers[i % 3], name) for i, name in enumerate(USERS)}
    papers = sorted(before)[:3]

    def vote(i: int, name: str, j: int, arxiv_id: str) -> int:
        # The same "upvote" sent twice, through two processes (a double click, a retry).
        codes = []
        for k in (0, 1):
            url = servers[(i + j + k) % 3]
            answer = clients[name].post(
                f"{url}/papers/{arxiv_id}/upvote",
                data={"upvoted": "1", "csrf_token": tokens[name]},
                headers={"Accept": "application/json"},
            )
            codes.append(answer.status_code)
        return max(codes)

    with ThreadPoolExecutor(8) as pool:
        voting = [
            pool.submit(vote, i, name, j, arxiv_id)
            for i, name in enumerate(USERS)
            for j, arxiv_id in enumerate(papers)
        ]
        assert sink.wait_held(1, DEADLINE), "the digests never reached the mail server"
        digest_owner = job(store, "digest-daily").owner
        running.kill(digest_owner)  # mid-run: one digest sent, one unacknowledged
        sink.hold_at = None
        sink.release.set()
        assert [f.result() for f in voting] == [200] * len(voting)

    # Every process shows every vote at once: no lost, no doubled, no stale cached copy.
    expected = {a: before[a] + (len(USERS) if a in papers else 0) for a in before}
    for url in servers:
        assert upvotes_on(url) == expected
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Upvote)) == 3 * len(USERS)
    # Each process holds a fresh cached copy; one vote through the first shows at once on all.
    for url in servers:
        assert upvotes_on(url) == expected
    extra = sorted(before)[3]
    answer = clients[USERS[0]].post(
        f"{servers[0]}/papers/{extra}/upvote",
        data={"upvoted": "1", "csrf_token": tokens[USERS[0]]},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    expected[extra] += 1
    for url in servers:
        assert upvotes_on(url) == expected

    digest = wait_until(
        lambda: (r := job(store, "digest-daily")) and r.state == "done" and r, "the digests"
    )
    assert digest.owner != digest_owner
    assert sorted(m["To"] for m in sink.messages) == sorted(READERS)  # each exactly once

    # The log-in limit is one count for the site, not one per process.
    guesser = httpx.Client(timeout=30)
    token = TOKEN.search(guesser.get(f"{servers[0]}/login").text).group(1)

    def guess(n: int) -> int:
        return guesser.post(
            f"{servers[n % 3]}/login",
            data={"username": "nobody", "password": "guess", "csrf_token": token},
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(guess, range(3 * AUTH_LIMIT)))
    # Counted per process, three processes would let all 3 x limit through; counted once,
    # at most the limit per window (twice it if a window boundary falls inside the burst),
    # less the log-ins above.
    refused = codes.count(429)
    assert refused >= 3 * AUTH_LIMIT - (2 * AUTH_LIMIT - len(USERS)), codes
    assert set(codes) <= {400, 429}, codes  # a wrong password, or refused before checking

"""`dailypapers import` and `init` as a user runs them: bad input, interruption, demo data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from dailypapers.store.models import DailyListing, Paper, PaperVersion
from support.cli import run_cli, stats, subprocess_env, write_lines

HF_PAPERS = 700  # tests/data/hf_daily_papers.jsonl


def test_malformed_line_is_named_and_the_good_ones_land(settings, sample_data, tmp_path):
    lines = (sample_data / "arxiv_metadata_sample.jsonl").read_text().splitlines()[:10]
    lines[4] = lines[4][:120]  # a line cut short, as a truncated download leaves it
    lines[7] = '{"id": "not an id", "title": "x"}'
    path = write_lines(tmp_path / "snapshot-part.jsonl", lines)
    ran = run_cli(settings, "import", "--format", "snapshot", str(path))
    assert ran.exit_code == 1
    assert f"{path}:5: invalid JSON" in ran.stderr
    assert f"{path}:8: not an arXiv id" in ran.stderr
    assert "8 new, 0 changed, 0 unchanged, 2 skipped" in ran.stdout
    assert stats(settings)["papers"] == 8
    assert "Traceback" not in ran.stderr + ran.stdout


def test_missing_file_is_one_clear_line(settings, tmp_path):
    ran = run_cli(settings, "import", str(tmp_path / "nope.jsonl"))
    assert ran.exit_code == 1
    assert ran.stderr.strip() == f"error: no such file: {tmp_path / 'nope.jsonl'}"


def test_unknown_format_is_one_clear_line_and_nothing_is_imported(settings, sample_data, tmp_path):
    good = sample_data / "arxiv_metadata_sample.jsonl"
    csv = tmp_path / "papers.csv"
    csv.write_text("arxiv_id,title\n2405.15738,ConvLLaVA\n")
    ran = run_cli(settings, "import", str(good), str(csv))
    assert ran.exit_code == 1
    assert len(ran.stderr.strip().splitlines()) == 1
    assert ran.stderr.startswith(f"error: {csv}: unknown format")
    assert stats(settings)["papers"] == 0  # formats are checked before anything is written


def test_format_option_overrides_detection(settings, sample_data, tmp_path):
    ran = run_cli(
        settings, "import", "--format", "hf-jsonl", str(sample_data / "arxiv_metadata_sample.jsonl")
    )
    assert ran.exit_code == 1
    assert "200 skipped" in ran.stdout
    bad = run_cli(settings, "import", "--format", "csv", str(sample_data / "README.md"))
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr


def _paper_rows(store) -> list[tuple]:
    with store.session() as s:
        papers = s.execute(
            select(
                Paper.arxiv_id,
                Paper.title,
                Paper.abstract,
                Paper.authors,
                Paper.published_at,
                Paper.imported_upvotes,
                Paper.withdrawn,
            ).order_by(Paper.arxiv_id)
        ).all()
        listings = s.execute(
            select(Paper.arxiv_id, DailyListing.date, DailyListing.source)
            .join(DailyListing, DailyListing.paper_id == Paper.id)
            .order_by(Paper.arxiv_id)
        ).all()
        versions = s.scalar(select(func.count()).select_from(PaperVersion))
    return [tuple(r) for r in papers] + [tuple(r) for r in listings] + [versions]


def _open_writer(fifo: Path, proc: subprocess.Popen) -> int:
    """Open the pipe for writing once the importer has opened it for reading."""
    deadline = time.monotonic() + 60
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the importer never opened its input"
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return fd


def _wait_for_papers(store, count: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        with store.session() as s:
            if s.scalar(select(func.count()).select_from(Paper)) >= count:
                return
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, f"never saw {count} committed papers"
        time.sleep(0.01)


def test_kill_9_mid_import_loses_nothing_committed_and_rerun_completes_it(
    settings, store, sample_data, tmp_path
):
    """The importer reads a pipe; it is killed after 5 committed batches, mid-way through a 6th."""
    dump = sample_data / "hf_daily_papers.jsonl"
    lines = dump.read_bytes().splitlines(keepends=True)
    fifo = tmp_path / "import.pipe"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dailypapers",
            "import",
            "--format",
            "hf-jsonl",
            "--batch-size",
            "100",
            str(fifo),
        ],
        env=subprocess_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    fd = _open_writer(fifo, proc)
    try:
        os.write(fd, b"".join(lines[:550]))  # 5 full batches and half of a sixth
        _wait_for_papers(store, 500, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        os.close(fd)
    assert proc.returncode == -signal.SIGKILL
    assert stats(settings)["papers"] == 500  # every committed batch is there, nothing else

    rerun = run_cli(settings, "import", str(dump))
    assert rerun.exit_code == 0, rerun.stderr
    assert f"{HF_PAPERS - 500:,} new, 0 changed, 500 unchanged, 0 skipped" in rerun.stdout
    resumed = _paper_rows(store)

    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    from dailypapers.config import Settings
    from dailypapers.store.db import open_store

    fresh_settings = Settings(
        data_dir=fresh_dir, database_url=f"sqlite:///{fresh_dir / 'fresh.db'}", tz=settings.tz
    )
    assert run_cli(fresh_settings, "import", "--quiet", str(dump)).exit_code == 0
    fresh = open_store(fresh_settings)
    try:
        assert resumed == _paper_rows(fresh)
    finally:
        fresh.dispose()


def test_init_demo_imports_once(settings):
    # The static model keeps this test quick; `auto` picks MiniLM for a user's demo.
    first = run_cli(settings, "init", "--demo", DAILYPAPERS_EMBEDDER="static")
    assert first.exit_code == 0, first.stderr
    counts = stats(settings)
    assert counts["papers"] > 1000
    assert counts["daily_listings"] == counts["papers"]
    # Embedded right away, so similar papers and semantic search work on the first page.
    assert f"{counts['papers']:,} vectors in the index" in first.stdout
    again = run_cli(settings, "init", "--demo")
    assert again.exit_code == 0, again.stderr
    assert "demo data already imported" in again.stdout
    assert stats(settings) == counts


def test_demo_data_is_real_recent_and_small():
    import gzip
    from importlib import resources

    demo = resources.files("dailypapers") / "demo" / "hf_daily_papers_demo.jsonl.gz"
    data = demo.read_bytes()
    assert len(data) <= 5 * 1024 * 1024
    items = [json.loads(line) for line in gzip.decompress(data).splitlines()]
    papers = [item["paper"] for item in items]
    assert all(
        p["summary"] and p["upvotes"] is not None and p["submittedOnDailyAt"] for p in papers
    )
    assert max(p["submittedOnDailyAt"] for p in papers) >= "2026-08-01"
    # What makes HF's page worth reading is in the demo too.
    for share, has in (
        (0.9, lambda item: item.get("submittedBy")),
        (0.3, lambda item: item.get("organization")),
        (0.5, lambda item: item["paper"].get("ai_summary")),
        (0.2, lambda item: item["paper"].get("githubStars")),
    ):
        assert sum(1 for item in items if has(item)) >= share * len(items)


def test_truncated_gzip_keeps_what_came_before(settings, sample_data, tmp_path):
    import gzip

    data = gzip.compress((sample_data / "arxiv_metadata_sample.jsonl").read_bytes())
    path = tmp_path / "snapshot.json.gz"
    path.write_bytes(data[: len(data) // 2])  # a download cut off half-way
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 1
    assert "cannot read on, rest of file skipped" in ran.stderr
    assert "Traceback" not in ran.stderr
    imported = stats(settings)["papers"]
    assert 50 < imported < 200
    assert f"{imported} new" in ran.stdout


def test_empty_file_is_one_clear_line(settings, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    ran = run_cli(settings, "import", str(empty))
    assert ran.exit_code == 1
    assert ran.stderr.strip() == f"error: {empty}: the file is empty"


def test_byte_order_mark_is_tolerated(settings, sample_data, tmp_path):
    lines = (sample_data / "hf_daily_papers.jsonl").read_bytes().splitlines(keepends=True)[:3]
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert "3 new" in ran.stdout


def test_a_record_without_a_title_is_a_bad_line_and_the_import_goes_on(settings, store, tmp_path):
    lines = [
        '{"arxiv_id": "9999.99999"}',
        '{"arxiv_id": "2405.15738", "title": "ConvLLaVA", "daily_date": "2024-05-27"}',
        '{"arxiv_id": "2405.15739", "title": "   "}',
    ]
    path = write_lines(tmp_path / "hf.jsonl", lines)
    ran = run_cli(settings, "import", "--format", "hf-jsonl", str(path))
    assert ran.exit_code == 1
    assert f"{path}:1: 9999.99999: no title" in ran.stderr
    assert f"{path}:3: 2405.15739: no title" in ran.stderr
    assert "1 new, 0 changed, 0 unchanged, 2 skipped" in ran.stdout
    with store.session() as session:
        assert session.scalars(select(Paper.arxiv_id)).all() == ["2405.15738"]


def test_a_bad_file_in_a_directory_is_reported_and_the_others_are_imported(
    settings, sample_data, tmp_path
):
    folder = tmp_path / "dumps"
    folder.mkdir()
    lines = (sample_data / "hf_daily_papers.jsonl").read_text().splitlines()
    write_lines(folder / "a.jsonl", lines[:5])
    (folder / "b.jsonl").write_text("\n")  # empty
    (folder / "c.json").write_text('{"hello": "world"}\n')  # JSON, but no papers
    write_lines(folder / "d.jsonl", lines[5:10])
    ran = run_cli(settings, "import", str(folder))
    assert ran.exit_code == 1
    assert f"{folder / 'b.jsonl'}: the file is empty" in ran.stderr
    assert f"{folder / 'c.json'}: " in ran.stderr
    assert "2 file(s) left out" in ran.stdout
    assert "from 2 file(s): 10 new" in ran.stdout
    assert stats(settings)["papers"] == 10
    assert "Traceback" not in ran.stderr + ran.stdout

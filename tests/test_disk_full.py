"""A full disk ends `import` and `serve` with one clear line and a non-zero exit."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from dailypapers.config import Settings
from dailypapers.errors import is_disk_full
from support.cli import run_cli, stats

SAMPLE = Path(__file__).parent / "data" / "arxiv_metadata_sample.jsonl"


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def _sqlite_full() -> OperationalError:
    return OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))


@pytest.mark.parametrize("make_error", [_enospc, _sqlite_full])
def test_import_on_a_full_disk_is_one_line_and_keeps_committed_batches(
    settings, monkeypatch, make_error
):
    from dailypapers.ingest import pipeline

    real = pipeline.save_papers
    calls = {"n": 0}

    def fills_up(store, batch):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] > 2:
            raise make_error()
        return real(store, batch)

    monkeypatch.setattr(pipeline, "save_papers", fills_up)
    ran = run_cli(settings, "import", "--batch-size", "20", str(SAMPLE))
    assert ran.exit_code == 1
    errors = [line for line in ran.stderr.splitlines() if "error" in line]  # past the bar
    assert len(errors) == 1 and errors[0].startswith("error: the disk is full"), ran.stderr
    assert ran.stderr.strip().endswith("run the same command again to complete the import")
    assert "Traceback" not in ran.stderr + ran.stdout
    monkeypatch.setattr(pipeline, "save_papers", real)
    assert stats(settings)["papers"] == 40  # the two batches committed before it


def test_serve_without_a_secret_key_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    import uvicorn

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))

    def full(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise _enospc()

    monkeypatch.setattr(Path, "write_text", full)
    ran = run_cli(settings, "serve", DAILYPAPERS_SECRET_KEY="")
    monkeypatch.undo()
    assert ran.exit_code == 1
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert "No space left on device" in lines[0] and "DAILYPAPERS_SECRET_KEY" in lines[0]
    assert not (tmp_path / "secret_key").exists()  # no empty key left behind


def test_an_empty_key_file_is_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("")
    settings = Settings(data_dir=tmp_path)
    key = settings.secret()
    assert len(key) > 40 and settings.secret() == key
    assert (tmp_path / "secret_key").read_text().strip() == key


def test_disk_full_is_told_apart_from_other_errors():
    assert is_disk_full(_enospc())
    assert is_disk_full(_sqlite_full())
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(ValueError("x"))

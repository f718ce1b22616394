"""The command line: --version, --help everywhere, clear errors, stats as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
import typer.main
from typer.testing import CliRunner

from dailypapers import __version__
from dailypapers.cli import _register, app

_register()
runner = CliRunner()


def _env(settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_SECRET_KEY": "test",
    }


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: click.Command, prefix: list[str]) -> None:
        paths.append(prefix)
        # Typer 0.29 vendors click: its groups are not click.Group, but have `commands`.
        if isinstance(command, click.Group) or hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"dailypapers {__version__}"


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "root")
def test_help_reads_as_a_command_line_not_as_python_types(path):
    output = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
    for raw in ("<bool>", "<list[", "{", "<int", "<str", "<float", "<Path", "<path"):
        assert raw not in output, f"{raw!r} in `dailypapers {' '.join(path)} --help`:\n{output}"


def test_help_names_arguments_and_values_plainly():
    usage = runner.invoke(app, ["import", "--help"], env={"COLUMNS": "200"}).output
    assert "import [OPTIONS] FILE..." in usage
    assert "INTEGER" in usage and "[snapshot|hf-json|hf-jsonl]" in usage


def test_stats_json_has_the_counts(settings):
    result = runner.invoke(app, ["stats", "--json"], env=_env(settings))
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    for key in ("papers", "daily_listings", "users", "upvotes", "comments"):
        assert counts[key] == 0


@pytest.mark.parametrize(
    ("name", "value"), [("DAILYPAPERS_TZ", "Mars/Olympus"), ("DAILYPAPERS_VECTOR_MIRROR", "maybe")]
)
def test_bad_configuration_is_one_clear_line(tmp_path, name, value):
    env = {**os.environ, name: value, "DAILYPAPERS_DATA_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "dailypapers", "stats"], env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert value in proc.stderr or name in proc.stderr
    assert "bad configuration" in proc.stderr
    assert "cannot open the database" not in proc.stderr  # no second, misleading error


def test_unreachable_database_is_one_clear_line(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "DAILYPAPERS_DATA_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "dailypapers", "stats"], env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "cannot open the database" in proc.stderr

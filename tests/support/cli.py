"""Helpers for the importer tests: run the real CLI against a test database."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from dailypapers import cli
from dailypapers.config import Settings, get_settings

cli._register()


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points the command line at the test's database."""
    env = {
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_TZ": settings.tz,
        "DAILYPAPERS_SECRET_KEY": "test-secret-key",
        # Importer tests: the vector index catches up later (its own tests embed inline); the
        # full-text index is still kept current by every import here.
        "DAILYPAPERS_EMBED_INLINE_MAX": "0",
    }
    env.update(extra)
    return env


def run_cli(settings: Settings, *args: str, **env: str) -> Ran:
    """`dailypapers ARGS` in-process, configured by environment as a user would."""
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.app, list(args), env=cli_env(settings, **env))
    get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def stats(settings: Settings) -> dict[str, int]:
    ran = run_cli(settings, "stats", "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def subprocess_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {**os.environ, **cli_env(settings, **extra)}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return path

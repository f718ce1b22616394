"""`dailypapers user create`: users and admins from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from dailypapers.accounts.users import authenticate
from dailypapers.store.models import User


def run_cli(settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess:  # noqa: ANN001
    env = {
        **os.environ,
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_SECRET_KEY": "cli-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "dailypapers", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_create_admin_then_refuse_a_duplicate(settings, store):
    done = run_cli(settings, "user", "create", "moderator", "--admin", "--password-stdin",
                   stdin="a strong password\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "created admin moderator" in done.stdout
    with store.session() as session:
        user = session.query(User).filter_by(username="moderator").one()
        assert user.is_admin
        assert authenticate(session=session, username="moderator", password="a strong password")

    again = run_cli(
        settings, "user", "create", "Moderator", "--password-stdin", stdin="another one\n"
    )
    assert again.returncode == 1 and "is taken" in again.stderr
    short = run_cli(settings, "user", "create", "someone", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    assert "Traceback" not in again.stderr + short.stderr

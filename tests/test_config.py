"""Settings: defaults, validation, and every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dailypapers.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented():
    text = DOCS.read_text()
    for name, field in Settings.model_fields.items():
        variable = field.validation_alias or name.upper()
        assert f"`{variable}`" in text, f"{variable} is not documented in docs/configuration.md"


def test_default_database_is_sqlite_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.db_url == f"sqlite:///{tmp_path.resolve() / 'dailypapers.db'}"
    assert settings.is_sqlite


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(tz="Mars/Olympus")


def test_secret_is_generated_once_and_kept(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key=None)
    first = settings.secret()
    assert len(first) > 40
    assert Settings(data_dir=tmp_path, secret_key=None).secret() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

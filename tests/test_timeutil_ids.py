"""Daily dates in the configured zone, date parsing, and arXiv id parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import BadArxivId
from dailypapers.timeutil import daily_date, parse_datetime


def test_daily_date_follows_the_zone():
    late_utc = datetime(2024, 5, 28, 2, 30, tzinfo=UTC)
    assert daily_date(late_utc, ZoneInfo("UTC")) == date(2024, 5, 28)
    assert daily_date(late_utc, ZoneInfo("America/New_York")) == date(2024, 5, 27)
    assert daily_date(late_utc, ZoneInfo("Asia/Tokyo")) == date(2024, 5, 28)


def test_parse_datetime_iso_and_rfc2822():
    assert parse_datetime("2024-05-24T17:34:00.000Z") == datetime(2024, 5, 24, 17, 34, tzinfo=UTC)
    assert parse_datetime("Mon, 2 Apr 2007 19:18:42 GMT") == datetime(
        2007, 4, 2, 19, 18, 42, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2405.15738", ("2405.15738", None)),
        ("2405.15738v2", ("2405.15738", 2)),
        ("arXiv:0704.0001", ("0704.0001", None)),
        ("https://arxiv.org/abs/2405.15738v3", ("2405.15738", 3)),
        ("https://arxiv.org/pdf/2405.15738.pdf", ("2405.15738", None)),
        ("http://export.arxiv.org/abs/hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("https://huggingface.co/papers/2405.15738", ("2405.15738", None)),
        (" math.GT/0309136 ", ("math.GT/0309136", None)),
        # typed with an East Asian input method: full-width digits and punctuation (NFKC)
        ("\uff12\uff14\uff10\uff15.\uff11\uff15\uff17\uff13\uff18", ("2405.15738", None)),
        (
            "\uff12\uff14\uff10\uff15\uff0e\uff11\uff15\uff17\uff13\uff18\uff56\uff12",
            ("2405.15738", 2),
        ),
    ],
)
def test_parse_arxiv_id(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize("text", ["", "hello", "2405.1", "https://example.org/abs/2405.15738"])
def test_bad_arxiv_ids_are_rejected(text):
    with pytest.raises(BadArxivId):
        parse_arxiv_id(text)

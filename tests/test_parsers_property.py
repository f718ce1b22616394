"""Any text into the query and period parsers: a result or their own error, never another."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dailypapers.errors import BadQuery, InvalidInput
from dailypapers.feed.periods import parse_day, parse_month, parse_week
from dailypapers.search.query import MAX_QUERY_CHARS, parse_query
from dailypapers.timeutil import FIRST_DAY, LAST_DAY

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like the query language often enough to reach every branch.
PIECES = st.sampled_from(
    [
        "since:", "until:", "author:", "cat:", "-", '"', " ", "2024", "-01", "-31", "9999", "0000",
        "-W", "W53", "cs.CL", "2405.15738", "arXiv:", "hep-th/9901001", "v2", "the", ":", "\x00",
        "é", "漢", "\u202e", "-since:", "-cat:", "x", "2262-04-12", "1677-09-20", "12", "13",
    ]
)  # fmt: skip
QUERYISH = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=20).map("".join)
DATEISH = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"\A\d{4}-\d{2}(-\d{2})?\Z"),
    st.from_regex(r"\A\d{4}-W\d{2}\Z"),
    st.dates().map(date.isoformat),
)


@FAST
@given(st.one_of(st.text(max_size=300), QUERYISH))
@example("since:3000-01-01")
@example("until:2262-04-12 x")
@example("since:0001")
@example("until:9999-12")
def test_parse_query_returns_or_raises_bad_query(text):
    try:
        parsed = parse_query(text)
    except BadQuery as exc:
        assert str(exc)
        return
    assert len(parsed.text) <= MAX_QUERY_CHARS
    for day in (parsed.since, parsed.until):
        assert day is None or FIRST_DAY <= day <= LAST_DAY
    if parsed.since and parsed.until:
        assert parsed.since <= parsed.until


@FAST
@given(DATEISH)
@example("9999-12")
@example("0001-01")
@example("9999-W52")
@example("0001-W01")
@example("9999-12-31")
def test_period_parsers_return_or_raise_invalid_input(text):
    for parse in (parse_day, parse_week, parse_month):
        try:
            result = parse(text)
        except InvalidInput as exc:
            assert str(exc)
            continue
        if isinstance(result, date):
            assert FIRST_DAY <= result <= LAST_DAY
        else:
            period = result
            # A parsed period's neighbours and label never overflow either.
            assert period.start <= period.end
            assert period.previous().end < period.start
            assert period.following().start > period.end
            assert period.key and period.label
            assert (parse_week if period.kind == "week" else parse_month)(period.key) == period


@FAST
@given(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
def test_every_supported_day_round_trips(day):
    assert parse_day(day.isoformat()) == day
    year, week, _ = day.isocalendar()
    assert parse_week(f"{year}-W{week:02d}").start <= day
    assert parse_month(f"{day.year}-{day.month:02d}").start.month == day.month

"""Pure parts of the site: rate limiter, trending score, Markdown sanitising, periods, helpers."""

from __future__ import annotations

from datetime import date

import pytest

from dailypapers.accounts.users import authenticate, create_user, validate_username
from dailypapers.community.markdown import render_markdown
from dailypapers.errors import Conflict, InvalidInput, RateLimited
from dailypapers.feed.periods import parse_day, parse_month, parse_week
from dailypapers.rank.trending import trending, trending_score
from dailypapers.web.ratelimit import SlidingWindowLimiter
from dailypapers.web.security import safe_next
from dailypapers.web.templating import excerpt, short_authors


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_the_limit_then_refuses_until_the_window_slides():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    for _ in range(3):
        limiter.hit("ip:1")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("ip:1")
    assert refused.value.retry_after == 60
    limiter.hit("ip:2")  # other keys are counted apart
    clock.now += 30
    with pytest.raises(RateLimited) as later:
        limiter.hit("ip:1")
    assert later.value.retry_after == 30
    clock.now += 30.001
    limiter.hit("ip:1")


def test_limiter_forgets_idle_clients():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1, 10, clock=clock)
    for n in range(100):
        limiter.hit(f"ip:{n}")
    clock.now += 11
    limiter.hit("ip:new")
    assert len(limiter._hits) == 1


def test_trending_score_decays_with_age():
    assert trending_score(10, 0) == 10
    assert trending_score(10, 3) == pytest.approx(10 / 8)
    assert trending_score(100, 7) < trending_score(10, 0)
    assert trending_score(5, -2) == 5  # a listing dated after the reference counts as new


def test_trending_ranker_reads_only_its_window(store, seeded):
    with store.session() as session:
        ids, scores = trending(session, reference=date(2025, 1, 7), window_days=1)
        assert len(ids) == 2 and scores == sorted(scores, reverse=True)
        everything, _ = trending(session, reference=date(2025, 1, 7))
        assert len(everything) == 6


@pytest.mark.parametrize(
    "text, absent",
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("![pic](https://tracker.example/p.png)", "<img"),
        ('<a href="https://x" onclick="evil()">x</a>', '<a href="https://x" onclick'),
    ],
)
def test_markdown_is_sanitised(text, absent):
    assert absent not in render_markdown(text)


def test_markdown_keeps_formatting_and_marks_links():
    html = render_markdown("*a* **b** `c`\n\n- d\n\n> e\n\n[f](https://example.org)")
    for piece in (
        "<em>a</em>",
        "<strong>b</strong>",
        "<code>c</code>",
        "<li>d</li>",
        "<blockquote>",
    ):
        assert piece in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_periods_parse_strictly():
    assert parse_day("2024-02-29") == date(2024, 2, 29)
    week = parse_week("2025-W01")
    assert (week.start, week.end) == (date(2024, 12, 30), date(2025, 1, 5))
    assert week.key == "2025-W01" and week.previous().key == "2024-W52"
    month = parse_month("2024-02")
    assert month.end == date(2024, 2, 29) and month.following().key == "2024-03"
    for bad, parse in (
        ("2023-02-29", parse_day),
        ("2025-W00", parse_week),
        ("2025-13", parse_month),
    ):
        with pytest.raises(InvalidInput):
            parse(bad)


def test_safe_next_only_allows_local_paths():
    assert safe_next("/date/2025-01-01") == "/date/2025-01-01"
    for bad in (
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "",
        None,
        "javascript:x",
    ):
        assert safe_next(bad) == "/"


def test_card_helpers():
    assert short_authors(["A", "B"]) == "A, B"
    assert short_authors(["A", "B", "C", "D", "E", "F"]) == "A, B, C +3 authors"
    assert excerpt("word " * 100, 20).endswith("…") and len(excerpt("word " * 100, 20)) <= 21


def test_users_and_constant_time_authentication(store):
    with store.session() as session:
        create_user(session=session, username="Zoe", password="long enough", email="z@x.org")
    with store.session() as session:
        with pytest.raises(Conflict):
            create_user(session=session, username="zoe", password="long enough")
    with store.session() as session:
        assert authenticate(session=session, username="zoe", password="long enough") is not None
        assert authenticate(session=session, username="zoe", password="wrong one") is None
        assert authenticate(session=session, username="nobody", password="long enough") is None
    with pytest.raises(InvalidInput):
        validate_username("a b")

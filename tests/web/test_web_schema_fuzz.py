"""Schemathesis over every route of the OpenAPI schema: no 5xx, every answer as documented.

Bounded here (a few examples per operation, about half a minute); benchmarks/fuzz_api.py runs
the same with many more.
"""

from __future__ import annotations

import pytest
from schema_fuzz import fuzz, schema_of, seeded_site

from dailypapers.config import Settings


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):  # noqa: ANN001, ANN201
    data_dir = tmp_path_factory.mktemp("fuzz")
    app = seeded_site(
        Settings(
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'dailypapers.db'}",
            secret_key="test-secret-key",
        )
    )
    yield app
    app.state.store.dispose()


def test_every_get_route_is_in_the_schema_with_its_media_type(fuzz_app):
    paths = fuzz_app.openapi()["paths"]
    for path in ("/", "/date/{day}", "/papers/{arxiv_id}", "/search", "/login", "/docs"):
        assert "text/html" in paths[path]["get"]["responses"]["200"]["content"], path
    for path in ("/feeds/daily.{kind}", "/feeds/search.{kind}"):
        feed = paths[path]["get"]["responses"]["200"]["content"]
        assert set(feed) == {"application/rss+xml", "application/atom+xml"}, path
    search = paths["/api/papers/search"]["get"]["responses"]["200"]["content"]
    assert search["application/json"]["schema"]["items"]["$ref"].endswith("/SearchResult")
    # forms are no API: the only POSTs documented are the JSON API's (collections)
    assert all(path.startswith("/api/") for path, ops in paths.items() if "post" in ops)
    assert len(paths) >= 30


def test_schema_fuzz_finds_no_server_error_and_no_schema_violation(fuzz_app):
    outcome = fuzz(schema_of(fuzz_app), max_examples=6)
    assert not outcome.failures, "\n\n".join(f"{k}:\n{v}" for k, v in outcome.failures.items())
    operations = sum(len(ops) for ops in fuzz_app.openapi()["paths"].values())
    assert len(outcome.requests) == operations  # every operation ran
    assert not [status for status in outcome.statuses if status >= 500]
    assert outcome.statuses[200] > 0  # the examples reached real papers

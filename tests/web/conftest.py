"""Fixtures for the site: an app on the test's backend, seeded papers, a logged-in client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.store.db import Store
from dailypapers.store.upsert import save_papers
from dailypapers.web.app import create_app
from support.web import SEED, log_in, make_user, paper_record


@pytest.fixture
def seeded(store: Store) -> Store:
    """Six papers over three listed days (Friday, Monday, Tuesday: the weekend is empty)."""
    save_papers(store, [paper_record(*row) for row in SEED])
    return store


@pytest.fixture
def app(settings: Settings, seeded: Store) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.store.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def alice(app: FastAPI, client: TestClient) -> str:
    """`client` logged in as alice; returns her CSRF token."""
    make_user(app.state.store, "alice")
    return log_in(client, "alice")

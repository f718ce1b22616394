"""The served application, composed at the top: the site (web/) and, when enabled, the schedule.

`dailypapers serve` points uvicorn here; tests build the site with `web.app.create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI

from dailypapers.config import Settings
from dailypapers.jobs.schedule import start_scheduler
from dailypapers.web.app import create_app as create_site


def create_app(settings: Settings | None = None) -> FastAPI:
    """The site with the scheduled jobs (harvest, digests) wired in."""
    return create_site(settings, start_schedule=start_scheduler)

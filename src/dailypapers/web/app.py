"""The web application factory (a minimal listing until the site lands)."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from dailypapers.config import Settings, get_settings
from dailypapers.store.db import open_store
from dailypapers.store.models import DailyListing, Paper


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    store = open_store(settings)
    app = FastAPI(title="dailypapers")
    app.state.store = store

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        with store.session() as session:
            day = session.scalar(select(func.max(DailyListing.date)))
            rows = session.execute(
                select(Paper.arxiv_id, Paper.title, Paper.imported_upvotes)
                .join(DailyListing, DailyListing.paper_id == Paper.id)
                .where(DailyListing.date == day)
                .order_by(Paper.imported_upvotes.desc())
            ).all()
        items = "".join(
            f"<li>{escape(r.title)} ({r.imported_upvotes} upvotes, {escape(r.arxiv_id)})</li>"
            for r in rows
        )
        return f"<!doctype html><title>dailypapers</title><h1>Papers of {day}</h1><ol>{items}</ol>"

    return app

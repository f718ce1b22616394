"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from a list of paper cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import Response

from dailypapers.feed.cards import PaperCard
from dailypapers.feed.hf_shapes import iso

MEDIA_TYPE = "application/feed+json"


def json_feed(
    papers: Sequence[PaperCard], *, title: str, link: str, home: str, site: str
) -> Response:
    items: list[dict[str, Any]] = []
    for card in papers:
        url = f"{site}/papers/{card.arxiv_id}"
        item: dict[str, Any] = {
            "id": url,
            "url": url,
            "title": card.title,
            "content_text": card.abstract or card.title,
            "authors": [{"name": name} for name in card.authors[:50]],
            "tags": list(card.hf.ai_keywords if card.hf else []) or list(card.categories),
        }
        if card.hf and card.hf.ai_summary:
            item["summary"] = card.hf.ai_summary
        if card.hf and card.hf.thumbnail:
            item["image"] = card.hf.thumbnail
        if card.code_url:
            item["external_url"] = card.code_url
        published = card.published_at
        if published is not None:
            item["date_published"] = iso(published)
        items.append(item)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "feed_url": link,
        "items": items,
    }
    return Response(orjson.dumps(body), media_type=f"{MEDIA_TYPE}; charset=utf-8")

"""RSS 2.0 and Atom from a list of paper cards (feedgen); reused by the search feeds.

return render_feed(cards, "atom", title="…", link=absolute_url(request), site=site_root(request))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time

from feedgen.feed import FeedGenerator
from starlette.responses import Response

from dailypapers.feed.cards import PaperCard
from dailypapers.timeutil import utcnow

MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
# Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF):
# lxml refuses them, so a query or an imported title holding one must lose it, not fail the feed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def _entry_time(card: PaperCard) -> datetime:
    if card.listed_on is not None:
        return datetime.combine(card.listed_on, time(), tzinfo=UTC)
    return card.published_at or utcnow()


def render_feed(
    papers: Sequence[PaperCard],
    kind: str,
    *,
    title: str,
    link: str,
    site: str,
    description: str | None = None,
    page: str = "/",
) -> Response:
    """The feed document for `papers` in `kind` ("rss" or "atom").

    `link` is the feed's own URL; `page` the path of the site page it follows, which RSS's
    channel `<link>` must name (feed readers open it as "the website").
    """
    if kind not in MEDIA_TYPES:
        raise ValueError(f"unknown feed kind {kind!r}")
    fg = FeedGenerator()
    title, link = xml_text(title), xml_text(link)
    fg.id(link)
    fg.title(title)
    fg.subtitle(xml_text(description or "") or title)  # RSS requires a description
    fg.link(href=link, rel="self")
    # feedgen's RSS <link> is the last link given: the site page, never the feed itself.
    fg.link(href=site + page, rel="alternate")
    fg.language("en")
    fg.generator("dailypapers")
    if kind == "rss":
        fg.load_extension("dc")  # RSS's <author> needs an email; dc:creator carries names
    newest = max((_entry_time(card) for card in papers), default=utcnow())
    fg.updated(newest)
    fg.lastBuildDate(newest)
    # feedgen prepends entries; add oldest-listed last so the feed reads in the given order.
    for card in reversed(papers):
        url = f"{site}/papers/{card.arxiv_id}"
        entry = fg.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(xml_text(card.title))
        entry.link(href=url, rel="alternate")
        entry.summary(xml_text(card.abstract or card.title))
        for name in (xml_text(n) for n in card.authors[:50]):
            if kind == "rss":
                entry.dc.dc_creator(name)
            else:
                entry.author(name=name)
        entry.published(card.published_at or _entry_time(card))
        entry.updated(card.updated_at or card.published_at or _entry_time(card))
        for category in card.categories:
            entry.category(term=xml_text(category))
    body = fg.atom_str(pretty=True) if kind == "atom" else fg.rss_str(pretty=True)
    return Response(body, media_type=f"{MEDIA_TYPES[kind]}; charset=utf-8")

"""Mails as multipart/alternative: plain text plus HTML with its CSS inlined.

Mail clients drop <style> blocks and block remote content, so the HTML carries its styles on
each element (css-inline, no remote stylesheets) and has no images. Links go to paper pages on
the site's base URL. Every mail names its settings page and carries List-Unsubscribe with
List-Unsubscribe-Post (RFC 8058), whose one-click POST the site accepts without a login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlencode, urlsplit

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.digest.mime import OutgoingMail, alternative
from dailypapers.digest.tokens import MAX_AGE, Tokens
from dailypapers.store.models import Paper, Subscription, Upvote
from dailypapers.timeutil import utcnow

SITE_NAME = "dailypapers"
SNIPPET_CHARS = 280
MAX_AUTHORS = 4


@dataclass(slots=True)
class PaperCard:
    id: int
    arxiv_id: str
    title: str
    authors: str
    upvotes: int
    snippet: str
    url: str


def short_authors(authors: list[str] | None) -> str:
    authors = authors or []
    if len(authors) <= MAX_AUTHORS:
        return ", ".join(authors)
    return ", ".join(authors[: MAX_AUTHORS - 1]) + f" and {len(authors) - MAX_AUTHORS + 1} more"


def snippet(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + " …"


def load_cards(session: Session, paper_ids: list[int], base_url: str) -> dict[int, PaperCard]:
    """What mails show of each paper, read in chunks (shown upvotes: imported + cast here)."""
    cards: dict[int, PaperCard] = {}
    ids = list(dict.fromkeys(paper_ids))
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        votes = dict(
            session.execute(
                select(Upvote.paper_id, func.count())
                .where(Upvote.paper_id.in_(chunk))
                .group_by(Upvote.paper_id)
            ).all()
        )
        rows = session.execute(
            select(
                Paper.id,
                Paper.arxiv_id,
                Paper.title,
                Paper.authors,
                Paper.abstract,
                Paper.imported_upvotes,
            ).where(Paper.id.in_(chunk), Paper.hidden.is_(False))  # hidden since composed: left out
        ).all()
        for r in rows:
            cards[r.id] = PaperCard(
                id=r.id,
                arxiv_id=r.arxiv_id,
                title=" ".join((r.title or "").split()),
                authors=short_authors(r.authors),
                upvotes=(r.imported_upvotes or 0) + votes.get(r.id, 0),
                snippet=snippet(r.abstract),
                url=f"{base_url}/papers/{r.arxiv_id}",
            )
    return cards


class MailRenderer:
    """Builds every mail the digest package sends, for one site (settings)."""

    def __init__(self, settings: Settings, *, tokens: Tokens | None = None) -> None:
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self.domain = urlsplit(self.base_url).hostname or "localhost"
        self.tokens = tokens or Tokens(settings.secret())
        loader = PackageLoader("dailypapers.digest", "templates")
        self.html = Environment(
            loader=loader, autoescape=select_autoescape(["html"]), undefined=StrictUndefined
        )
        self.text = Environment(
            loader=loader, autoescape=False, undefined=StrictUndefined, trim_blocks=True
        )
        self.inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)

    # links -------------------------------------------------------------------------------
    def link(self, purpose: str, sub: Subscription) -> str:
        path = {"confirm": "confirm", "manage": "settings", "unsubscribe": "unsubscribe"}[purpose]
        return f"{self.base_url}/digest/{path}/{self.tokens.make(purpose, sub.id, sub.token_key)}"

    def new_message_id(self, key: str, sub_id: int) -> str:
        return f"<digest.{key}.{sub_id}.{secrets.token_hex(6)}@{self.domain}>"

    # messages ----------------------------------------------------------------------------
    def _parts(self, sub: Subscription, subject: str, template: str, context: dict) -> tuple:
        """(text, html, unsubscribe URL) of one mail; the HTML with its CSS inlined."""
        unsubscribe_url = self.link("unsubscribe", sub)
        context = {
            "subject": subject,
            "site_name": SITE_NAME,
            "site_url": self.base_url + "/",
            "email": sub.email,
            "frequency": sub.frequency,
            "manage_url": self.link("manage", sub),
            "unsubscribe_url": unsubscribe_url,
            **context,
        }
        text = self.text.get_template(f"{template}.txt").render(context)
        html = self.inliner.inline(self.html.get_template(f"{template}.html").render(context))
        return text, html, unsubscribe_url

    def _message(
        self,
        sub: Subscription,
        subject: str,
        template: str,
        context: dict,
        *,
        message_id: str | None = None,
        date: datetime | None = None,
        bulk: bool = False,
    ) -> OutgoingMail:
        text, html, unsubscribe_url = self._parts(sub, subject, template, context)
        headers = [
            ("From", _address(self.settings.mail_from)),
            ("To", sub.email),
            ("Subject", subject),
            ("Date", format_datetime(date or utcnow())),
            ("Message-ID", message_id or self.new_message_id(template, sub.id)),
            ("List-Id", f"{SITE_NAME} digests <digests.{self.domain}>"),
            ("List-Unsubscribe", f"<{unsubscribe_url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
        ]
        if bulk:
            headers.append(("Precedence", "bulk"))
        return alternative(headers, text, html)

    def confirmation(self, sub: Subscription) -> OutgoingMail:
        days = MAX_AGE["confirm"].days
        return self._message(
            sub,
            f"Confirm your {SITE_NAME} subscription",
            "confirm",
            {"confirm_url": self.link("confirm", sub), "confirm_days": days},
        )

    def already_subscribed(self, sub: Subscription, *, add: list[str] = ()) -> OutgoingMail:
        """For a subscribe request on a confirmed address; `add`: topics it asked for."""
        add_url = None
        if add:
            add_url = self.link("manage", sub) + "?" + urlencode([("add", t) for t in add])
        return self._message(
            sub, f"You are already subscribed to {SITE_NAME}", "already", {"add_url": add_url}
        )

    def _digest_context(self, sub: Subscription, content: dict, cards: dict) -> tuple:
        sections = [
            {**s, "items": [i for i in s["items"] if i["id"] in cards]}
            for s in content.get("sections", [])
        ]
        sections = [s for s in sections if s["items"]]
        count = sum(len(s["items"]) for s in sections)
        start, end = content.get("window", ["", ""])
        when = _day_label(start, end)
        period = content.get("period", sub.frequency)
        heading = f"Your {period} papers · {when}"
        lead = f"{count} paper{'s' if count != 1 else ''} picked for you from {when}."
        subject = f"{heading} · {count} paper{'s' if count != 1 else ''}"
        context = {"sections": sections, "papers": cards, "heading": heading, "lead": lead}
        return subject, context

    def digest(
        self,
        sub: Subscription,
        content: dict,
        cards: dict[int, PaperCard],
        *,
        message_id: str,
        date: datetime | None = None,
    ) -> OutgoingMail:
        """The digest mail for a stored delivery content (see compose.Digest.content)."""
        subject, context = self._digest_context(sub, content, cards)
        return self._message(
            sub, subject, "digest", context, message_id=message_id, date=date, bulk=True
        )

    def digest_html(self, sub: Subscription, content: dict, cards: dict[int, PaperCard]) -> str:
        """Only the HTML part, as sent (the site's preview shows it)."""
        subject, context = self._digest_context(sub, content, cards)
        return self._parts(sub, subject, "digest", context)[1]


def _day_label(start: str, end: str) -> str:
    try:
        first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    except (TypeError, ValueError):
        return f"{start} – {end}"
    if first == last:
        return last.strftime("%a %-d %b %Y")
    return f"{first.strftime('%-d %b')} – {last.strftime('%-d %b %Y')}"


def _address(value: str) -> str:
    """A From header, its display name encoded if it is not ASCII."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")

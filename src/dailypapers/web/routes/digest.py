"""Digest pages: subscribe, confirm, settings and one-click unsubscribe by signed link,
"save as alert" from search, a preview of one's digest, and the "For you" page.

The links in mails are the credentials for their pages (no password, no login). Forms carry
the CSRF token like every form here, except the RFC 8058 one-click unsubscribe, which mail
providers POST without cookies: it is authenticated by its signed token and is idempotent.
GET never changes anything, so link scanners that open every URL in a mail do no harm.
"""

# size: for now; the "For you" / saved routes at the end move to a module of their own once
# rank/recommend.py's split (branch lib) settles what they import.

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers.digest import subscriptions as subs
from dailypapers.digest.service import DigestService
from dailypapers.digest.tokens import BadToken, ExpiredToken
from dailypapers.digest.topics import parse_topic
from dailypapers.digest.transport import MailError
from dailypapers.errors import InvalidInput
from dailypapers.feed.cards import load_cards
from dailypapers.feed.papers import get_paper
from dailypapers.library.saved import saved_ids, saved_papers, set_saved
from dailypapers.rank.recommend import for_you
from dailypapers.rank.signals import summary
from dailypapers.web.deps import (
    CurrentUser,
    OptionalUser,
    SessionDep,
    WriteLimit,
    client_address,
)
from dailypapers.web.errors import wants_json
from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.security import csrf_exempt, safe_next
from dailypapers.web.templating import render

router = APIRouter(tags=["digests"], default_response_class=HTMLResponse, responses=PAGE)

Text = Annotated[str, Form(max_length=2000)]
Email = Annotated[str, Form(max_length=320)]
TopicLines = Annotated[str, Form(max_length=6000)]
Frequency = Annotated[str, Form(max_length=10)]

# The preview is our own mail, whose styles sit on its elements (as mail clients need);
# it is shown in a frame under a policy that allows exactly that and nothing else.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'self'"
)


def get_digest(request: Request) -> DigestService:
    service = getattr(request.app.state, "digest", None)
    if service is None:
        service = DigestService(request.app.state.store, request.app.state.settings)
        request.app.state.digest = service
    return service


Digests = Annotated[DigestService, Depends(get_digest)]


def _limit(request: Request) -> None:
    """Subscribing sends mail: count it like a log-in attempt, per client address."""
    request.app.state.auth_limiter.hit(f"subscribe:{client_address(request)}", "subscriptions")


def _topics(lines: str, categories: list[str] | None = None) -> list[str]:
    topics = [line.strip() for line in lines.replace(",", "\n").splitlines() if line.strip()]
    topics += [f"cat:{c.strip()}" for c in categories or [] if c.strip()]
    return topics


def _link_problem(request: Request, exc: BadToken) -> Response:
    expired = isinstance(exc, ExpiredToken)
    context = {"expired": expired, "message": str(exc)}
    return render(request, "digest_link.html", context, status_code=410 if expired else 400)


@router.get("/subscribe")
def subscribe_form(request: Request, user: OptionalUser, topic: str = "") -> Response:
    context = {"email": (user.email if user else "") or "", "frequency": "daily", "topics": topic}
    return render(request, "digest_subscribe.html", context)


@router.post("/subscribe", dependencies=[Depends(_limit)], include_in_schema=False)
def subscribe(
    request: Request,
    digests: Digests,
    user: OptionalUser,
    email: Email = "",
    frequency: Frequency = "daily",
    topics: TopicLines = "",
    category: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    form = {"email": email, "frequency": frequency, "topics": topics}
    try:
        result = digests.subscribe(
            email=email,
            frequency=frequency,
            topics=_topics(topics, category),
            user_id=user.id if user else None,
        )
    except InvalidInput as exc:
        return render(
            request, "digest_subscribe.html", {**form, "error": str(exc)}, status_code=400
        )
    except MailError:
        message = "we could not send the confirmation mail just now; please try again later"
        return render(request, "digest_subscribe.html", {**form, "error": message}, status_code=503)
    # The same answer whatever the address's state, so the form tells nobody who subscribed.
    context = {"email": email.strip(), "outbox": result.outbox}
    return render(request, "digest_check_inbox.html", context)


@router.get("/digest/confirm/{token}")
def confirm_page(request: Request, digests: Digests, token: str) -> Response:
    try:
        sub = digests.subscription("confirm", token)
    except BadToken as exc:
        return _link_problem(request, exc)
    if subs.status_of(sub) != "pending":
        return RedirectResponse(digests.manage_link(sub), status_code=303)
    return render(request, "digest_confirm.html", {"sub": sub, "token": token})


@router.post("/digest/confirm/{token}", include_in_schema=False)
def confirm(request: Request, digests: Digests, token: str) -> Response:
    try:
        sub = digests.confirm(token)
    except BadToken as exc:
        return _link_problem(request, exc)
    return RedirectResponse(digests.manage_link(sub) + "?confirmed=1", status_code=303)


def _settings_context(digests: DigestService, sub, token: str) -> dict:  # noqa: ANN001
    topics = [parse_topic(t) for t in sub.topics or []]
    return {
        "sub": sub,
        "token": token,
        "status": subs.status_of(sub),
        "keywords": "\n".join(str(t) for t in topics if t.kind != "search"),
        "searches": [t.value for t in topics if t.kind == "search"],
        # a path, not the mail's absolute URL: forms may only post to this site
        "unsubscribe_path": urlsplit(digests.renderer.link("unsubscribe", sub)).path,
    }


@router.get("/digest/settings/{token}")
def settings_page(
    request: Request,
    digests: Digests,
    token: str,
    confirmed: str = "",
    add: Annotated[list[str] | None, Query(max_length=250)] = None,
) -> Response:
    try:
        sub = digests.subscription("manage", token)
    except BadToken as exc:
        return _link_problem(request, exc)
    context = _settings_context(digests, sub, token)
    if confirmed:
        context["notice"] = "Subscription confirmed. Your first digest comes with the next one."
    # Topics asked for by a subscribe request on this address ("already subscribed" mail):
    # shown ready to add; nothing changes until the owner saves.
    proposed = []
    for text in add or []:
        try:
            proposed.append(parse_topic(text))
        except InvalidInput:
            continue
    have = set(sub.topics or [])
    new = [t for t in proposed if str(t) not in have]
    if new:
        context["searches"] += [t.value for t in new if t.kind == "search"]
        extra = "\n".join(str(t) for t in new if t.kind != "search")
        context["keywords"] = "\n".join(x for x in (context["keywords"], extra) if x)
        context["notice"] = "Save to add: " + ", ".join(t.label for t in new) + "."
    return render(request, "digest_settings.html", context)


@router.post("/digest/settings/{token}", include_in_schema=False)
def update_settings(
    request: Request,
    digests: Digests,
    token: str,
    frequency: Frequency = "daily",
    topics: TopicLines = "",
    search: Annotated[list[str] | None, Form(max_length=250)] = None,
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    try:
        if action == "resume":
            sub = digests.update(token, resume=True)
            notice = "Digests resumed."
        else:
            wanted = _topics(topics) + [f"search:{q}" for q in search or [] if q.strip()]
            sub = digests.update(token, frequency=frequency, topics=wanted)
            notice = "Saved."
    except BadToken as exc:
        return _link_problem(request, exc)
    except InvalidInput as exc:
        sub = digests.subscription("manage", token)
        context = {**_settings_context(digests, sub, token), "error": str(exc)}
        return render(request, "digest_settings.html", context, status_code=400)
    context = {**_settings_context(digests, sub, token), "notice": notice}
    return render(request, "digest_settings.html", context)


@router.get("/digest/unsubscribe/{token}")
def unsubscribe_page(request: Request, digests: Digests, token: str) -> Response:
    try:
        sub = digests.subscription("unsubscribe", token)
    except BadToken as exc:
        return _link_problem(request, exc)
    return render(request, "digest_unsubscribe.html", {"sub": sub, "token": token, "done": False})


@router.post("/digest/unsubscribe/{token}", include_in_schema=False)
@csrf_exempt
def unsubscribe(request: Request, digests: Digests, token: str) -> Response:
    """RFC 8058 one-click: no login, no CSRF token (the signed link is the credential)."""
    try:
        sub = digests.unsubscribe(token)
    except BadToken as exc:
        return _link_problem(request, exc)
    context = {"sub": sub, "token": token, "done": True}
    return render(request, "digest_unsubscribe.html", context)


@router.post("/digest/alerts", dependencies=[Depends(_limit)], include_in_schema=False)
def save_alert(
    request: Request,
    digests: Digests,
    user: OptionalUser,
    q: Annotated[str, Form(max_length=250)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    email: Email = "",
    next: Text = "/search",
) -> Response:
    """ "Save as alert" from the search page: one click when logged in."""
    query = " ".join(
        part for part in (q.strip(), f"cat:{category.strip()}" * bool(category.strip())) if part
    )
    try:
        if user is not None and (user.email or not email):
            result = digests.add_topic_for_user(user.id, user.email, f"search:{query}")
        else:
            result = digests.subscribe(email=email, topics=[f"search:{query}"])
    except InvalidInput as exc:
        context = {"query": query, "error": str(exc), "next": safe_next(next, "/search")}
        return render(request, "digest_alert.html", context, status_code=400)
    except MailError:
        context = {
            "query": query,
            "next": safe_next(next, "/search"),
            "error": "we could not send the confirmation mail just now; try again later",
        }
        return render(request, "digest_alert.html", context, status_code=503)
    context = {"query": query, "result": result, "next": safe_next(next, "/search")}
    return render(request, "digest_alert.html", context)


@router.get("/digest/preview")
def preview(request: Request, digests: Digests, user: CurrentUser, period: str = "") -> Response:
    sub = digests.preview_subscription(user)
    digest, cards = digests.preview(sub, period=period or None)
    context = {"sub": sub, "digest": digest, "cards": cards, "period": digest.window.period}
    return render(request, "digest_preview.html", context)


@router.get("/digest/preview.html")
def preview_mail(digests: Digests, user: CurrentUser, period: str = "") -> Response:
    """The preview's mail exactly as sent (inlined CSS), for the frame on /digest/preview."""
    sub = digests.preview_subscription(user)
    digest, cards = digests.preview(sub, period=period or None)
    html = digests.renderer.digest_html(sub, digest.content(), cards)
    headers = {"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(html, headers=headers)


@router.get("/for-you")
def for_you_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    picks, cards = for_you(session, user.id)
    reasons = dict(zip(picks.paper_ids, picks.reasons, strict=True))
    context = {
        "cards": cards,
        "reasons": reasons,
        "saved": saved_ids(session, user.id, picks.paper_ids),
        "signals": summary(session, user.id),
        "active": "for-you",
    }
    return render(request, "for_you.html", context)


@router.get("/saved")
def saved_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The papers the user saved for later (their default collection), newest saved first."""
    from dailypapers.library.collections import default_collection

    cards = load_cards(session, saved_papers(session, user.id), user_id=user.id)
    collection = default_collection(session, user.id)
    context = {"cards": cards, "active": "saved", "collection": collection}
    return render(request, "saved.html", context)


@router.post("/papers/{arxiv_id:path}/save", dependencies=[WriteLimit], include_in_schema=False)
def save_paper(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    arxiv_id: str,
    saved: Annotated[str, Form(pattern="^(0|1)$", max_length=1)] = "1",
    next: Text = "",
) -> Response:
    """Save a paper for later (or drop it): what "For you" learns from, with upvotes."""
    paper = get_paper(session, arxiv_id, viewer=user)
    set_saved(session, user, paper, saved == "1")
    session.commit()
    if wants_json(request):  # the button's fetch (site.js): no page reload
        return JSONResponse({"id": paper.arxiv_id, "saved": saved == "1"})
    return RedirectResponse(safe_next(next, f"/papers/{paper.arxiv_id}"), status_code=303)

"""The HTML pages, through the in-process client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from dailypapers.store.models import Paper


def titles_in_order(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"><a href="/papers/([^"]+)"', html)


def test_home_shows_the_latest_day_most_upvoted_first(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "<title>Daily Papers</title>" in response.text
    assert titles_in_order(response.text) == ["2501.00006", "2501.00005"]
    assert "Tuesday, January 7, 2025" in response.text


def test_day_page_links_skip_the_empty_weekend(client):
    html = client.get("/date/2025-01-06").text
    assert titles_in_order(html) == ["2501.00003", "2501.00004"]
    assert 'rel="prev" href="/date/2025-01-03"' in html
    assert 'rel="next" href="/date/2025-01-07"' in html
    assert "<title>Monday, January 6, 2025 · Daily Papers</title>" in html


def test_an_empty_day_says_so_and_still_links_to_neighbours(client):
    html = client.get("/date/2025-01-04").text
    assert "No papers were featured on this day" in html
    assert 'href="/date/2025-01-03"' in html and 'href="/date/2025-01-06"' in html


def test_week_and_month_pages(client):
    week = client.get("/week/2025-W02").text
    assert titles_in_order(week) == ["2501.00003", "2501.00006", "2501.00005", "2501.00004"]
    month = client.get("/month/2025-01").text
    assert len(titles_in_order(month)) == 6
    assert titles_in_order(month)[0] == "2501.00002"
    assert client.get("/week", follow_redirects=False).headers["location"] == "/week/2025-W02"
    assert client.get("/month", follow_redirects=False).headers["location"] == "/month/2025-01"


def test_sort_by_published(client):
    html = client.get("/month/2025-01?sort=published").text
    assert titles_in_order(html)[0] in {"2501.00005", "2501.00006"}
    assert client.get("/month/2025-01?sort=nonsense").status_code == 422


def test_trending_says_how_it_ranks_and_decays_old_votes(client):
    html = client.get("/trending").text
    assert "Ranked by upvotes, weighted toward recent days" in html  # the formula: docs/site.md
    order = titles_in_order(html)
    # 9 votes today beats 40 votes four days ago: 9 / 1 > 40 / 5^1.5.
    assert order.index("2501.00006") < order.index("2501.00002")


def test_paper_page_shows_everything(client):
    response = client.get("/papers/2501.00003")
    assert response.status_code == 200
    html = response.text
    assert "<title>Retrieval-Augmented Agents · Daily Papers</title>" in html
    # Every author, in order, each a link to their papers.
    text = re.sub(r"<[^>]+>", "", html)
    assert "Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov" in text
    assert 'href="/authors/Ada%20Lovelace"' in html
    assert "We study retrieval-augmented agents." in html
    for piece in (
        'href="https://arxiv.org/abs/2501.00003"',
        'href="https://arxiv.org/pdf/2501.00003"',
        'href="https://github.com/example/code"',
        "cs.LG",
        "v2",
        "Jan 6, 2025",
        '<meta property="og:title" content="Retrieval-Augmented Agents">',
        'property="og:description"',
        'id="comments"',
    ):
        assert piece in html, piece
    # A versioned id or an arXiv URL reaches the same page.
    assert client.get("/papers/2501.00003v2").status_code == 200


def test_unknown_paper_is_a_friendly_404_offering_to_submit_it(client):
    response = client.get("/papers/2501.99999")
    assert response.status_code == 404
    assert "Submit it" in response.text and 'value="2501.99999"' in response.text
    assert client.get("/papers/not-an-id").status_code == 404


def test_bad_dates_are_400_pages_not_errors(client):
    for path in ("/date/2025-02-30", "/date/yesterday", "/week/2025-W60", "/month/2025-13"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "text/html" in response.headers["content-type"]


def test_unknown_address_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.text


def test_hidden_papers_leave_the_listings(app, client):
    with app.state.store.session() as session:
        session.query(Paper).filter_by(arxiv_id="2501.00006").update({"hidden": True})
    assert titles_in_order(client.get("/").text) == ["2501.00005"]
    assert client.get("/papers/2501.00006").status_code == 404


def test_security_headers_and_escaping(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "<script>" not in client.get("/date/<script>").text


def test_static_files_and_docs_are_served_locally(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "max-age" in css.headers["cache-control"]
    assert client.get("/static/site.js").status_code == 200
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/api/daily_papers" in schema["paths"]
    # Pages are documented (as text/html); their POST forms are not.
    assert set(schema["paths"]["/login"]) == {"get"}


def test_date_picker_jumps_to_a_day(client):
    response = client.get("/date?d=2025-01-03", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/date/2025-01-03"
    assert client.get("/date?d=not-a-day").status_code == 400
    assert 'type="date" name="d" value="2025-01-07"' in client.get("/").text


def test_paper_page_offers_save_for_later_to_a_logged_in_reader(client, alice):
    assert "Save for later" in client.get("/papers/2501.00003").text
    saved = client.post(
        "/papers/2501.00003/save",
        data={"saved": "1", "next": "/papers/2501.00003", "csrf_token": alice},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Saved ✓" in saved.text


def test_paper_page_has_no_save_button_for_visitors(client):
    assert "Save for later" not in client.get("/papers/2501.00003").text


def test_head_is_answered_like_get_without_a_body(client):
    get = client.get("/papers/2501.00003")
    head = client.head("/papers/2501.00003")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/papers/2501.99999").status_code == 404

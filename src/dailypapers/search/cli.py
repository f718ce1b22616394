"""`dailypapers search "query"` and `dailypapers search-index` (catch up or rebuild)."""

from __future__ import annotations

import json
from datetime import date

import typer

from dailypapers.cli_support import fail, store
from dailypapers.errors import DailyPapersError


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"--{name} wants a date like 2024-05-31, not {value!r}") from None


app = typer.Typer()  # mounted by the root command line (dailypapers/cli.py)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help='Words, "phrases", -exclude, author:, cat:, since:…'),
    limit: int = typer.Option(20, "--limit", "-n", help="How many results (1-120)."),
    offset: int = typer.Option(0, "--offset", help="Skip this many results."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, lexical or semantic."),
    sort: str = typer.Option("relevance", "--sort", help="relevance, date or votes."),
    since: str = typer.Option(None, "--since", help="Listed or published on or after."),
    until: str = typer.Option(None, "--until", help="Listed or published on or before."),
    category: str = typer.Option(None, "--category", help="An arXiv category, e.g. cs.CL."),
    has_code: bool = typer.Option(None, "--has-code/--no-code", help="Only papers with code."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Search papers (bm25 + embeddings) and print the best matches."""
    from dailypapers.search.service import search_papers
    from dailypapers.store.models import Paper

    db = store()
    try:
        page = search_papers(
            db,
            query,
            limit=limit,
            offset=offset,
            mode=mode,  # type: ignore[arg-type]
            sort=sort,  # type: ignore[arg-type]
            since=_date(since, "since"),
            until=_date(until, "until"),
            category=category,
            has_code=has_code,
        )
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    with db.session() as session:
        papers = {
            p.id: p
            for p in session.query(Paper).filter(Paper.id.in_([h.paper_id for h in page.hits]))
        }
        rows = []
        for hit in page.hits:
            paper = papers[hit.paper_id]
            rows.append(
                {
                    "id": hit.arxiv_id,
                    "title": paper.title,
                    "score": round(hit.score, 6),
                    "why": hit.why,
                    "authors": paper.authors,
                    "published_at": paper.published_at.isoformat() if paper.published_at else None,
                    "withdrawn": hit.withdrawn,
                    "url": paper.abs_url,
                }
            )
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no papers found")
        return
    for number, row in enumerate(rows, start=offset + 1):
        mark = " [withdrawn]" if row["withdrawn"] else ""
        typer.echo(f"{number:>3}. {row['id']:<12} {row['title']}{mark}")
        if row["why"]:
            typer.echo(f"     {row['score']:.3f}  matched: {', '.join(row['why'])}")
    typer.echo(f"{page.total:,}{'' if page.total_exact else '+'} matching papers")


@app.command("search-index")
def search_index_command(
    rebuild: bool = typer.Option(False, "--rebuild", help="Build the keyword index from scratch."),
) -> None:
    """Catch the keyword (bm25) index up with the database, or rebuild it."""
    from dailypapers.search.lexical.registry import lexical_index

    db = store()
    index = lexical_index(db)
    try:
        if rebuild:
            count = index.rebuild(db, progress=True)
            typer.echo(f"keyword index rebuilt: {count:,} papers")
        else:
            from dailypapers.search.health import check_at_start

            state = check_at_start(db)  # a damaged index is rebuilt, with a message
            if state.startswith("rebuilt"):
                typer.echo(f"keyword index was damaged and has been {state}")
            else:
                count = index.sync(db)
                typer.echo(f"keyword index current ({count:,} papers re-indexed)")
    except DailyPapersError as exc:
        raise fail(str(exc)) from None
    except RuntimeError as exc:  # another process holds the writer
        raise fail(f"the keyword index is busy: {exc}") from None

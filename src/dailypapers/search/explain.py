"""Why a hit matched: the query words found in it, a name match, the arXiv id, or "semantic"."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dailypapers.search import analysis
from dailypapers.store.id_lists import among, for_dialect
from dailypapers.store.models import Paper

if TYPE_CHECKING:
    from dailypapers.search.fusion import Candidate
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store


@dataclass
class SearchHit:
    paper_id: int
    arxiv_id: str
    score: float
    why: list[str] = field(default_factory=list)  # matched words, "author …", "semantic"…
    withdrawn: bool = False  # withdrawn papers stay findable, marked


def query_stems(query: ParsedQuery) -> tuple[set[str], set[str]]:
    """Stems and name tokens worth highlighting for this query."""
    stems: set[str] = set()
    names: set[str] = set()
    for text in (*query.terms, *query.phrases):
        stems.update(analysis.text_tokens(text))
        names.update(analysis.name_tokens(text))
    for author in query.authors:
        names.update(analysis.name_tokens(author))
    return stems, names


# Reads a page's rows by id: each has id, arxiv_id, title, abstract, authors, withdrawn and
# hidden (a caller that loads the page's cards anyway passes them, sparing a second read).
RowLoader = Callable[[list[int]], Mapping[int, Any]]

_rows = for_dialect(
    lambda postgresql: select(
        Paper.id,
        Paper.arxiv_id,
        Paper.title,
        Paper.abstract,
        Paper.authors,
        Paper.withdrawn,
        Paper.hidden,
    ).where(among(Paper.id, postgresql))
)


def explain(
    store: Store,
    query: ParsedQuery,
    page: Sequence[Candidate],
    *,
    semantic_ids: set[int],
    lexical_ids: set[int],
    pinned: int | None,
    rows: RowLoader | None = None,
    related: Sequence[str] = (),
) -> tuple[list[SearchHit], set[str], set[str]]:
    """Each hit of `page` with why it matched: the query's words it holds (or names among its
    authors), the `related` words the keyword half also asked that it holds, "semantic"."""
    stems, names = query_stems(query)
    found = (rows or (lambda ids: _read_rows(store, ids)))([c.paper_id for c in page])
    # Each query word's stems and name tokens, worked out once for the whole page.
    words = [
        (word, set(analysis.text_tokens(word)), set(analysis.name_tokens(word)))
        for word in (*query.phrases, *query.terms)
    ]
    asked = {s for _, word_stems, _ in words for s in word_stems}
    also = [(word, set(analysis.text_tokens(word))) for word in related]
    asked |= {s for _, word_stems in also for s in word_stems}
    hits = []
    for candidate in page:
        row = found.get(candidate.paper_id)
        if row is None or row.hidden:  # deleted or hidden since it was indexed
            continue
        why: list[str] = []
        if candidate.paper_id == pinned:
            why.append("arXiv id")
        if candidate.paper_id in lexical_ids or not semantic_ids:
            text = analysis.stems_in(f"{row.title} {row.abstract or ''}", asked)
            people: set[str] | None = None  # the authors' name tokens, read only if needed
            for word, word_stems, word_names in words:
                if word_stems and word_stems <= text:
                    why.append(word)
                elif word_names:
                    if people is None:
                        people = {t for a in row.authors or [] for t in analysis.name_tokens(a)}
                    if word_names & people:
                        why.append(f"author {word}")
            why.extend(f"related {w}" for w, stems_of in also if stems_of and stems_of <= text)
            why.extend(f"author {a}" for a in query.authors)
            why.extend(f"cat:{c}" for c in query.categories)
        if candidate.paper_id in semantic_ids:
            why.append("semantic")
        hits.append(
            SearchHit(row.id, row.arxiv_id, candidate.score, why, withdrawn=bool(row.withdrawn))
        )
    return hits, stems, names


def _read_rows(store: Store, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    with store.session() as session:
        return {row.id: row for row in session.execute(_rows(session), {"ids": ids})}

"""bm25 in SQL over the weighted tsvector (PostgreSQL mode's ranking).

`ts_rank` is not bm25: it has no idf, and its term frequency saturates after the first
occurrence, so a paper that repeats a common word ranked beside one with the rare word the user
typed, and PostgreSQL's keyword ranking stayed well below tantivy's on benchmarks/relevance.py.
Here each matched paper's score is, per query word (or phrase), idf × tf·(k1 + 1) /
(tf + k1·(1 − b + b·length / average length)) — BM25F: tf adds the word's occurrences in the
title, authors and abstract weighted by field (the positions and weights the tsvector keeps),
length is the paper's number of distinct lexemes. idf and the average length come from
`pg_stats.TermStats`; every value is a bound parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.search.lexical.pg_query import Builder

K1 = 1.2
B = 0.75


def bm25_sql(
    b: Builder,
    lexemes: list[tuple[list[str], int]],
    idf: list[float],
    weights: tuple[float, float, float],
    average_length: float,
) -> str:
    """A scalar SQL expression: the bm25 score of the row `p` for the query's units.

    `lexemes[i]` are unit i's lexemes and how many stemmed words it has (a phrase's tf is the
    mean over its words); `weights` are the title (A), authors (B) and abstract (C) weights.
    """
    names: list[str] = []
    units: list[int] = []
    for number, (words, _) in enumerate(lexemes, start=1):
        for word in words:
            names.append(word)
            units.append(number)
    if not names:
        return "0.0"
    lex, unit = b.bind(names), b.bind(units)
    idfs, counts = b.bind([float(x) for x in idf]), b.bind([float(n) for _, n in lexemes])
    wa, wb, wc = (b.bind(float(w)) for w in weights)
    average = b.bind(float(average_length))
    # Only fixed fragments and parameter names are formatted in; every value is bound.
    field_tf = (
        f"(SELECT sum(CASE w WHEN 'A' THEN :{wa} WHEN 'B' THEN :{wb} WHEN 'C' THEN :{wc}"  # noqa: S608
        " ELSE 0 END) FROM unnest(v.weights) w)"
    )
    norm = f"{K1} * (1 - {B} + {B} * length(p.search_tsv) / :{average})"
    return (
        f"(SELECT coalesce(sum(t.idf * t.tf * {K1 + 1} / (t.tf + {norm})), 0)"  # noqa: S608
        f" FROM (SELECT (CAST(:{idfs} AS float8[]))[x.unit] AS idf,"
        f" sum({field_tf}) / (CAST(:{counts} AS float8[]))[x.unit] AS tf"
        " FROM unnest(p.search_tsv) v"
        f" JOIN unnest(CAST(:{lex} AS text[]), CAST(:{unit} AS int[])) AS x(lexeme, unit)"
        " ON x.lexeme = v.lexeme GROUP BY x.unit) t)"
    )

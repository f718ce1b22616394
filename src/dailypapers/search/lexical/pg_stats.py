"""Corpus statistics bm25 needs on PostgreSQL, cheaply: document frequencies, size, lengths.

A common word's document frequency comes from the planner's statistics (after ANALYZE,
`pg_stats.most_common_elems` of `search_tsv` lists the most common lexemes with the share of
rows holding each), since counting it would read much of the table; a rare word's is counted
through the GIN index (its posting list is short), all of a query's rare words in one statement.
Everything is cached for a while: the figures only scale scores, they need not be exact.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

DF_TTL = 600.0  # seconds a document frequency (and the average length) is reused
SIZE_TTL = 60.0  # seconds the paper count is reused (it only scales idf)
LEXEME_CACHE = 10_000  # words whose lexemes are remembered (they never change)
_df_cache: dict[tuple[str, str, str], tuple[int, float]] = {}
_mce_cache: dict[str, tuple[dict[str, float], float]] = {}
_size_cache: dict[str, tuple[int, float]] = {}
_length_cache: dict[str, tuple[float, float]] = {}
_lexeme_cache: dict[str, tuple[list[str], int]] = {}

Execute = Callable[..., list]


class TermStats:
    """Statistics of one database, read through `execute(sql, params, use_index=False)`."""

    def __init__(self, url: str, execute: Execute) -> None:
        self.url = url
        self.execute = execute

    def idf(self, units: list[tuple[str, str]], params: dict[str, Any]) -> list[float]:
        """bm25's idf of each word or phrase (tsquery SQL, text), from cached frequencies."""
        documents = self.documents()
        now = time.monotonic()
        keys = [(self.url, sql.split("'")[1], text_) for sql, text_ in units]
        missing = [i for i, key in enumerate(keys) if _df_cache.get(key, (0, 0.0))[1] < now]
        if missing:
            found = self._frequencies([units[i] for i in missing], params, documents)
            for i, df in zip(missing, found, strict=True):
                _df_cache[keys[i]] = (df, now + DF_TTL)
        return [
            math.log(1 + (documents - df + 0.5) / (df + 0.5))
            for df in (_df_cache[key][0] for key in keys)
        ]

    def lexemes(self, texts: list[str]) -> list[tuple[list[str], int]]:
        """Each text's lexemes as the tsvector holds them, stemmed (english) and as written
        (simple, for author names), distinct, with how many stemmed ones there are (a phrase's
        term frequency is the average over its words)."""
        missing = sorted({t for t in texts if t not in _lexeme_cache})
        if missing:
            rows = self.execute(
                "SELECT t.v, tsvector_to_array(to_tsvector('english', t.v)),"
                " tsvector_to_array(to_tsvector('simple', t.v))"
                " FROM unnest(CAST(:texts AS text[])) AS t(v)",
                {"texts": missing},
            )
            if len(_lexeme_cache) > LEXEME_CACHE:
                _lexeme_cache.clear()
            for value, english, simple in rows:
                both = [*english, *(s for s in simple if s not in english)]
                _lexeme_cache[value] = (both, max(1, len(english)))
        return [_lexeme_cache[t] for t in texts]

    def average_length(self) -> float:
        """The mean number of distinct lexemes per paper (bm25's average document length),
        from a 1 % sample once the table is large."""
        cached = _length_cache.get(self.url)
        if cached is None or cached[1] < time.monotonic():
            sample = "TABLESAMPLE SYSTEM (1)" if self.documents() > 100_000 else ""
            row = self.execute(
                f"SELECT avg(length(search_tsv)) FROM papers {sample}",  # noqa: S608
                {},
            )
            average = float(row[0][0] or 0.0) if row else 0.0
            cached = (average or 100.0, time.monotonic() + DF_TTL)
            _length_cache[self.url] = cached
        return cached[0]

    def documents(self) -> int:
        """How many papers there are (the planner's estimate once the table is big), cached."""
        cached = _size_cache.get(self.url)
        if cached is None or cached[1] < time.monotonic():
            estimate = self.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = 'papers'", {}
            )
            if estimate and estimate[0][0] and estimate[0][0] > 100_000:
                size = int(estimate[0][0])
            else:
                size = int(self.execute("SELECT count(*) FROM papers", {})[0][0])
            cached = (size, time.monotonic() + SIZE_TTL)
            _size_cache[self.url] = cached
        return cached[0]

    def _frequencies(
        self, units: list[tuple[str, str]], params: dict[str, Any], documents: int
    ) -> list[int]:
        """Document frequencies in two round trips at most, whatever the number of words."""
        found: list[int | None] = [None] * len(units)
        common = self._most_common()
        if common:
            rows = self.execute(
                "SELECT t.n, array(SELECT lexeme FROM unnest(to_tsvector('english', t.v)))"
                " FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS t(v, n)",
                {"texts": [text_ for _, text_ in units]},
            )
            for number, lexemes in rows:
                shares = [common.get(lexeme) for lexeme in lexemes or []]
                if shares and all(share is not None for share in shares):
                    # A phrase is at most as common as its rarest word.
                    found[number - 1] = int(min(shares) * documents)
        rest = [i for i, df in enumerate(found) if df is None]
        if rest:
            counts = ", ".join(
                f"count(*) FILTER (WHERE p.search_tsv @@ ({units[i][0]}))" for i in rest
            )
            either = " || ".join(f"({units[i][0]})" for i in rest)
            names = {n for i in rest for n in re.findall(r":(p\d+)", units[i][0])}
            row = self.execute(
                f"SELECT {counts} FROM papers p WHERE p.search_tsv @@ ({either})",  # noqa: S608
                {n: params[n] for n in names},
                use_index=True,
            )[0]
            for i, count in zip(rest, row, strict=True):
                found[i] = int(count)
        return [int(df or 0) for df in found]

    def _most_common(self) -> dict[str, float]:
        cached = _mce_cache.get(self.url)
        if cached is None or cached[1] < time.monotonic():
            rows = self.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
                " WHERE tablename = 'papers' AND attname = 'search_tsv'",
                {},
            )
            common: dict[str, float] = {}
            if rows and rows[0][0]:
                common = dict(zip(rows[0][0], rows[0][1], strict=False))
            cached = (common, time.monotonic() + DF_TTL)
            _mce_cache[self.url] = cached
        return cached[0]

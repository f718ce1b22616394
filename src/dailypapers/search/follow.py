"""Derived indexes follow the store: apply every change after the number each has applied.

Writers (importers, the submit form, moderation) call `catch_up` after they commit — a plain
call, not an event: nothing in the store knows about these indexes. Running it again, in any
process, on any machine, is harmless: each index applies only what it has not.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dailypapers.search.lexical.base import WriterBusy
from dailypapers.search.lexical.registry import lexical_index
from dailypapers.search.vectors.indexing import catch_up_small

if TYPE_CHECKING:
    from dailypapers.store.db import Store
    from dailypapers.store.records import UpsertResult

log = logging.getLogger(__name__)


def catch_up(
    store: Store, result: UpsertResult | None = None, *, final: bool = True, vectors: bool = True
) -> int:
    """Bring the keyword index current (and the vectors, when few papers wait); returns how
    many papers the keyword index applied.

    `result` (the batch just committed) lets the keyword index take its new rows as written;
    `final=False` (inside a bulk import) lets it commit a moment later, beside the importer.
    A failure is logged, never raised: the papers are saved and the next catch-up retries.
    """
    applied = 0
    try:
        applied = lexical_index(store).catch_up(store, result, final=final)
    except WriterBusy:
        log.info("keyword index: another process is writing; it catches up")
    except Exception:
        log.exception("keyword index: catch-up failed; the next one (or a rebuild) repairs it")
    if vectors:
        catch_up_small(store)
    return applied

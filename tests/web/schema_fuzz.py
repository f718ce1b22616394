"""Shared by the schema fuzz test and benchmarks/fuzz_api.py: a site seeded with the demo data.

The bundled demo data (1,986 real Hugging Face daily papers) is what the schema's examples
(web/openapi_docs.py) name, so examples reach real papers, days, weeks and months.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode

import dailypapers
from dailypapers.accounts.users import create_user
from dailypapers.config import Settings
from dailypapers.ingest.pipeline import import_files, plan_import
from dailypapers.store.db import open_store
from dailypapers.web.app import create_app

DEMO = Path(dailypapers.__file__).parent / "demo" / "hf_daily_papers_demo.jsonl.gz"

# What a request that fits the schema may be answered with. The schema gives formats, not
# calendars or the query language: "2025-02-30" fits YYYY-MM-DD and `"open quote` fits a string,
# so a documented 400 with a message is the right answer to them, not a rejected valid request.
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "410", "429"]
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}


def seeded_site(settings: Settings) -> FastAPI:
    """The site over `settings`' (migrated) database, with the demo papers and a user."""
    # No inline embedding: 2,000 papers through MiniLM would take minutes; search still works
    # (the semantic half finds no vectors and the keyword half answers).
    settings = settings.model_copy(update={"embed_inline_max": 0})
    store = open_store(settings, migrate_schema=True)
    import_files(store, plan_import([DEMO]), zone=settings.zone, batch_size=1000)
    with store.session() as session:
        create_user(session=session, username="alice", password="correct horse")
    store.dispose()
    return create_app(settings)


def schema_of(app: FastAPI) -> schemathesis.schemas.BaseSchema:
    config = schemathesis.config.SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


@dataclass
class Outcome:
    """What one run checked: requests per operation, status codes seen, failures found."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def fuzz(
    schema: schemathesis.schemas.BaseSchema, *, max_examples: int, seed: int | None = 0
) -> Outcome:
    """Every operation: its examples, then valid and invalid generated requests, all checks."""
    outcome = Outcome()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        strategies = [
            *operation.get_strategies_from_examples(),
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]

        check = _checker(outcome, label)
        for strategy in strategies:
            test = settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=seed is not None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                verbosity=Verbosity.quiet,
            )(given(strategy)(check))
            try:
                test()
            except Unsatisfiable:  # no invalid value exists (a free-text path segment)
                outcome.unsatisfiable.append(label)
            except (Exception, BaseExceptionGroup) as exc:  # keep going, report them all
                outcome.failures.setdefault(label, _describe(exc))
    return outcome


def _checker(outcome: Outcome, label: str):  # noqa: ANN202
    def check(case: Case) -> None:
        response = case.call_and_validate()
        outcome.requests[label] += 1
        outcome.statuses[response.status_code] += 1

    return check


def _describe(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    for inner in getattr(exc, "exceptions", ()):  # schemathesis groups one failure per check
        parts.append(f"  {type(inner).__name__}: {inner}")
    return "\n".join(parts)[:3000]

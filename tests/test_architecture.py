"""The package's rooms and the one-way flow between them (docs/architecture.md), from its imports.

Imports under `if TYPE_CHECKING:` are left out: they never run, so they make no cycle.
"""

from __future__ import annotations

import grimp
import pytest

P = "dailypapers"
AREAS = (
    "accounts",
    "community",
    "digest",
    "feed",
    "ingest",
    "jobs",
    "library",
    "rank",
    "search",
    "store",
    "web",
)
SERVICE = (
    "service",
    "fusion",
    "completion",
    "explain",
    "similar",
    "semantic",
    "follow",
    "health",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(P, cache_dir=None, exclude_type_checking_imports=True)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycles_among_the_modules(graph):
    assert _cycles(graph) == []


@pytest.mark.parametrize("area", [a for a in AREAS if a != "store"])
def test_the_store_imports_no_area(graph, area):
    assert graph.find_shortest_chain(f"{P}.store", f"{P}.{area}", as_packages=True) is None


@pytest.mark.parametrize("area", AREAS)
def test_no_area_imports_the_command_line_or_the_server(graph, area):
    for top in ("cli", "server"):
        assert graph.find_shortest_chain(f"{P}.{area}", f"{P}.{top}", as_packages=True) is None


def test_web_imports_no_ingest_module(graph):
    assert (
        graph.find_matching_direct_imports(import_expression=f"{P}.web.** -> {P}.ingest.**") == []
    )


def test_web_knows_no_scheduled_jobs(graph):
    assert graph.find_shortest_chain(f"{P}.web", f"{P}.jobs", as_packages=True) is None


@pytest.mark.parametrize("room", ["lexical", "vectors", "embed"])
def test_search_implementations_do_not_import_the_service_layer(graph, room):
    for module in SERVICE:
        chain = graph.find_shortest_chain(
            f"{P}.search.{room}", f"{P}.search.{module}", as_packages=True
        )
        assert chain is None, chain


@pytest.mark.parametrize("protocol", ["search.lexical.base", "search.vectors.base"])
def test_a_protocol_imports_none_of_its_implementations(graph, protocol):
    imported = graph.find_modules_directly_imported_by(f"{P}.{protocol}")
    room = protocol.rsplit(".", 1)[0]
    assert {m for m in imported if m.startswith(f"{P}.{room}.")} == set()


SIZE_LIMIT = 300  # lines: a module longer than this is several rooms (docs/architecture.md)
SIZE_NOTE_LINES = 10  # a `# size: <reason>` note must be this near the top to be seen
# Modules being split on a branch not yet merged may be named here, each with its branch.
SPLIT_ELSEWHERE: set[str] = set()


def _oversized_without_note() -> list[str]:
    from pathlib import Path

    import dailypapers

    root = Path(dailypapers.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("store/migrations/versions/") or name in SPLIT_ELSEWHERE:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) <= SIZE_LIMIT:
            continue
        head = lines[:SIZE_NOTE_LINES]
        if not any(line.startswith("# size:") and line[len("# size:") :].strip() for line in head):
            found.append(f"{name} ({len(lines)} lines)")
    return found


def test_no_module_over_the_size_limit_without_a_note_saying_why():
    oversized = _oversized_without_note()
    assert not oversized, (
        f"modules over {SIZE_LIMIT} lines: split them by what they do, or put a "
        f"'# size: <reason>' line in their first {SIZE_NOTE_LINES} lines: {oversized}"
    )

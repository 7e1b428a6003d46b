"""Apps depend downwards only: no two of our packages import each other, directly or through
others. Every import counts, at module level or inside a function, so a cycle cannot hide in a
lazy import. Tests are left out (a test may use any app's factories)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _our_packages() -> set[str]:
    names = {config.name.split(".")[0] for config in apps.get_app_configs()}
    return {name for name in names if (ROOT / name / "__init__.py").exists()} - {"tests"}


def _imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found - {package}


def import_graph() -> dict[str, set[str]]:
    ours = _our_packages()
    graph: dict[str, set[str]] = {name: set() for name in ours}
    for package in ours:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            graph[package] |= _imports(path, package) & ours
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (a → b → a), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_two_apps_import_each_other():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle between apps: " + " → ".join(cycle)


def test_the_base_layer_imports_no_app():
    assert import_graph()["core"] == set()


def test_the_walk_sees_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None

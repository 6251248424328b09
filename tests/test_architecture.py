"""The house has one direction: feature packages import downwards, never back and forth.

Basic records and helpers (the modules directly in ``website/``, ``audit``, ``policy``,
``consents``, ``mail``, ``clients``) sit at the bottom, the features above them, and the
aggregates over every feature (the privacy centre, the back office) on top. A package that
imports one which (directly or through others) imports it back is a cycle: this test names it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import website

ROOT = Path(website.__file__).parent
PACKAGES = {path.parent.name for path in ROOT.glob("*/__init__.py")}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute or relative, also under TYPE_CHECKING."""
    module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
    package = (
        module.rsplit(".", 1)[0] if path.name != "__init__.py" else module[: -len(".__init__")]
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    """Which feature package imports which other one."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        source = path.relative_to(ROOT).parts[0]
        if source not in PACKAGES:
            continue
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] == "website" and len(parts) > 1 and parts[1] in PACKAGES - {source}:
                graph[source].add(parts[1])
    return graph


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in sorted(graph.get(node, ())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_the_graph_sees_imports() -> None:
    """The graph is read from the code: the back office imports the invoices."""
    graph = package_graph()
    assert "invoices" in graph["admin"]
    assert {"admin", "privacy", "mollie_sandbox"} <= PACKAGES


def test_no_feature_package_imports_one_that_imports_it_back() -> None:
    graph = package_graph()
    cycles = {" -> ".join(cycle) for name in sorted(graph) if (cycle := cycle_from(graph, name))}
    assert cycles == set()


def test_a_cycle_is_found() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert cycle_from({"a": {"b"}, "b": {"c"}}, "a") is None


def test_templates_compare_enum_members_not_stored_strings() -> None:
    """``invoice.status == InvoiceStatus.DRAFT``, not ``invoice.status.value == 'draft'``: a
    renamed or removed member then fails loudly instead of never matching."""
    templates = ROOT.parent / "templates"
    found = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in templates.rglob("*.*")
        if "mollie_sandbox" not in path.parts  # the sandbox speaks Mollie's strings
        for match in re.finditer(r"\.value\s*(?:==|!=|in)\s*\S+", path.read_text())
    ]
    assert found == []

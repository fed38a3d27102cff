"""DESIGN.md §3: the API and the CLI call the service, never the store or SQL directly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "wellclear"
FORBIDDEN = ("wellclear.store", "sqlalchemy", "alembic")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted([*(SRC / "api").glob("*.py"), *(SRC / "cli").glob("*.py")]), ids=lambda p: p.name
)
def test_thin_layers_do_not_reach_the_store(path):
    reached = {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
    assert reached == set()

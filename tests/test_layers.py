"""The pure layers import no web, SQL, CLI or network code (DESIGN.md §3)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# (not `socket`: pyproj itself imports it for its optional network grids, never used here)
FORBIDDEN = ("fastapi", "sqlalchemy", "typer", "rich", "httpx", "uvicorn", "wellclear.cli")


@pytest.mark.parametrize(
    "module",
    ["wellclear.model", "wellclear.geo.frames", "wellclear.geo.shapes", "wellclear.strategic",
     "wellclear.ingest"],
)  # fmt: skip
def test_pure_layer_imports_nothing_forbidden(module):
    probe = f"import sys, {module}; print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

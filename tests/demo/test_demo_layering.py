"""The demo is a client of the API: it reaches the service only over HTTP (DESIGN.md §3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).parents[2] / "src" / "wellclear" / "demo"
FORBIDDEN = ("wellclear.service", "wellclear.store", "wellclear.api", "wellclear.cli",
             "sqlalchemy", "fastapi", "uvicorn", "alembic")  # fmt: skip


@pytest.mark.parametrize("module", sorted(p.stem for p in DEMO.glob("*.py")))
def test_demo_modules_import_neither_service_nor_store(module):
    probe = (
        f"import sys, wellclear.demo.{module}; "
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_other_commands_do_not_load_the_demo():
    # `wellclear --help` must not pay for OpenAP (pandas, scipy) or need it installed.
    probe = "import sys, wellclear.cli; print('openap' in sys.modules, 'httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"

"""The ``wellclear`` command line: thin commands over the engines.

Exit codes everywhere: 0 clean, 1 conflicts or alerts found, 2 bad input or usage.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="wellclear",
    help="Neutral deconfliction: keep parties' aircraft and movements well clear of each other.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on ``app`` when imported.
from wellclear.cli import audit, check, db, demo, detect, monitor, party, serve  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    app()

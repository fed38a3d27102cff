"""The ``wellclear`` command line: thin commands over the engines.

Exit codes everywhere: 0 clean, 1 conflicts or alerts found, 2 bad input or usage.
"""

from __future__ import annotations

import typer

from wellclear.service.audit import act_as, cli_actor, restore_actor

app = typer.Typer(
    name="wellclear",
    help="Neutral deconfliction: keep parties' aircraft and movements well clear of each other.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SERVING_COMMANDS = frozenset({"serve", "demo"})


@app.callback()
def _name_the_actor(ctx: typer.Context) -> None:
    # Not a docstring: typer would show it as the program's help. What a CLI command changes
    # is audited as ``cli:<user>``; ``serve`` and ``demo`` are left alone (their requests act
    # as the calling party, their background loops as ``system``).
    if ctx.invoked_subcommand not in SERVING_COMMANDS:
        token = act_as(cli_actor())
        ctx.call_on_close(lambda: restore_actor(token))


# Each module registers its commands on ``app`` when imported.
from wellclear.cli import audit, check, db, demo, detect, monitor, party, serve  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    app()

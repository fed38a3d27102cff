"""``wellclear db upgrade`` (migrations, SQLite by default) and ``db reindex`` (cells under a
changed policy)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wellclear.cli import app
from wellclear.errors import WellclearError
from wellclear.service import open_service, readiness, upgrade_database
from wellclear.service.reindex import reindex_cells

db_app = typer.Typer(help="The database: migrations and status.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="WELLCLEAR_DATABASE_URL",
        help="SQLAlchemy URL (default sqlite:///./wellclear.db).",
    ),
]


@db_app.command()
def upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the schema to the newest version (safe to run again)."""
    service = open_service(database_url)
    upgrade_database(service)
    reason = readiness(service)
    Console().print("database is current" if reason is None else reason, markup=False)
    service.database.dispose()


@db_app.command()
def reindex(
    database_url: DatabaseUrl = None,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            envvar="WELLCLEAR_POLICY",
            help="The policy the servers will use (default: the shipped one).",
        ),
    ] = None,
) -> None:
    """Recompute every live intent's cells under a (changed) policy; run before serving it."""
    service = open_service(database_url, policy_file)
    try:
        done = reindex_cells(service)
    except WellclearError as error:
        typer.echo(f"reindex: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        service.database.dispose()
    Console().print(
        f"{done.intents:,} live intents re-covered; "
        f"{done.cells_before:,} cell rows before, {done.cells_after:,} after",
        markup=False,
    )

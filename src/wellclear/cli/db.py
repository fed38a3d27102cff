"""``wellclear db upgrade``: apply the database migrations (SQLite by default)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from wellclear.cli import app
from wellclear.service import open_service, readiness, upgrade_database

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

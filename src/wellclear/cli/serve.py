"""``wellclear serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from wellclear.cli import app
from wellclear.cli.db import DatabaseUrl


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the API (WELLCLEAR_DATABASE_URL; run `wellclear db upgrade` first)."""
    if database_url is not None:
        os.environ["WELLCLEAR_DATABASE_URL"] = database_url
    uvicorn.run(
        "wellclear.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
    )

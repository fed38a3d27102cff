"""``wellclear serve``: the HTTP API under uvicorn (and, with ``--sbs``, a live feed)."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer
import uvicorn

from wellclear.cli import app
from wellclear.cli.db import DatabaseUrl
from wellclear.errors import WellclearError
from wellclear.service import open_service
from wellclear.service.feed import parse_address
from wellclear.service.tracks import feed_caller

EXIT_BAD_INPUT = 2


GRACEFUL_SHUTDOWN_S = 5


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database_url: DatabaseUrl = None,
    sbs: Annotated[
        str | None,
        typer.Option(help="Ingest a BaseStation feed HOST:PORT (dump1090 :30003) as live tracks."),
    ] = None,
    sbs_party: Annotated[
        str | None, typer.Option(help="The operator party the --sbs feed reports for.")
    ] = None,
    cpu: Annotated[
        int | None,
        typer.Option(
            help="Run on this CPU only (Linux). One server process uses about one core (the "
            "GIL); kept on one CPU, its threads stop handing the GIL across cores."
        ),
    ] = None,
) -> None:
    """Serve the API (WELLCLEAR_DATABASE_URL; run `wellclear db upgrade` first)."""
    if database_url is not None:
        os.environ["WELLCLEAR_DATABASE_URL"] = database_url
    if workers > 1 and _on_sqlite():
        # Correct (one monitor leader, writes serialised by SQLite) but slower: the writers
        # of two processes meet in SQLite's polling busy handler, not in one process's queue.
        raise typer.BadParameter(
            "SQLite serves fastest from one process: use PostgreSQL", param_hint="--workers"
        )
    if cpu is not None:
        _run_on(cpu, workers)
    if sbs is not None or sbs_party is not None:
        _check_feed(sbs, sbs_party)
    uvicorn.run(
        "wellclear.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,  # open SSE streams must not block a stop
    )


def _run_on(cpu: int, workers: int) -> None:
    """Pin this process, and so every thread and worker it starts, to ``cpu``."""
    if workers > 1:
        raise typer.BadParameter(
            "pins one process: start one `wellclear serve --cpu N` per CPU instead",
            param_hint="--cpu",
        )
    if not hasattr(os, "sched_setaffinity"):
        raise typer.BadParameter("CPU affinity needs Linux", param_hint="--cpu")
    allowed = sorted(os.sched_getaffinity(0))
    if cpu not in allowed:
        listed = ", ".join(str(n) for n in allowed)
        raise typer.BadParameter(f"CPU {cpu} is not one this process may use ({listed})",
                                 param_hint="--cpu")  # fmt: skip
    for thread in os.listdir("/proc/self/task"):  # those started at import (OpenBLAS) too;
        with contextlib.suppress(ProcessLookupError):  # threads started later inherit it;
            os.sched_setaffinity(int(thread), {cpu})  # one may have ended since the listing


def _on_sqlite() -> bool:
    url = os.environ.get("WELLCLEAR_DATABASE_URL")
    return not url or url.startswith("sqlite")  # the default is ./wellclear.db


def _check_feed(sbs: str | None, party: str | None) -> None:
    """Refuse a bad ``--sbs``/``--sbs-party`` now, then hand them to the app (environment)."""
    if sbs is None or party is None:
        raise typer.BadParameter("give both --sbs HOST:PORT and --sbs-party NAME")
    try:
        parse_address(sbs)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--sbs") from None
    service = open_service()
    try:
        feed_caller(service, party)
    except WellclearError as error:
        typer.echo(f"--sbs-party: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        service.database.dispose()
    os.environ["WELLCLEAR_SBS"] = sbs
    os.environ["WELLCLEAR_SBS_PARTY"] = party

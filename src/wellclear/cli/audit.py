"""``wellclear audit``: verify and export the hash-chained audit log."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from wellclear.cli import app
from wellclear.cli.db import DatabaseUrl
from wellclear.service import Service, open_service, readiness
from wellclear.service.audit import (
    entry_count,
    export_entries,
    verify_chain,
)

audit_app = typer.Typer(help="The hash-chained audit log: verify and export.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

PROGRESS_FROM_ENTRIES = 20_000
_PIN = re.compile(r"([0-9]+):([0-9a-f]{64})")


@audit_app.command()
def verify(
    database_url: DatabaseUrl = None,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            metavar="SEQ:HASH",
            help="A head pinned earlier (GET /v1/audit/head): that entry must still have it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the whole chain. Exit 0 if intact; 1 naming the first broken entry and why."""
    pinned = _pin(expect)
    service = _ready(database_url)
    console = Console(stderr=True)
    try:
        total = entry_count(service)
        if total >= PROGRESS_FROM_ENTRIES and not as_json:
            with _progress(console) as progress:
                task = progress.add_task("verifying", total=total)
                check = verify_chain(
                    service,
                    expect=pinned,
                    progress=lambda done: progress.update(task, completed=done),
                )
        else:
            check = verify_chain(service, expect=pinned)
    finally:
        service.database.dispose()
    if as_json:
        typer.echo(json.dumps(check.as_json()))
    elif check.intact:
        typer.echo(
            f"audit log intact: {check.entries} entries, head {check.head_seq} {check.head_hash}"
        )
    else:
        typer.echo(f"audit log broken at entry {check.broken_seq}: {check.reason}")
        typer.echo(f"(entries 1..{check.head_seq} check out)")
    raise typer.Exit(0 if check.intact else 1)


@audit_app.command()
def export(
    database_url: DatabaseUrl = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Every entry as JSON lines, oldest first, with its payload."""
    service = _ready(database_url)
    try:
        if out is None:
            count = _write(service, sys.stdout)
        else:
            with out.open("w", encoding="utf-8") as stream:
                count = _write(service, stream)
            Console(stderr=True).print(f"{count} entries written to {out}", markup=False)
    finally:
        service.database.dispose()


def _ready(database_url: str | None) -> Service:
    """The service, if its database answers with the current schema; else exit 2."""
    service = open_service(database_url)
    reason = readiness(service)
    if reason is not None:
        service.database.dispose()
        Console(stderr=True).print(reason, markup=False)
        raise typer.Exit(2)
    return service


def _write(service: Service, stream: TextIO) -> int:
    count = 0
    for entry in export_entries(service):
        stream.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def _pin(expect: str | None) -> tuple[int, str] | None:
    if expect is None:
        return None
    found = _PIN.fullmatch(expect.strip())
    if found is None:
        raise typer.BadParameter(
            "must be SEQ:HASH (a seq and 64 hex digits)", param_hint="--expect"
        )
    return int(found.group(1)), found.group(2)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )

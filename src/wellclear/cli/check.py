"""``wellclear check``: every conflict among intents in a file, as a table, JSON or GeoJSON."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from wellclear.cli import app
from wellclear.cli._problems import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FOUND, print_problems
from wellclear.errors import InvalidInput
from wellclear.ingest import Limits, default_policy, load_intents, load_policy
from wellclear.ingest.export import conflicts_document, regions_feature_collection
from wellclear.model import Conflict, Intent
from wellclear.strategic import find_conflicts


@app.command()
def check(
    intents_file: Annotated[
        Path, typer.Argument(help="Intents: F3548 JSON ({'intents': [...]}) or GeoJSON.")
    ],
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Separation policy TOML (default: shipped).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
    regions_out: Annotated[
        Path | None, typer.Option("--regions-out", help="Write conflict regions as GeoJSON.")
    ] = None,
    max_area_km2: Annotated[
        float, typer.Option(help="Largest footprint accepted, km² (F3548 DSS default).")
    ] = 2_500.0,
) -> None:
    """Find every conflict between intents of different parties. Exit 1 if any, 2 on bad input."""
    err = Console(stderr=True)
    try:
        policy = load_policy(policy_file) if policy_file else default_policy()
        intents = load_intents(intents_file, limits=Limits(max_area_km2=max_area_km2))
    except InvalidInput as error:
        print_problems(err, error, "nothing was checked")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as error:
        err.print(f"{error.filename}: {error.strerror}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    started = time.perf_counter()
    conflicts = find_conflicts(intents, policy)
    elapsed_s = time.perf_counter() - started
    counts = _counts(intents, conflicts, elapsed_s)
    if regions_out is not None:
        _write_json(regions_out, regions_feature_collection(conflicts))
    if as_json:
        json.dump(conflicts_document(conflicts, counts), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        # Piped output keeps whole lines rather than wrapping at a guessed 80 columns.
        _print_table(Console() if sys.stdout.isatty() else Console(width=200), conflicts, counts)
    raise typer.Exit(EXIT_FOUND if conflicts else EXIT_CLEAN)


def _window(start: datetime, end: datetime | None) -> str:
    """Compact UTC window: ``2026-11-28 09:30–10:00`` (the end's date only if it differs)."""
    if end is None:
        return f"{start:%Y-%m-%d %H:%M}–open"
    end_format = "%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M}–{end.strftime(end_format)}"


def _counts(
    intents: tuple[Intent, ...], conflicts: tuple[Conflict, ...], elapsed_s: float
) -> dict[str, Any]:
    by_mode = Counter(str(c.rule.mode) for c in conflicts)
    return {
        "intents": len(intents),
        "extents": sum(len(i.extents) for i in intents),
        "conflicts": len(conflicts),
        "by_mode": dict(sorted(by_mode.items())),
        "regions": sum(len(c.regions) for c in conflicts),
        "timing_s": round(elapsed_s, 4),
    }


def _write_json(path: Path, document: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def _print_table(console: Console, conflicts: tuple[Conflict, ...], counts: dict[str, Any]) -> None:
    if not conflicts:
        console.print(f"No conflicts among {counts['intents']} intents.")
        return
    table = Table(title=f"{len(conflicts)} conflicts among {counts['intents']} intents")
    for column in ("pair", "parties", "kinds", "mode", "min dist m", "altitude m", "UTC"):
        table.add_column(column, overflow="fold")
    for conflict in conflicts:
        floor = min(r.floor_m for r in conflict.regions)
        ceiling = max(r.ceiling_m for r in conflict.regions)
        start = min(r.start for r in conflict.regions)
        ends = [r.end for r in conflict.regions]
        end = None if None in ends else max(e for e in ends if e is not None)
        table.add_row(
            " × ".join(conflict.intents),
            " × ".join(conflict.parties),
            " × ".join(conflict.kinds),
            str(conflict.rule.mode),
            f"{conflict.min_distance_m:,.0f}",
            f"{floor:,.0f}–{ceiling:,.0f}",
            _window(start, end),
        )
    console.print(table)

"""``wellclear detect``: conflict pairs in one snapshot of aircraft states."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wellclear.cli import app
from wellclear.cli._problems import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FOUND, print_problems
from wellclear.errors import InvalidInput
from wellclear.geo.units import FT_M, NM_M
from wellclear.ingest.states import Snapshot, load
from wellclear.tactical import AlertLevel, AlertThresholds, Conflicts, detect

MAX_ROWS_SHOWN = 200


@app.command("detect")
def detect_command(
    states_file: Annotated[
        Path, typer.Argument(help="Aircraft states: JSON {'params', 'aircraft'} or CSV.")
    ],
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
    rpz_nm: Annotated[
        float | None, typer.Option(help="Horizontal separation, NM (file params otherwise; 5).")
    ] = None,
    hpz_ft: Annotated[
        float | None, typer.Option(help="Vertical separation, ft (file params otherwise; 1000).")
    ] = None,
    lookahead_s: Annotated[
        float | None, typer.Option(help="Look-ahead, s (file params otherwise; 300).")
    ] = None,
    warning_s: Annotated[float, typer.Option(help="tLOS at or below which: warning.")] = 60.0,
    corrective_s: Annotated[
        float, typer.Option(help="tLOS at or below which: corrective.")
    ] = 120.0,
) -> None:
    """Predict losses of separation within the look-ahead. Exit 1 if any, 2 on bad input."""
    override = {
        key: value
        for key, value in (("rpz_nm", rpz_nm), ("hpz_ft", hpz_ft), ("dtlookahead_s", lookahead_s))
        if value is not None
    }
    try:
        snapshot = load(states_file, override)
    except InvalidInput as error:
        print_problems(Console(stderr=True), error, "nothing was detected")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    started = time.perf_counter()
    conflicts = detect(snapshot.states, AlertThresholds(warning_s, corrective_s))
    elapsed_s = time.perf_counter() - started
    rows = conflict_rows(snapshot.ids, conflicts)
    counts = _counts(snapshot, rows)
    if as_json:
        document = {"conflicts": rows, "counts": counts, "timing_s": round(elapsed_s, 6)}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(Console(), rows, counts, snapshot, elapsed_s)
    raise typer.Exit(EXIT_FOUND if rows else EXIT_CLEAN)


def conflict_rows(ids: tuple[str, ...], conflicts: Conflicts) -> list[dict[str, Any]]:
    """One JSON-ready record per conflict, each pair sorted by id, records sorted by pair."""
    rows: list[dict[str, Any]] = []
    levels = conflicts.levels()
    for k in range(conflicts.size):
        pair = sorted((ids[int(conflicts.i[k])], ids[int(conflicts.j[k])]))
        rows.append(
            {
                "pair": pair,
                "tcpa_s": round(float(conflicts.tcpa_s[k]), 3),
                "dcpa_m": round(float(conflicts.dcpa_m[k]), 1),
                "tlos_s": round(float(conflicts.tlos_s[k]), 3),
                "level": levels[k].value,
                "los": bool(conflicts.los[k]),
            }
        )
    rows.sort(key=lambda row: row["pair"])
    return rows


def _counts(snapshot: Snapshot, rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"aircraft": len(snapshot.ids), "conflicts": len(rows)}
    counts["los"] = sum(1 for row in rows if row["los"])
    for level in AlertLevel:
        counts[level.value] = sum(1 for row in rows if row["level"] == level.value)
    return counts


_STYLE = {"warning": "bold red", "corrective": "yellow", "preventive": "cyan"}


def _print_table(
    console: Console,
    rows: list[dict[str, Any]],
    counts: dict[str, int],
    snapshot: Snapshot,
    elapsed_s: float,
) -> None:
    p = snapshot.params
    console.print(
        f"{counts['aircraft']} aircraft, separation {p.rpz_m / NM_M:g} NM / "
        f"{p.hpz_m / FT_M:g} ft, look-ahead {p.lookahead_s:g} s: "
        f"{counts['conflicts']} conflicts ({counts['warning']} warning, "
        f"{counts['corrective']} corrective, {counts['preventive']} preventive, "
        f"{counts['los']} in loss of separation) in {elapsed_s * 1000:.1f} ms",
        highlight=False,
    )
    if not rows:
        return
    table = Table("aircraft", "aircraft", "level", "tLOS s", "tCPA s", "dCPA m", "LoS")
    for row in sorted(rows, key=lambda r: (r["tlos_s"], r["pair"]))[:MAX_ROWS_SHOWN]:
        level = row["level"]
        table.add_row(
            Text(row["pair"][0]),
            Text(row["pair"][1]),
            f"[{_STYLE[level]}]{level}[/]",
            f"{row['tlos_s']:.1f}",
            f"{row['tcpa_s']:.1f}",
            f"{row['dcpa_m']:.0f}",
            "yes" if row["los"] else "",
        )
    console.print(table)
    if len(rows) > MAX_ROWS_SHOWN:
        console.print(f"... {len(rows) - MAX_ROWS_SHOWN} more (use --json for all)")

"""``wellclear monitor``: live conflict alerts from an SBS-1 feed, an SBS recording or OpenSky CSV.

Files are read here; the live TCP feed by ``wellclear.service.feed`` (shared with
``wellclear serve --sbs``); parsing lives in ``wellclear.ingest``, tracks and detection in
``wellclear.tactical``. With ``--intents``, tracks are also checked against the intents:
``nonconforming`` and ``incursion`` alerts (``wellclear.tactical.conformance``).
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from wellclear.cli import app
from wellclear.cli._problems import print_problems
from wellclear.cli._zones import ZoneKey, changed, positions_of, zone_alerts, zone_view
from wellclear.errors import InvalidInput
from wellclear.ingest.intents import load_intents
from wellclear.ingest.opensky import OpenSkyRows, row_time_s
from wellclear.ingest.sbs import LineCounts, Outcome, apply_line, line_time_s
from wellclear.service.feed import parse_address, received_lines
from wellclear.tactical import LEVELS, detect
from wellclear.tactical.conformance import (
    HORIZONTAL_TOLERANCE_M,
    VERTICAL_TOLERANCE_M,
    Monitored,
    Tolerance,
)
from wellclear.tactical.tracks import STALE_DEFAULT_S, TrackTable

EXIT_CLEAN, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2
ROWS_SHOWN = 25
_SEVERITY = {"preventive": 0, "corrective": 1, "warning": 2}
_STYLE = {"warning": "bold red", "corrective": "yellow", "preventive": "cyan"}


def _iso(time_s: float) -> str:
    return datetime.fromtimestamp(time_s, UTC).isoformat(timespec="milliseconds")


@dataclass
class Monitor:
    """Feeds lines into tracks and runs a detection cycle every ``interval_s`` of feed time."""

    table: TrackTable
    interval_s: float
    jsonl: IO[str] | None = None
    monitored: Monitored | None = None
    tolerance: Tolerance = field(default_factory=Tolerance)
    counts: LineCounts = field(default_factory=LineCounts)
    alerts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    pairs_seen: set[tuple[str, str]] = field(default_factory=set)
    zones: dict[ZoneKey, dict[str, Any]] = field(default_factory=dict)
    zones_seen: set[ZoneKey] = field(default_factory=set)
    cycles: int = 0
    cycle_ms: float = 0.0
    now_s: float = 0.0
    next_cycle_s: float | None = None

    def feed(self, time_s: float, outcome: Outcome, line: str) -> bool:
        """Count a line applied at ``time_s``; True when a cycle ran."""
        self.counts.add(outcome, line)
        self.now_s = max(self.now_s, time_s)
        if self.next_cycle_s is None:
            self.next_cycle_s = self.now_s + self.interval_s
        if self.now_s < self.next_cycle_s:
            return False
        self.cycle()
        self.next_cycle_s = self.now_s + self.interval_s
        return True

    def cycle(self) -> None:
        started = time.perf_counter()
        self.table.drop_stale(self.now_s)
        ids, states = self.table.snapshot(self.now_s)
        conflicts = detect(states)
        current: dict[tuple[str, str], dict[str, Any]] = {}
        for k, level in enumerate(conflicts.levels()):
            a, b = sorted((ids[int(conflicts.i[k])], ids[int(conflicts.j[k])]))
            current[a, b] = {
                "pair": [a, b],
                "callsigns": [self.table.tracks[a].callsign, self.table.tracks[b].callsign],
                "level": level.value,
                "tcpa_s": round(float(conflicts.tcpa_s[k]), 1),
                "dcpa_m": round(float(conflicts.dcpa_m[k])),
                "tlos_s": round(float(conflicts.tlos_s[k]), 1),
                "los": bool(conflicts.los[k]),
            }
        self._log(current)
        self.alerts = current
        self.pairs_seen.update(current)
        if self.monitored is not None:
            where = positions_of(self.table, ids, states)
            self._zones(zone_alerts(self.monitored, where, self.now_s, self.tolerance))
        self.cycles += 1
        self.cycle_ms = (time.perf_counter() - started) * 1000

    @property
    def alerted(self) -> bool:
        """Whether any alert was raised so far."""
        return bool(self.pairs_seen or self.zones_seen)

    def _zones(self, current: dict[ZoneKey, dict[str, Any]]) -> None:
        if self.jsonl is not None:
            stamp = {"time": _iso(self.now_s), "time_s": round(self.now_s, 3)}
            for key, alert in current.items():
                event = changed(self.zones.get(key), alert)
                if event is not None:
                    self.jsonl.write(json.dumps({**stamp, "event": event, **alert}) + "\n")
            for kind, track, intent in self.zones.keys() - current.keys():
                cleared = {"event": "cleared", "alert": kind, "track": track, "intent": intent}
                self.jsonl.write(json.dumps({**stamp, **cleared}) + "\n")
            self.jsonl.flush()
        self.zones = current
        self.zones_seen.update(current)

    def _log(self, current: dict[tuple[str, str], dict[str, Any]]) -> None:
        if self.jsonl is None:
            return
        stamp = {"time": _iso(self.now_s), "time_s": round(self.now_s, 3)}
        for pair, alert in current.items():
            before = self.alerts.get(pair)
            if before is None or before["level"] != alert["level"]:
                event = "new" if before is None else "level"
                record = {**stamp, "event": event, "alert": "conflict", **alert}
                self.jsonl.write(json.dumps(record) + "\n")
        for pair in self.alerts.keys() - current.keys():
            cleared = {"event": "cleared", "alert": "conflict", "pair": list(pair)}
            self.jsonl.write(json.dumps({**stamp, **cleared}) + "\n")
        self.jsonl.flush()

    def summary(self) -> dict[str, Any]:
        tracks = [
            {
                "id": t.id,
                "callsign": t.callsign,
                "lat": t.lat_deg,
                "lon": t.lon_deg,
                "alt_m": t.alt_m,
                "gs_mps": t.gs_mps,
                "trk_deg": t.trk_deg,
                "vs_mps": t.vs_mps,
                "on_ground": t.on_ground,
                "position_time": _iso(t.position_s) if t.position_s > 0 else None,
            }
            for t in sorted(self.table.tracks.values(), key=lambda t: t.id)
        ]
        c = self.counts
        return {
            "time": _iso(self.now_s) if self.now_s else None,
            "lines": c.lines,
            "applied": c.applied,
            "ignored": c.ignored,
            "malformed": c.malformed,
            "malformed_examples": c.examples,
            "cycles": self.cycles,
            "alerting_pairs": len(self.pairs_seen),
            "current_alerts": list(self.alerts.values()),
            "zone_alerts_seen": len(self.zones_seen),
            "current_zone_alerts": list(self.zones.values()),
            "tracks": tracks,
        }

    def view(self) -> RenderableType:
        """The live view: conflict pairs, then conformance and incursion alerts if watched."""
        if self.monitored is None:
            return self._pair_view()
        return Group(self._pair_view(), zone_view(self.zones, ROWS_SHOWN))

    def _pair_view(self) -> Table:
        caption = (
            f"{_iso(self.now_s) if self.now_s else '-'}  {len(self.table)} tracks  "
            f"{self.counts.lines} lines ({self.counts.malformed} malformed)  "
            f"cycle {self.cycle_ms:.0f} ms"
        )
        table = Table("pair", "callsigns", "level", "tLOS s", "tCPA s", "dCPA m", "LoS")
        table.caption = caption
        rows = sorted(self.alerts.values(), key=lambda a: (a["tlos_s"], a["pair"]))
        for alert in rows[:ROWS_SHOWN]:
            table.add_row(
                Text(" / ".join(alert["pair"])),
                Text(" / ".join(c or "-" for c in alert["callsigns"])),
                Text(alert["level"], style=_STYLE[alert["level"]]),
                f"{alert['tlos_s']:.0f}",
                f"{alert['tcpa_s']:.0f}",
                f"{alert['dcpa_m']:.0f}",
                "yes" if alert["los"] else "",
            )
        return table


Source = Iterator[tuple[float, Outcome, str]]


def _open_text(path: Path, stack: ExitStack) -> tuple[IO[bytes], IO[str]]:
    raw = stack.enter_context(path.open("rb"))
    binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw  # type: ignore[assignment]
    text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
    return raw, stack.enter_context(text)


def _paced(
    lines: IO[str], time_of: Callable[[str], float | None], speed: float
) -> Iterator[tuple[float, str]]:
    """Lines with their feed time, slept so feed time runs ``speed`` times wall time."""
    first: tuple[float, float] | None = None
    last_s = 0.0
    for line in lines:
        time_s = time_of(line)
        last_s = last_s if time_s is None else max(last_s, time_s)
        if speed > 0 and time_s is not None:
            if first is None:
                first = (time_s, time.monotonic())
            ahead = first[1] + (time_s - first[0]) / speed - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        yield last_s, line


def sbs_file(lines: IO[str], table: TrackTable, speed: float) -> Source:
    for time_s, line in _paced(lines, line_time_s, speed):
        if line.strip():
            yield time_s, apply_line(table, line), line


def opensky_file(lines: IO[str], table: TrackTable, speed: float) -> Source:
    rows = OpenSkyRows(lines.readline())  # a bad header fails here, before any replay

    def replay() -> Source:
        for time_s, line in _paced(lines, lambda text: row_time_s(rows, text), speed):
            if line.strip():
                yield time_s, rows.apply(table, line), line

    return replay()


def sbs_socket(
    host: str, port: int, table: TrackTable, err: Console, stop_at: float | None = None
) -> Source:
    """Lines from a BaseStation TCP feed (``service.feed``: reconnects with backoff),
    applied to ``table`` at their time of receipt."""

    def should_stop() -> bool:
        return stop_at is not None and time.monotonic() >= stop_at

    def say(message: str) -> None:
        err.print(message, highlight=False)

    for item in received_lines(host, port, should_stop, say):
        if item is not None:
            now_s, line = item
            yield now_s, apply_line(table, line, now_s), line


def _address(text: str) -> tuple[str, int]:
    try:
        return parse_address(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--sbs") from None


def _source(
    sbs: str | None,
    file: Path | None,
    opensky: Path | None,
    *,
    table: TrackTable,
    speed: float,
    stack: ExitStack,
    err: Console,
    stop_at: float | None,
) -> tuple[Source, IO[bytes] | None, int]:
    if sum(x is not None for x in (sbs, file, opensky)) != 1:
        raise typer.BadParameter("give exactly one of --sbs, --file, --opensky")
    if sbs is not None:
        return sbs_socket(*_address(sbs), table, err, stop_at), None, 0
    path = file if file is not None else opensky
    assert path is not None
    try:
        raw, text = _open_text(path, stack)
        size = path.stat().st_size
        if opensky is not None:
            return opensky_file(text, table, speed), raw, size
        return sbs_file(text, table, speed), raw, size
    except (OSError, ValueError) as error:
        err.print(f"{path}: {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def monitor(
    sbs: Annotated[
        str | None, typer.Option(help="BaseStation feed HOST:PORT (dump1090 :30003).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="Replay an SBS recording (.sbs, .sbs.gz).")
    ] = None,
    opensky: Annotated[Path | None, typer.Option(help="Replay OpenSky state-vector CSV.")] = None,
    *,
    speed: Annotated[
        float, typer.Option(help="Replay speed factor; 0 = as fast as possible.")
    ] = 0.0,
    interval_s: Annotated[float, typer.Option(help="Feed seconds between detection cycles.")] = 5.0,
    stale_s: Annotated[
        float, typer.Option(help="Drop tracks not heard of for this long.")
    ] = STALE_DEFAULT_S,
    jsonl: Annotated[Path | None, typer.Option(help="Append alert events as JSON lines.")] = None,
    intents: Annotated[
        Path | None,
        typer.Option(help="Intents (F3548 JSON or GeoJSON): conformance and incursion alerts."),
    ] = None,
    tolerance_m: Annotated[
        float, typer.Option(help="Tied tracks may stray this far outside their intent.")
    ] = HORIZONTAL_TOLERANCE_M,
    vertical_tolerance_m: Annotated[
        float, typer.Option(help="... and this far above or below it.")
    ] = VERTICAL_TOLERANCE_M,
    duration_s: Annotated[float | None, typer.Option(help="Stop after this wall time.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Watch live or recorded traffic and alert on predicted losses of separation.

    Ctrl-C stops with a summary. Exit 1 if any alert was raised, 2 on bad input.
    """
    err = Console(stderr=True)
    monitored = _monitored(intents, err)
    table = TrackTable(stale_s)
    stop_at = None if duration_s is None else time.monotonic() + duration_s
    with ExitStack() as stack:
        source, raw, size = _source(
            sbs, file, opensky, table=table, speed=speed, stack=stack, err=err, stop_at=stop_at
        )
        out = stack.enter_context(jsonl.open("a", encoding="utf-8")) if jsonl else None
        tolerance = Tolerance(tolerance_m, vertical_tolerance_m)
        watch = Monitor(table, interval_s, out, monitored, tolerance)
        _run(watch, source, raw, size, stop_at=stop_at, quiet=as_json)
    _report(watch, as_json)
    raise typer.Exit(EXIT_FOUND if watch.alerted else EXIT_CLEAN)


def _monitored(path: Path | None, err: Console) -> Monitored | None:
    if path is None:
        return None
    try:
        return Monitored.of(load_intents(path))
    except InvalidInput as error:
        print_problems(err, error, "nothing was monitored")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _run(
    watch: Monitor,
    source: Source,
    raw: IO[bytes] | None,
    size: int,
    *,
    stop_at: float | None,
    quiet: bool,
) -> None:
    progress = Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    task = progress.add_task("replay", total=size or None)
    console = Console(stderr=quiet)
    view = Group(progress, watch.view()) if raw is not None else watch.view()
    with Live(view, console=console, refresh_per_second=4, transient=quiet) as live:
        try:
            for time_s, outcome, line in source:
                if watch.feed(time_s, outcome, line):
                    if raw is not None:
                        progress.update(task, completed=raw.tell())
                    live.update(Group(progress, watch.view()) if raw is not None else watch.view())
                if stop_at is not None and time.monotonic() > stop_at:
                    break
            watch.cycle()
            if raw is not None:
                progress.update(task, completed=size)
        except KeyboardInterrupt:
            pass
        live.update(Group(progress, watch.view()) if raw is not None else watch.view())
    console.line()


def _report(watch: Monitor, as_json: bool) -> None:
    summary = watch.summary()
    if as_json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    levels = [a["level"] for a in summary["current_alerts"]]
    zones = [a["alert"] for a in summary["current_zone_alerts"]]
    watched = (
        f"; {summary['zone_alerts_seen']} conformance or incursion alerts, "
        f"{zones.count('nonconforming')} nonconforming and {zones.count('incursion')} "
        "incursions now"
        if watch.monitored is not None
        else ""
    )
    Console().print(
        f"{summary['lines']} lines ({summary['malformed']} malformed, {summary['ignored']} "
        f"ignored), {len(summary['tracks'])} tracks, {summary['cycles']} cycles; "
        f"{summary['alerting_pairs']} pairs alerted, {len(levels)} alerts now "
        f"({', '.join(f'{levels.count(x.value)} {x.value}' for x in reversed(LEVELS))}){watched}",
        highlight=False,
    )

"""SBS-1 BaseStation messages, the text dump1090 serves on port 30003, into live tracks.

A line is 22 comma-separated fields: ``MSG,type,session,aircraft,hex,flight,date gen,
time gen,date log,time log,callsign,altitude ft,ground speed kt,track deg,lat,lon,
vertical rate fpm,squawk,alert,emergency,spi,on ground``. MSG,3 (airborne position)
and MSG,2 (surface position) carry positions, MSG,4 velocities, MSG,1 the callsign,
MSG,5 and MSG,7 altitudes. Other record kinds (``STA``, ``AIR``, ``ID``, ``SEL``, ``CLK``)
and other MSG types are valid and ignored; anything else is malformed: counted, never
fatal. Times are the generated date and time, read as UTC, unless the caller passes the
time of receipt (live feeds).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import IO

import numpy as np

from wellclear.ingest._sbs_bulk import Block, apply_run
from wellclear.ingest._sbs_fields import (
    ALT_FT,
    ALT_M_PER_FT,
    CALLSIGN,
    CLOCK,
    DATE,
    FIELDS,
    GROUND,
    GS_KT,
    GS_MPS_PER_KT,
    ICAO,
    KIND,
    LAT_DEG,
    LON_DEG,
    ON_GROUND,
    TRK_DEG,
    VS_FPM,
    VS_MPS_PER_FPM,
    check_icao,
    check_position,
    day_s,
    number,
)
from wellclear.tactical.tracks import TrackTable

_RECORDS = frozenset({"STA", "AIR", "ID", "SEL", "CLK"})


class Outcome(IntEnum):
    APPLIED = 0
    IGNORED = 1
    MALFORMED = 2


@dataclass(slots=True)
class LineCounts:
    """What a feed has seen so far."""

    lines: int = 0
    applied: int = 0
    ignored: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)  # the first few malformed lines

    def add(self, outcome: Outcome, line: str) -> None:
        self.lines += 1
        if outcome is Outcome.APPLIED:
            self.applied += 1
        elif outcome is Outcome.IGNORED:
            self.ignored += 1
        else:
            self.malformed += 1
            if len(self.examples) < 5:
                self.examples.append(line[:200])

    def add_many(self, applied: int, ignored: int, malformed: list[str]) -> None:
        """Count lines by outcome at once; ``malformed`` are the malformed lines, in order."""
        self.lines += applied + ignored + len(malformed)
        self.applied += applied
        self.ignored += ignored
        self.malformed += len(malformed)
        self.examples.extend(line[:200] for line in malformed[: 5 - len(self.examples)])


_MINUTES: dict[tuple[str, str], float] = {}
_MINUTES_KEPT = 100_000
_LAST_MINUTE: list[object] = ["", "", 0.0]  # date, "HH:MM:", its POSIX seconds


def message_time_s(date: str, clock: str) -> float:
    """POSIX seconds of an SBS date and time (UTC).

    >>> message_time_s("2024/07/06", "06:43:09.525")
    1720248189.525
    >>> message_time_s("2024/07/06", "06:43:09.525") == message_time_s("2024/07/06", "6:43:9.525")
    True
    """
    last = _LAST_MINUTE
    minute = clock[:6]
    if minute == last[1] and date == last[0]:  # the same minute as the message before
        return last[2] + float(clock[6:])  # type: ignore[operator]
    minute_s = _MINUTES.get((date, minute))  # "HH:MM:" seen before: one lookup
    if minute_s is None:
        hours, minutes, seconds = clock.split(":")
        minute_s = day_s(date) + int(hours) * 3600 + int(minutes) * 60
        if clock[2:3] != ":" or clock[5:6] != ":":
            return minute_s + float(seconds)
        if len(_MINUTES) < _MINUTES_KEPT:
            _MINUTES[date, minute] = minute_s
    seconds_s = minute_s + float(clock[6:])
    last[:] = date, minute, minute_s
    return seconds_s


def apply_line(table: TrackTable, line: str, receipt_s: float | None = None) -> Outcome:
    """Apply one SBS line to ``table``; the outcome says whether it was used.

    >>> table = TrackTable()
    >>> when = "2024/07/06,06:43:09.525,2024/07/06,06:43:09.525"
    >>> pos = f"MSG,3,1,1,4CA2D6,1,{when},,37000,,,52.1,4.7,,,0,,0,0"
    >>> vel = f"MSG,4,1,1,4CA2D6,1,{when},,,450,90,,,-512,,0,,0,0"
    >>> apply_line(table, pos), apply_line(table, vel), apply_line(table, "MSG,3,garbage")
    (<Outcome.APPLIED: 0>, <Outcome.APPLIED: 0>, <Outcome.MALFORMED: 2>)
    >>> track = table.tracks["4CA2D6"]
    >>> round(track.alt_m, 1), round(track.gs_mps, 2), round(track.vs_mps, 2)
    (11277.6, 231.5, -2.6)
    """
    parts = line.rstrip("\r\n").split(",")
    kind = parts[0]
    if kind != "MSG":
        return Outcome.IGNORED if kind in _RECORDS else Outcome.MALFORMED
    if len(parts) < FIELDS - 1 or len(parts) > FIELDS + 1:
        return Outcome.MALFORMED
    try:
        return _apply(table, parts, receipt_s)
    except (ValueError, IndexError):
        return Outcome.MALFORMED


def apply_lines(
    table: TrackTable, lines: Iterable[str], counts: LineCounts, receipt_s: float | None = None
) -> None:
    """``apply_line`` on each line in order, blank lines skipped, outcomes added to ``counts``.

    >>> table, counts = TrackTable(), LineCounts()
    >>> when = "2024/07/06,06:43:09.525,2024/07/06,06:43:09.525"
    >>> apply_lines(table, [f"MSG,3,1,1,4CA2D6,1,{when},,37000,,,52.1,4.7,,,0,,0,0", "",
    ...                     "MSG,3,garbage", "STA,,5"], counts)
    >>> counts.lines, counts.applied, counts.ignored, counts.malformed, counts.examples
    (3, 1, 1, 1, ['MSG,3,garbage'])
    """
    tally = [0, 0, 0]
    malformed: list[str] = []
    for line in lines:
        if line and not line.isspace():
            outcome = apply_line(table, line, receipt_s)
            tally[outcome] += 1
            if outcome is Outcome.MALFORMED:
                malformed.append(line)
    counts.add_many(tally[Outcome.APPLIED], tally[Outcome.IGNORED], malformed)


def apply_text(
    table: TrackTable, source: IO[str], counts: LineCounts, block_chars: int = 1 << 24
) -> None:
    """Apply a whole recording as fast as possible: read in blocks, plain lines in bulk.

    The same tracks and counts as ``apply_lines`` on every line (times from the messages):
    runs of plain MSG,3 / MSG,4 lines go through ``_sbs_bulk``, the rest line by line.
    """
    pending = ""
    while block := source.read(block_chars):
        text, _, pending = (pending + block).rpartition("\n")
        _apply_block(table, text, counts)
    _apply_block(table, pending, counts)


_MIN_RUN = 64  # shorter runs of plain lines are not worth the arrays


def _apply_block(table: TrackTable, text: str, counts: LineCounts) -> None:
    """Runs of plain lines in bulk, everything else line by line, in order."""
    if not text:
        return
    data = text.encode("utf-8", "surrogatepass")
    block = Block.of(data)
    changes = np.flatnonzero(block.plain[1:] != block.plain[:-1]) + 1
    bounds = [0, *changes.tolist(), block.start.size]
    for lo, hi in itertools.pairwise(bounds):
        plain_run = bool(block.plain[lo]) and hi - lo >= _MIN_RUN
        done = apply_run(table, block, lo, hi) if plain_run else None
        if done is None:
            text = data[block.start[lo] : block.end[hi - 1]].decode("utf-8", "surrogatepass")
            apply_lines(table, text.split("\n"), counts)
        else:
            counts.add_many(*done, [])


def _apply(table: TrackTable, parts: list[str], receipt_s: float | None) -> Outcome:
    icao = parts[ICAO].upper()
    if icao not in table.tracks:  # addresses already tracked were checked when first seen
        check_icao(icao)
    time_s = message_time_s(parts[DATE], parts[CLOCK]) if receipt_s is None else receipt_s
    kind = parts[KIND]
    if kind in {"3", "2"}:
        if not _position(table, parts, icao, time_s):
            return Outcome.IGNORED
    elif kind == "4":
        if not parts[GS_KT] or not parts[TRK_DEG]:
            return Outcome.IGNORED
        vs = number(parts[VS_FPM]) * VS_MPS_PER_FPM if parts[VS_FPM] else None
        gs, trk = number(parts[GS_KT]) * GS_MPS_PER_KT, number(parts[TRK_DEG])
        table.velocity(icao, time_s, gs_mps=gs, trk_deg=trk, vs_mps=vs)
    elif kind == "1":
        table.identity(icao, time_s, parts[CALLSIGN].strip())
    elif kind in {"5", "7"} and parts[ALT_FT]:
        table.altitude(icao, time_s, number(parts[ALT_FT]) * ALT_M_PER_FT)
    else:
        return Outcome.IGNORED
    if len(parts) > GROUND:
        flag = ON_GROUND.get(parts[GROUND])
        if flag is not None:
            table.tracks[icao].on_ground = flag
    return Outcome.APPLIED


def _position(table: TrackTable, parts: list[str], icao: str, time_s: float) -> bool:
    """Apply an MSG,3 or MSG,2 position; False when it carries none."""
    if not parts[LAT_DEG] or not parts[LON_DEG]:
        return False
    lat, lon = float(parts[LAT_DEG]), float(parts[LON_DEG])
    check_position(lat, lon)
    alt = number(parts[ALT_FT]) * ALT_M_PER_FT if parts[ALT_FT] else None
    table.position(icao, time_s, lat_deg=lat, lon_deg=lon, alt_m=alt)
    if parts[KIND] == "2" and parts[GS_KT] and parts[TRK_DEG]:  # surface position: velocity
        gs, trk = number(parts[GS_KT]) * GS_MPS_PER_KT, number(parts[TRK_DEG])
        table.velocity(icao, time_s, gs_mps=gs, trk_deg=trk, vs_mps=0.0)
    return True


def line_time_s(line: str) -> float | None:
    """The generated time of an SBS MSG line, or None (used to pace a replay)."""
    parts = line.split(",", 8)
    if len(parts) < 9 or parts[0] != "MSG":
        return None
    try:
        return message_time_s(parts[6], parts[7])
    except (ValueError, IndexError):
        return None

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

import calendar
import math
from dataclasses import dataclass, field
from enum import IntEnum

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS
from wellclear.tactical.tracks import TrackTable

_RECORDS = frozenset({"STA", "AIR", "ID", "SEL", "CLK"})
_FIELDS = 22


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


_DAYS: dict[str, float] = {}


def _day_s(date: str) -> float:
    """POSIX seconds of midnight UTC of ``YYYY/MM/DD`` (cached: few distinct dates)."""
    seconds = _DAYS.get(date)
    if seconds is None:
        year, month, day = (int(part) for part in date.split("/"))
        seconds = float(calendar.timegm((year, month, day, 0, 0, 0)))
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            raise ValueError(date)
        _DAYS[date] = seconds
    return seconds


_MINUTES: dict[tuple[str, str], float] = {}
_MINUTES_KEPT = 100_000


def message_time_s(date: str, clock: str) -> float:
    """POSIX seconds of an SBS date and time (UTC).

    >>> message_time_s("2024/07/06", "06:43:09.525")
    1720248189.525
    >>> message_time_s("2024/07/06", "06:43:09.525") == message_time_s("2024/07/06", "6:43:9.525")
    True
    """
    minute_s = _MINUTES.get((date, clock[:6]))  # "HH:MM:" seen before: one lookup
    if minute_s is not None:
        return minute_s + float(clock[6:])
    hours, minutes, seconds = clock.split(":")
    minute_s = _day_s(date) + int(hours) * 3600 + int(minutes) * 60
    if clock[2:3] == ":" and clock[5:6] == ":" and len(_MINUTES) < _MINUTES_KEPT:
        _MINUTES[date, clock[:6]] = minute_s
    return minute_s + float(seconds)


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
    if len(parts) < _FIELDS - 1 or len(parts) > _FIELDS + 1:
        return Outcome.MALFORMED
    try:
        return _apply(table, parts, receipt_s)
    except (ValueError, IndexError):
        return Outcome.MALFORMED


def _num(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _apply(table: TrackTable, parts: list[str], receipt_s: float | None) -> Outcome:
    icao = parts[4].upper()
    if icao not in table.tracks:  # addresses already tracked were checked when first seen
        if len(icao) != 6:
            raise ValueError(icao)
        int(icao, 16)
    time_s = message_time_s(parts[6], parts[7]) if receipt_s is None else receipt_s
    kind = parts[1]
    if kind in {"3", "2"}:
        if not _position(table, parts, icao, time_s):
            return Outcome.IGNORED
    elif kind == "4":
        if not parts[12] or not parts[13]:
            return Outcome.IGNORED
        vs = _num(parts[16]) * FPM_MPS if parts[16] else None
        gs, trk = _num(parts[12]) * KT_MPS, _num(parts[13])
        table.velocity(icao, time_s, gs_mps=gs, trk_deg=trk, vs_mps=vs)
    elif kind == "1":
        table.identity(icao, time_s, parts[10].strip())
    elif kind in {"5", "7"} and parts[11]:
        table.altitude(icao, time_s, _num(parts[11]) * FT_M)
    else:
        return Outcome.IGNORED
    if len(parts) > 21:
        flag = parts[21]
        if flag == "0":
            table.tracks[icao].on_ground = False
        elif flag in {"-1", "1"}:
            table.tracks[icao].on_ground = True
    return Outcome.APPLIED


def _position(table: TrackTable, parts: list[str], icao: str, time_s: float) -> bool:
    """Apply an MSG,3 or MSG,2 position; False when it carries none."""
    if not parts[14] or not parts[15]:
        return False
    lat, lon = float(parts[14]), float(parts[15])
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError("position out of range")
    alt = _num(parts[11]) * FT_M if parts[11] else None
    table.position(icao, time_s, lat_deg=lat, lon_deg=lon, alt_m=alt)
    if parts[1] == "2" and parts[12] and parts[13]:  # surface position carries a velocity
        gs, trk = _num(parts[12]) * KT_MPS, _num(parts[13])
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

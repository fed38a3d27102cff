"""OpenSky Network state vectors: the CSV of the historical ``state_vectors_data4`` table.

Columns (header row required, any order): ``time, icao24, lat, lon, velocity, heading,
vertrate, callsign, onground, alert, spi, squawk, baroaltitude, geoaltitude,
lastposupdate, lastcontact``. Units are SI already: m/s, degrees, m/s, metres. Missing
values are empty or ``NULL``. Each row is a full state at ``time``: it updates the position
(at ``lastposupdate`` when given), the velocity and the on-ground flag of one track.
Rows without a position or velocity are ignored; rows that do not parse are malformed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from wellclear.ingest.sbs import LineCounts, Outcome
from wellclear.tactical.tracks import TrackTable

REQUIRED = ("time", "icao24", "lat", "lon", "velocity", "heading")
_NULL = frozenset({"", "NULL", "null", "None", "nan", "NaN"})
_TRUE = frozenset({"true", "True", "1", "t"})


class OpenSkyRows:
    """Applies rows of one OpenSky CSV stream; the header fixes the column order.

    >>> rows = OpenSkyRows("time,icao24,lat,lon,velocity,heading,vertrate,callsign,"
    ...                    "onground,baroaltitude,geoaltitude,lastposupdate")
    >>> table = TrackTable()
    >>> rows.apply(table, "1500000000,4ca2d6,52.1,4.7,230.0,90.0,-2.5,KLM12  ,false,"
    ...                   "11000.0,11100.0,1499999999.5")
    <Outcome.APPLIED: 0>
    >>> t = table.tracks["4CA2D6"]
    >>> t.callsign, t.alt_m, t.position_s, rows.apply(table, "1500000000,zz")
    ('KLM12', 11000.0, 1499999999.5, <Outcome.MALFORMED: 2>)
    """

    def __init__(self, header: str) -> None:
        names = [name.strip() for name in header.strip().split(",")]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise ValueError(f"not an OpenSky state-vector header: missing {', '.join(missing)}")
        self.width = len(names)
        self.col = {name: k for k, name in enumerate(names)}

    def _get(self, parts: list[str], name: str) -> float | None:
        k = self.col.get(name)
        if k is None or parts[k].strip() in _NULL:
            return None
        value = float(parts[k])
        if not math.isfinite(value):
            raise ValueError(parts[k])
        return value

    def apply(self, table: TrackTable, line: str) -> Outcome:
        parts = line.rstrip("\r\n").split(",")
        if len(parts) != self.width:
            return Outcome.MALFORMED
        try:
            return self._apply(table, parts)
        except ValueError:
            return Outcome.MALFORMED

    def _apply(self, table: TrackTable, parts: list[str]) -> Outcome:
        icao = parts[self.col["icao24"]].strip().upper()
        int(icao, 16)
        time_s = self._get(parts, "time")
        if time_s is None or len(icao) != 6:
            raise ValueError("time and icao24 are required")
        if "onground" in self.col:
            table.ground(icao, time_s, parts[self.col["onground"]].strip() in _TRUE)
        if "callsign" in self.col and parts[self.col["callsign"]].strip() not in _NULL:
            table.identity(icao, time_s, parts[self.col["callsign"]].strip())
        lat, lon = self._get(parts, "lat"), self._get(parts, "lon")
        alt = self._get(parts, "baroaltitude")
        alt = self._get(parts, "geoaltitude") if alt is None else alt
        gs, trk = self._get(parts, "velocity"), self._get(parts, "heading")
        if lat is None or lon is None or gs is None or trk is None:
            return Outcome.IGNORED
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and gs >= 0.0):
            raise ValueError("out of range")
        position_s = self._get(parts, "lastposupdate") or time_s
        table.position(icao, position_s, lat_deg=lat, lon_deg=lon, alt_m=alt)
        table.velocity(icao, time_s, gs_mps=gs, trk_deg=trk, vs_mps=self._get(parts, "vertrate"))
        return Outcome.APPLIED


def row_time_s(rows: OpenSkyRows, line: str) -> float | None:
    """The ``time`` of a row, or None (used to pace a replay)."""
    parts = line.split(",")
    try:
        return float(parts[rows.col["time"]])
    except (ValueError, IndexError):
        return None


def apply_lines(table: TrackTable, lines: Iterable[str], counts: LineCounts) -> Iterator[float]:
    """Apply a whole CSV (header first); yields each row's time for pacing."""
    iterator = iter(lines)
    rows = OpenSkyRows(next(iterator, ""))
    for line in iterator:
        if not line.strip():
            continue
        counts.add(rows.apply(table, line), line)
        time_s = row_time_s(rows, line)
        if time_s is not None:
            yield time_s

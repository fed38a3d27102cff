"""The SBS-1 fields, one definition for both parsers (``sbs`` by line, ``_sbs_bulk`` by block).

A line is 22 comma-separated fields; these are the indices of the ones read, the checks
that make a line malformed, and the units' conversions.
"""

from __future__ import annotations

import calendar
import math

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS

FIELDS = 22
KIND, ICAO, DATE, CLOCK, CALLSIGN = 1, 4, 6, 7, 10
ALT_FT, GS_KT, TRK_DEG, LAT_DEG, LON_DEG, VS_FPM, GROUND = 11, 12, 13, 14, 15, 16, 21
ALT_M_PER_FT, GS_MPS_PER_KT, VS_MPS_PER_FPM = FT_M, KT_MPS, FPM_MPS
ON_GROUND = {"0": False, "-1": True, "1": True}  # other values leave the flag as it was


def check_icao(icao: str) -> None:
    """Raise ValueError unless ``icao`` (upper case) is a 24-bit address in hex."""
    if len(icao) != 6:
        raise ValueError(icao)
    int(icao, 16)


def number(text: str) -> float:
    """A finite number, or ValueError."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def check_position(lat_deg: float, lon_deg: float) -> None:
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0):
        raise ValueError("position out of range")


_DAYS: dict[str, float] = {}


def day_s(date: str) -> float:
    """POSIX seconds of midnight UTC of ``YYYY/MM/DD`` (cached: few distinct dates)."""
    seconds = _DAYS.get(date)
    if seconds is None:
        year, month, day = (int(part) for part in date.split("/"))
        seconds = float(calendar.timegm((year, month, day, 0, 0, 0)))
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            raise ValueError(date)
        _DAYS[date] = seconds
    return seconds

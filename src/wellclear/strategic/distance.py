"""Geodesic distance between two outlines, the way the engine measures it."""

from __future__ import annotations

from datetime import UTC, datetime

from wellclear.model import Intent, Kind, Outline, Volume4D
from wellclear.strategic.exact import footprint_distance_m
from wellclear.strategic.extents import build_table

_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def distance_m(a: Outline, b: Outline) -> float:
    """Minimum geodesic distance in metres between two footprints on WGS84; 0 if they meet.

    >>> from wellclear.model import CircleOutline, LatLng
    >>> a = CircleOutline(LatLng(36.0, 37.0), 1_000.0)
    >>> b = CircleOutline(LatLng(36.1, 37.0), 2_000.0)
    >>> round(distance_m(a, b), 1)  # 11,096.0 m between centres, less both radii
    8096.0
    """
    intents = [
        Intent(name, name, Kind.SITE, (Volume4D(outline, 0.0, 0.0, _MOMENT, None),))
        for name, outline in (("a", a), ("b", b))
    ]
    return footprint_distance_m(build_table(intents, {}), 0, 1)

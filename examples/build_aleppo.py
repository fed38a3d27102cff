"""Builds examples/aleppo.json, the golden scenario (run: .venv/bin/python examples/build_aleppo.py).

Geometry is constructed from named places with geodesic offsets, so the distances that
decide each expected conflict are stated here in metres (see tests/strategic/test_aleppo.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from pyproj import Geod

from wellclear.geo.shapes import corridor
from wellclear.model import LatLng

WGS84 = Geod(ellps="WGS84")
DAY = "2026-11-28"
ALEPPO_CITADEL = LatLng(36.1990, 37.1630)
ALEPPO_HOSPITAL = LatLng(36.2100, 37.1300)
ROUTE = [  # M5 highway: Damascus, Homs, Hama, Aleppo
    LatLng(33.5138, 36.2765), LatLng(34.7324, 36.7137), LatLng(35.1318, 36.7578),
    LatLng(35.9300, 36.9500), LatLng(36.1700, 37.1100),
]  # fmt: skip
ISR_CENTRE = LatLng(36.3500, 37.1000)


def offset(origin: LatLng, azimuth_deg: float, distance_m: float) -> LatLng:
    lng, lat, _ = WGS84.fwd(origin.lng, origin.lat, azimuth_deg, distance_m)
    return LatLng(lat, lng)


def square(centre: LatLng, half_side_m: float) -> list[LatLng]:
    return [offset(centre, az, half_side_m * 2**0.5) for az in (45, 135, 225, 315)]


def vertices(points: list[LatLng]) -> dict[str, object]:
    return {"vertices": [{"lat": round(p.lat, 7), "lng": round(p.lng, 7)} for p in points]}


def volume(outline: dict[str, object], lower_m: float, upper_m: float, t0: str, t1: str | None):
    shape_key = "outline_circle" if "center" in outline else "outline_polygon"
    extent: dict[str, object] = {
        "volume": {
            shape_key: outline,
            "altitude_lower": {"value": lower_m, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": upper_m, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": f"{DAY}T{t0}:00Z", "format": "RFC3339"},
    }
    if t1 is not None:
        extent["time_end"] = {"value": f"{DAY}T{t1}:00Z", "format": "RFC3339"}
    return extent


def disc(centre: LatLng, radius_m: float) -> dict[str, object]:
    return {
        "center": {"lat": round(centre.lat, 7), "lng": round(centre.lng, 7)},
        "radius": {"value": radius_m, "units": "M"},
    }


def flight_legs(start: LatLng, azimuth: float, legs: int, leg_m: float, times: list[str]):
    points = [offset(start, azimuth, k * leg_m) for k in range(legs + 1)]
    return [
        volume(vertices(corridor([a, b], 4_000.0).vertices), 4_500.0, 5_100.0, t0, t1)
        for a, b, t0, t1 in zip(points, points[1:], times, times[1:], strict=False)
    ]


def scenario() -> dict[str, object]:
    strike_centre = offset(ISR_CENTRE, 90.0, 14_000.0)  # square edge 2 km beyond the ISR disc
    training_centre = offset(ALEPPO_HOSPITAL, 0.0, 5_000.0 + 300.0 + 700.0)
    intents = [
        {"id": "un-convoy-m5", "party": "un-convoys", "kind": "movement", "priority": 2,
         "extents": [volume(vertices(corridor(ROUTE, 1_000.0).vertices), 0.0, 50.0, "06:00", "14:00")]},
        {"id": "ngo-hospital-aleppo", "party": "ngo-sites", "kind": "site", "priority": 3,
         "extents": [volume(disc(ALEPPO_HOSPITAL, 300.0), 0.0, 60.0, "00:00", None)]},
        {"id": "joint-citadel-restriction", "party": "joint-cell", "kind": "restriction",
         "priority": 3,
         "extents": [volume(vertices(square(ALEPPO_CITADEL, 1_000.0)), 0.0, 3_000.0, "06:00", "18:00")]},
        {"id": "blue-isr-north", "party": "blue-air", "kind": "operation", "priority": 1,
         "extents": [volume(disc(ISR_CENTRE, 8_000.0), 3_000.0, 6_000.0, "08:00", "12:00")]},
        {"id": "red-strike-east", "party": "red-air", "kind": "operation", "priority": 1,
         "extents": [volume(vertices(square(strike_centre, 4_000.0)), 4_000.0, 7_000.0, "09:00", "11:00")]},
        {"id": "red-training-north", "party": "red-air", "kind": "operation", "priority": 0,
         "extents": [volume(disc(training_centre, 5_000.0), 500.0, 2_500.0, "12:30", "13:30")]},
        {"id": "blue-air-7", "party": "blue-air", "kind": "flight", "priority": 1,
         "extents": flight_legs(offset(strike_centre, 180.0, 30_000.0), 0.0, 3, 20_000.0,
                                ["09:30", "09:40", "09:50", "10:00"])},
        {"id": "red-air-3", "party": "red-air", "kind": "flight", "priority": 1,
         "extents": [volume(vertices(corridor([offset(ALEPPO_CITADEL, 270.0, 20_000.0),
                                                offset(ALEPPO_CITADEL, 90.0, 20_000.0)], 2_000.0).vertices),
                            2_000.0, 2_600.0, "14:00", "14:20")]},
        {"id": "blue-air-9", "party": "blue-air", "kind": "flight", "priority": 1,
         "extents": flight_legs(offset(ALEPPO_CITADEL, 270.0, 80_000.0), 0.0, 2, 20_000.0,
                                ["15:00", "15:10", "15:20"])},
    ]  # fmt: skip
    return {"intents": intents}


if __name__ == "__main__":
    target = Path(__file__).with_name("aleppo.json")
    target.write_text(json.dumps(scenario(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")

"""Builders of intent bodies (F3548 JSON) for service and HTTP tests, in SI units."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ORIGIN = (36.2, 37.1)  # lat, lng: Aleppo


def offset(azimuth_deg: float, distance_m: float, origin: tuple[float, float] = ORIGIN):
    lng, lat, _ = WGS84.fwd(origin[1], origin[0], azimuth_deg, distance_m)
    return lat, lng


def rfc3339(moment: datetime) -> dict[str, str]:
    return {"value": moment.isoformat().replace("+00:00", "Z"), "format": "RFC3339"}


def circle_extent(
    centre: tuple[float, float] = ORIGIN,
    radius_m: float = 1_000.0,
    floor_m: float = 1_000.0,
    ceiling_m: float = 2_000.0,
    start_min: float = 0.0,
    end_min: float | None = 60.0,
) -> dict[str, Any]:
    extent: dict[str, Any] = {
        "volume": {
            "outline_circle": {
                "center": {"lat": centre[0], "lng": centre[1]},
                "radius": {"value": radius_m, "units": "M"},
            },
            "altitude_lower": {"value": floor_m, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": ceiling_m, "reference": "W84", "units": "M"},
        },
        "time_start": rfc3339(T0 + timedelta(minutes=start_min)),
    }
    if end_min is not None:
        extent["time_end"] = rfc3339(T0 + timedelta(minutes=end_min))
    return extent


def square_extent(
    centre: tuple[float, float] = ORIGIN, half_side_m: float = 1_000.0, **kwargs: Any
) -> dict[str, Any]:
    extent = circle_extent(centre, **kwargs)
    corners = [offset(az, half_side_m * 2**0.5, centre) for az in (45, 135, 225, 315)]
    vertices = [{"lat": lat, "lng": lng} for lat, lng in corners]
    del extent["volume"]["outline_circle"]
    extent["volume"]["outline_polygon"] = {"vertices": vertices}
    return extent


def intent_body(kind: str = "flight", *extents: dict[str, Any], priority: int = 0, **extra: Any):
    return {
        "kind": kind,
        "priority": priority,
        "extents": list(extents or [circle_extent()]),
        **extra,
    }


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()

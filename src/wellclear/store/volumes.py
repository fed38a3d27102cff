"""Extents as stored: F3548 Volume4D JSON in metres above WGS84, and what is derived from them.

The JSON written here is the API's own extent format, so an intent reads back the way
F3548 clients expect. Reading trusts the text (it was checked when filed) and is fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wellclear.geo.frames import WGS84
from wellclear.ingest.export import rfc3339
from wellclear.model import CircleOutline, LatLng, Outline, PolygonOutline, Volume4D
from wellclear.store.models import OPEN_END_US

JsonObject = dict[str, Any]


def extents_to_json(extents: Sequence[Volume4D]) -> str:
    return json.dumps([volume4d_json(e) for e in extents], separators=(",", ":"))


def extents_from_json(text: str) -> tuple[Volume4D, ...]:
    return tuple(_volume4d(item) for item in json.loads(text))


def volume4d_json(extent: Volume4D) -> JsonObject:
    """F3548 Volume4D, altitudes in metres above the WGS84 ellipsoid."""
    volume: JsonObject = {
        **_outline_json(extent.outline),
        "altitude_lower": _altitude(extent.floor_m),
        "altitude_upper": _altitude(extent.ceiling_m),
    }
    document: JsonObject = {"volume": volume, "time_start": _time(extent.start)}
    if extent.end is not None:
        document["time_end"] = _time(extent.end)
    return document


def _outline_json(outline: Outline) -> JsonObject:
    if isinstance(outline, CircleOutline):
        return {
            "outline_circle": {
                "center": {"lat": outline.center.lat, "lng": outline.center.lng},
                "radius": {"value": outline.radius_m, "units": "M"},
            }
        }
    vertices = [{"lat": v.lat, "lng": v.lng} for v in outline.vertices]
    return {"outline_polygon": {"vertices": vertices}}


def _altitude(metres: float) -> JsonObject:
    return {"value": metres, "reference": "W84", "units": "M"}


def _time(moment: datetime) -> JsonObject:
    return {"value": rfc3339(moment), "format": "RFC3339"}


def _volume4d(item: JsonObject) -> Volume4D:
    volume = item["volume"]
    end = item.get("time_end")
    return Volume4D(
        outline=_outline(volume),
        floor_m=float(volume["altitude_lower"]["value"]),
        ceiling_m=float(volume["altitude_upper"]["value"]),
        start=datetime.fromisoformat(item["time_start"]["value"]),
        end=None if end is None else datetime.fromisoformat(end["value"]),
    )


def _outline(volume: JsonObject) -> Outline:
    if "outline_circle" in volume:
        circle = volume["outline_circle"]
        centre = circle["center"]
        return CircleOutline(LatLng(centre["lat"], centre["lng"]), circle["radius"]["value"])
    vertices = volume["outline_polygon"]["vertices"]
    return PolygonOutline(tuple(LatLng(v["lat"], v["lng"]) for v in vertices))


def time_us(moment: datetime | None) -> int:
    """POSIX microseconds; ``None`` (open end) is :data:`OPEN_END_US`."""
    return OPEN_END_US if moment is None else round(moment.timestamp() * 1_000_000)


@dataclass(frozen=True, slots=True)
class Span:
    """What an intent's extents cover together: time, altitude and a lat/lng bounding box."""

    time_start_us: int
    time_end_us: int
    altitude_lower_m: float
    altitude_upper_m: float
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float


def span_of(extents: Sequence[Volume4D]) -> Span:
    boxes = [_box(e.outline) for e in extents]
    return Span(
        time_start_us=min(time_us(e.start) for e in extents),
        time_end_us=max(time_us(e.end) for e in extents),
        altitude_lower_m=min(e.floor_m for e in extents),
        altitude_upper_m=max(e.ceiling_m for e in extents),
        min_lat=min(b[0] for b in boxes),
        min_lng=min(b[1] for b in boxes),
        max_lat=max(b[2] for b in boxes),
        max_lng=max(b[3] for b in boxes),
    )


def _box(outline: Outline) -> tuple[float, float, float, float]:
    """(min_lat, min_lng, max_lat, max_lng) of an outline (for filters, not for safety).

    A circle's box is 1 % generous, which holds its widest longitude for radii the
    limits allow (the widest point lies slightly poleward of the centre).
    """
    if isinstance(outline, PolygonOutline):
        lats = [v.lat for v in outline.vertices]
        lngs = [v.lng for v in outline.vertices]
        return min(lats), min(lngs), max(lats), max(lngs)
    centre, radius_m = outline.center, outline.radius_m * 1.01
    east, _, _ = WGS84.fwd(centre.lng, centre.lat, 90.0, radius_m)
    _, north, _ = WGS84.fwd(centre.lng, centre.lat, 0.0, radius_m)
    _, south, _ = WGS84.fwd(centre.lng, centre.lat, 180.0, radius_m)
    half_lng = abs(float(east) - centre.lng)
    return float(south), centre.lng - half_lng, float(north), centre.lng + half_lng

"""What the demo sends over HTTP: intents as F3548 JSON bodies, states as track reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wellclear.demo.flights import State
from wellclear.ingest.export import rfc3339
from wellclear.model import CircleOutline, Intent, Volume4D

KNOT_MPS = 1852.0 / 3600.0
FPM_MPS = 0.3048 / 60.0


def intent_body(intent: Intent) -> dict[str, Any]:
    """The body of ``PUT /v1/intents/{id}``: the intent without ``id`` and ``party``.

    >>> from datetime import UTC
    >>> from wellclear.model import Kind, LatLng
    >>> at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    >>> disc = Volume4D(CircleOutline(LatLng(36.2, 37.1), 300.0), 0.0, 60.0, at, None)
    >>> body = intent_body(Intent("h", "ngo", Kind.SITE, (disc,), priority=3))
    >>> body["extents"][0]["volume"]["outline_circle"]
    {'center': {'lat': 36.2, 'lng': 37.1}, 'radius': {'value': 300.0, 'units': 'M'}}
    >>> "time_end" in body["extents"][0], body["kind"], body["priority"]
    (False, 'site', 3)
    """
    body: dict[str, Any] = {
        "kind": str(intent.kind),
        "priority": intent.priority,
        "extents": [_extent(e) for e in intent.extents],
    }
    if intent.tracks:
        body["tracks"] = list(intent.tracks)
    return body


def _extent(extent: Volume4D) -> dict[str, Any]:
    outline = extent.outline
    if isinstance(outline, CircleOutline):
        shape: dict[str, Any] = {
            "outline_circle": {
                "center": {"lat": outline.center.lat, "lng": outline.center.lng},
                "radius": {"value": outline.radius_m, "units": "M"},
            }
        }
    else:
        vertices = [{"lat": round(p.lat, 7), "lng": round(p.lng, 7)} for p in outline.vertices]
        shape = {"outline_polygon": {"vertices": vertices}}
    volume = {
        **shape,
        "altitude_lower": {"value": extent.floor_m, "reference": "W84", "units": "M"},
        "altitude_upper": {"value": extent.ceiling_m, "reference": "W84", "units": "M"},
    }
    wire: dict[str, Any] = {
        "volume": volume,
        "time_start": {"value": rfc3339(extent.start), "format": "RFC3339"},
    }
    if extent.end is not None:
        wire["time_end"] = {"value": rfc3339(extent.end), "format": "RFC3339"}
    return wire


def track_state(icao24: str, callsign: str, state: State, at: datetime) -> dict[str, Any]:
    """One entry of ``POST /v1/tracks``: knots and feet per minute on the wire, as ADS-B.

    >>> from datetime import UTC
    >>> s = State(lat=36.2, lon=37.1, alt_m=4800.0, trk_deg=180.0, gs_mps=100.0, vs_mps=5.08)
    >>> track_state("7781A7", "RED31", s, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))["gs_kt"]
    194.38
    """
    return {
        "id": icao24,
        "callsign": callsign,
        "lat": round(state.lat, 7),
        "lon": round(state.lon, 7),
        "alt_m": round(state.alt_m, 1),
        "trk_deg": round(state.trk_deg, 2),
        "gs_kt": round(state.gs_mps / KNOT_MPS, 2),
        "vs_fpm": round(state.vs_mps / FPM_MPS, 1),
        "at": rfc3339(at),
    }

"""Valid documents that the ingest tests break one field at a time.

Imported as ``from ingest_samples import ...`` (pytest puts this folder on sys.path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wellclear.errors import InvalidInput, Problem

Json = dict[str, Any]

SQUARE = [(36.20, 37.10), (36.20, 37.11), (36.21, 37.11), (36.21, 37.10)]
"""An ~0.9 km x 1.1 km square near Aleppo as (lat, lng)."""

START = "2026-05-01T10:00:00Z"
END = "2026-05-01T11:00:00Z"


def f3548_volume4d() -> Json:
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": lat, "lng": lng} for lat, lng in SQUARE]},
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 1000, "reference": "W84", "units": "FT"},
        },
        "time_start": {"value": START, "format": "RFC3339"},
        "time_end": {"value": END, "format": "RFC3339"},
    }


def f3548_intent(intent_id: str = "blue-7") -> Json:
    return {"id": intent_id, "party": "blue", "kind": "operation", "extents": [f3548_volume4d()]}


def geojson_feature(intent_id: str = "blue-7") -> Json:
    ring = [[lng, lat] for lat, lng in SQUARE]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "properties": {
            "id": intent_id,
            "party": "blue",
            "kind": "operation",
            "time_start": START,
            "time_end": END,
            "altitude_lower_m": 0,
            "altitude_upper_m": 300,
        },
    }


def feature_collection(*features: Json) -> Json:
    return {"type": "FeatureCollection", "features": list(features)}


def problems_of(parse: Callable[[], object]) -> tuple[Problem, ...]:
    """The problems ``parse`` raised; fails the test if it returned instead."""
    with pytest.raises(InvalidInput) as caught:
        parse()
    return caught.value.problems


def intents_doc() -> Json:
    """A valid F3548 document with one operation of one polygon extent."""
    return {"intents": [f3548_intent()]}


def geojson_doc() -> Json:
    """A valid FeatureCollection with one Polygon feature."""
    return feature_collection(geojson_feature())

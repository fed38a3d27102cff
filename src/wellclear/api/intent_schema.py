"""The filed intent's wire schema (ASTM F3548-21 JSON), for the OpenAPI document.

These models describe the body of ``POST /v1/intents`` and ``PUT /v1/intents/{id}``; they
never check it. The ingest parser (:mod:`wellclear.service.bodies`) reads the raw body, so
its problems name JSON paths and it applies what a schema cannot say: vertices that make a
simple polygon, ``time_end`` after ``time_start`` (and required but for sites and
restrictions), ``altitude_lower`` not above ``altitude_upper``, the area and vertex limits.
What the schema does say, the parser also refuses: a body outside it answers 422.

Optional members may be ``null`` (the parser reads ``null`` as absent), but for ``id`` and
``party``, which must name the URL's id and the key's party when given; required ones may not.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema, models_json_schema

from wellclear.model import Kind

# The parser's own pattern (ingest/_fields.py), anchored: an RFC 3339 time with a zone.
RFC3339_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
NON_BLANK = r"\S"
MAX_VERTICES = 1000
MAX_EXTENTS = 200
MAX_TRACKS = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatLngIn(_Strict):
    lat: float = Field(ge=-90, le=90, description="Degrees, WGS84.")
    lng: float = Field(ge=-180, le=180, description="Degrees, WGS84.")


class PolygonIn(_Strict):
    vertices: list[LatLngIn] = Field(
        min_length=3,
        max_length=MAX_VERTICES,
        description="An open ring (last ≠ first), either orientation; edges are geodesics.",
    )


class RadiusIn(_Strict):
    value: float = Field(gt=0)
    units: Literal["M"]


class CircleIn(_Strict):
    """A geodesic disc."""

    center: LatLngIn
    radius: RadiusIn


class AltitudeIn(_Strict):
    value: float
    reference: Literal["W84"] = Field(description="Height above the WGS84 ellipsoid.")
    units: Literal["M", "FT"]


class TimeIn(_Strict):
    value: Annotated[str, Field(pattern=RFC3339_PATTERN, examples=["2026-05-01T10:00:00Z"])]
    format: Literal["RFC3339"]


_ONE_OUTLINE: dict[str, Any] = {
    "oneOf": [
        {"required": ["outline_polygon"], "properties": {"outline_polygon": {"type": "object"}}},
        {"required": ["outline_circle"], "properties": {"outline_circle": {"type": "object"}}},
    ]
}


class VolumeIn(_Strict):
    """F3548 Volume3D: exactly one of ``outline_polygon`` and ``outline_circle``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_ONE_OUTLINE)

    outline_polygon: PolygonIn | None = None
    outline_circle: CircleIn | None = None
    altitude_lower: AltitudeIn
    altitude_upper: AltitudeIn


class Volume4DIn(_Strict):
    """F3548 Volume4D. ``time_end`` may be left out only by sites and restrictions."""

    volume: VolumeIn
    time_start: TimeIn
    time_end: TimeIn | None = None


_EXAMPLE: dict[str, Any] = {
    "kind": "flight",
    "priority": 0,
    "extents": [
        {
            "volume": {
                "outline_circle": {
                    "center": {"lat": 36.2, "lng": 37.1},
                    "radius": {"value": 2000, "units": "M"},
                },
                "altitude_lower": {"value": 1000, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": 2000, "reference": "W84", "units": "M"},
            },
            "time_start": {"value": "2026-05-01T10:00:00Z", "format": "RFC3339"},
            "time_end": {"value": "2026-05-01T11:00:00Z", "format": "RFC3339"},
        }
    ],
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class IntentIn(_Strict):
    """One intent to file. ``party`` is the API key's: leave it out, or give that name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    party: Annotated[str, Field(pattern=NON_BLANK)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    kind: Kind
    priority: int | None = Field(default=0, description="Higher wins under `reject`.")
    state: Literal["accepted", "activated"] | None = "accepted"
    tracks: (
        Annotated[list[Annotated[str, Field(pattern=NON_BLANK)]], Field(max_length=MAX_TRACKS)]
        | None
    ) = Field(default=None, description="ICAO addresses or callsigns of the tracks flying it.")
    extents: list[Volume4DIn] = Field(min_length=1, max_length=MAX_EXTENTS)


class IntentPutIn(IntentIn):
    """One intent to file under the id in the URL: ``id``, if given, is that id."""

    id: Annotated[str, Field(pattern=NON_BLANK)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )


def body_schemas() -> dict[str, Any]:
    """The request-body models as OpenAPI components (``#/components/schemas/...``)."""
    _, document = models_json_schema(
        [(IntentIn, "validation"), (IntentPutIn, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = document["$defs"]
    return schemas


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body of ``model`` that the route reads itself."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}

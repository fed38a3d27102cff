"""Wire schemas of the API (pydantic), for responses and the OpenAPI document.

Filed intents are parsed by :mod:`wellclear.ingest` (for its field paths), so their request
schema here documents the body rather than checking it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wellclear.model import State


class IntentOut(BaseModel):
    """An intent in full (only ever shown to its own party, observers and admins)."""

    id: str
    party: str
    kind: str
    state: str
    priority: int
    version: str = Field(description="Opaque; changes on every write. Send it back in If-Match.")
    extents: list[dict[str, Any]] = Field(description="F3548 Volume4D, metres above WGS84.")
    created_at: str
    updated_at: str


class RegionOut(BaseModel):
    footprint: dict[str, Any] = Field(description="GeoJSON geometry, counter-clockwise rings.")
    altitude_lower_m: float
    altitude_upper_m: float
    time_start: str | None
    time_end: str | None


class ConflictOut(BaseModel):
    """A conflict as the caller may see it: own side first; the other intent's id is withheld."""

    id: str | None
    mode: str
    status: str
    parties: list[str]
    kinds: list[str]
    intents: list[str | None]
    counterparty: str | None
    must_act: list[str] = Field(description="Parties that must replan or coordinate.")
    region: RegionOut
    created_at: str | None


class FilingOut(BaseModel):
    intent: IntentOut
    conflicts: list[ConflictOut]


class IntentPage(BaseModel):
    items: list[IntentOut]
    next_cursor: str | None


class ConflictPage(BaseModel):
    items: list[ConflictOut]
    next_cursor: str | None


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: State


class HealthOut(BaseModel):
    status: str
    detail: str | None = None


_NUMBER_UNITS = {"type": "object", "properties": {"value": {"type": "number"}}}
INTENT_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One intent in ASTM F3548-21 JSON, without party (and without id on POST).",
    "required": ["kind", "extents"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["flight", "operation", "movement", "site", "restriction"],
        },
        "priority": {"type": "integer", "default": 0},
        "state": {"type": "string", "enum": ["accepted", "activated"], "default": "accepted"},
        "extents": {
            "type": "array",
            "minItems": 1,
            "maxItems": 200,
            "items": {
                "type": "object",
                "required": ["volume", "time_start"],
                "properties": {
                    "volume": {"type": "object"},
                    "time_start": _NUMBER_UNITS | {"properties": {"value": {"type": "string"}}},
                    "time_end": _NUMBER_UNITS | {"properties": {"value": {"type": "string"}}},
                },
            },
        },
    },
}
INTENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": INTENT_BODY_SCHEMA}},
    }
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": title, "content": {"application/problem+json": {}}}
    for status, title in (
        (401, "No usable API key"),
        (403, "Not allowed for this party"),
        (404, "No such intent for this party"),
        (409, "Refused by policy, or an invalid transition"),
        (412, "If-Match names another version"),
        (413, "Body too large"),
        (422, "Invalid input, with field paths"),
        (428, "If-Match required"),
        (429, "Rate limited; see Retry-After"),
    )
}

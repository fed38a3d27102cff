"""Wire schemas of the API (pydantic), for responses and the OpenAPI document.

Filed intents are parsed by :mod:`wellclear.ingest` (for its field paths), so their request
schema (:mod:`wellclear.api.intent_schema`) documents the body rather than checking it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from wellclear.model import State
from wellclear.service.callers import Role
from wellclear.service.ids import CLIENT_ID
from wellclear.service.parties import PARTY_NAME

# What an id, a party name or a cursor can be; anything else is refused (422) before it
# reaches a query (PostgreSQL refuses a NUL in text: that was a 500, found by fuzzing).
INTENT_ID_PATTERN = f"^{CLIENT_ID.pattern}$"
PARTY_PATTERN = f"^{PARTY_NAME.pattern}$"
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,1000}$"


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
    tracks: list[str] = Field(
        default_factory=list,
        description="The tracks flying it: ICAO addresses or callsigns, upper case, sorted.",
    )


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


class MeOut(BaseModel):
    """The party a key speaks for, and what it may do."""

    party: str
    role: Role


class HealthOut(BaseModel):
    status: str
    detail: str | None = None


class FieldErrorOut(BaseModel):
    path: str = Field(description="The field, as the parser names it: extents[0].time_end.")
    pointer: str = Field(description="The same field as a JSON pointer: /extents/0/time_end.")
    detail: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = Field(default=None, description="Bad input only.")
    intent_id: str | None = Field(default=None, description="A refused filing's id.")
    conflicts: list[ConflictOut] | None = Field(
        default=None, description="A refused filing's conflicts, as the filer may see them."
    )


PROBLEM_TITLES: dict[int, str] = {
    401: "No usable API key (none, malformed, unknown or expired)",
    403: "The party is disabled, or its role may not do this",
    404: "No such intent (or party) for this caller",
    409: "Refused by policy (with the conflicts), or an invalid state transition",
    412: "If-Match names another version, or an intent that does not exist",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "Invalid input, with field paths",
    428: "The intent exists: replacing it needs If-Match",
    429: "Rate limited; see Retry-After",
}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds", "schema": {"type": "string"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these problem statuses (401 and 429 are always possible on
    ``/v1``: every request there is authenticated and rate limited)."""
    return {
        status: {
            "description": PROBLEM_TITLES[status],
            "content": _PROBLEM,
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in sorted({401, 403, 429, *statuses})
    }


def documented_schemas() -> dict[str, Any]:
    """Models the routes only name by ``$ref`` (problems, bodies they read themselves), as
    OpenAPI components."""
    _, document = models_json_schema(
        [(ProblemOut, "serialization"), (StateIn, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = document["$defs"]
    return schemas

"""``/v1/intents``: file, replace, read, list, change state and end intents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Path, Query, Request, Response

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.bodies import json_body, parse_body
from wellclear.api.encoding import encode_json
from wellclear.api.intent_schema import RFC3339_PATTERN, IntentIn, IntentPutIn, body_of
from wellclear.api.lanes import run_write
from wellclear.api.routes import api_router
from wellclear.api.schemas import (
    CURSOR_PATTERN,
    INTENT_ID_PATTERN,
    PARTY_PATTERN,
    FilingOut,
    IntentOut,
    IntentPage,
    StateIn,
    problem_responses,
)
from wellclear.errors import InvalidInput, Problem
from wellclear.model import Kind, State
from wellclear.service import (
    Filing,
    FilingRequest,
    IntentQuery,
    IntentView,
    change_state,
    end_intent,
    file_intent,
    get_intent,
    list_intents,
)

router = api_router(prefix="/v1/intents", tags=["intents"])

IntentId = Annotated[
    str, Path(pattern=INTENT_ID_PATTERN, description="The intent's id within its party.")
]
Party = Query(pattern=PARTY_PATTERN, description="Observers: one party's")
Cursor = Annotated[str | None, Query(pattern=CURSOR_PATTERN)]
# RFC 3339 with a zone, as filed times are; a bare number is not a time here.
TIME: dict[str, Any] = {
    "pattern": RFC3339_PATTERN,
    "json_schema_extra": {"format": "date-time", "examples": ["2026-05-01T10:00:00Z"]},
}
IfMatch = Annotated[str | None, Header(description="The version being replaced.")]


def _version(if_match: str | None) -> str | None:
    """``"v1"``, ``W/"v1"`` and ``v1`` all name version ``v1``."""
    if if_match is None:
        return None
    return if_match.strip().removeprefix("W/").strip('"')


def _filed(request: Request, filing: Filing) -> Response:
    """The filing's answer, encoded once. Its shape is :class:`FilingOut` (which the routes
    declare for the OpenAPI document); validating it again on the hot path cost a filing
    a tenth of its time (tests/e2e/test_fuzz.py checks answers against the schema)."""
    metrics = request.app.state.metrics
    metrics.filings.labels("created" if filing.created else "replaced").inc()
    for conflict in filing.conflicts:
        metrics.conflicts.labels(conflict.mode).inc()
    return Response(
        encode_json(filing.as_json()),
        status_code=201 if filing.created else 200,
        media_type="application/json",
        headers={
            "ETag": f'"{filing.intent.version}"',
            "Location": f"/v1/intents/{filing.intent.id}",
        },
    )


def _intent(response: Response, view: IntentView) -> IntentOut:
    response.headers["ETag"] = f'"{view.version}"'
    return IntentOut.model_validate(view.as_json())


@router.post(
    "",
    status_code=201,
    response_model=FilingOut,
    openapi_extra=body_of(IntentIn),
    responses=problem_responses(409, 413, 415, 422),
)
async def post_intent(
    request: Request,
    caller: CallerDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """File a new intent (the server picks its id). 409 with the conflicts if policy refuses it."""
    filing_request = FilingRequest(await json_body(request), idempotency_key=idempotency_key)
    filing = await run_write(request, file_intent, caller, filing_request)
    return _filed(request, filing)


@router.put(
    "/{intent_id}",
    response_model=FilingOut,
    openapi_extra=body_of(IntentPutIn),
    responses={
        201: {"description": "Created under this id", "model": FilingOut},
        **problem_responses(409, 412, 413, 415, 422, 428),
    },
)
async def put_intent(
    request: Request,
    caller: CallerDep,
    intent_id: IntentId,
    if_match: IfMatch = None,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Create an intent under this id (201), or replace it with If-Match (200; stale: 412)."""
    filing_request = FilingRequest(
        await json_body(request), intent_id, _version(if_match), idempotency_key
    )
    filing = await run_write(request, file_intent, caller, filing_request)
    return _filed(request, filing)


@router.get("", response_model=IntentPage, responses=problem_responses(404, 422))
def get_intents(
    service: ServiceDep,
    caller: CallerDep,
    kind: Annotated[list[Kind] | None, Query()] = None,
    state: Annotated[list[State] | None, Query()] = None,
    start: Annotated[str | None, Query(description="Overlapping this window", **TIME)] = None,
    end: Annotated[str | None, Query(**TIME)] = None,
    bbox: Annotated[str | None, Query(description="min_lng,min_lat,max_lng,max_lat")] = None,
    party: Annotated[str | None, Party] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> IntentPage:
    """The caller's intents (every party's, for observers), filtered and paginated."""
    query = IntentQuery(
        kinds=frozenset(kind or ()),
        states=frozenset(state or ()),
        start=_moment(start, "start"),
        end=_moment(end, "end"),
        bbox=_bbox(bbox),
        party=party,
        cursor=cursor,
        limit=limit,
    )
    page = list_intents(service, caller, query)
    return IntentPage(
        items=[IntentOut.model_validate(i.as_json()) for i in page.items],
        next_cursor=page.next_cursor,
    )


def _moment(text: str | None, name: str) -> datetime | None:
    """An RFC 3339 time (with a zone, as the pattern says), or a 422 naming the parameter."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError as error:
        raise InvalidInput(
            [Problem("", f"query.{name}", f"is not a valid time: {error}")]
        ) from None


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    reason = "must be min_lng,min_lat,max_lng,max_lat in degrees, min before max"
    try:
        min_lng, min_lat, max_lng, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput([Problem("", "query.bbox", reason)]) from None
    lngs_ok = -180 <= min_lng <= max_lng <= 180  # NaN fails these too
    if not (lngs_ok and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput([Problem("", "query.bbox", reason)])
    return min_lng, min_lat, max_lng, max_lat


@router.get("/{intent_id}", response_model=IntentOut, responses=problem_responses(404, 422))
def get_one_intent(
    response: Response,
    service: ServiceDep,
    caller: CallerDep,
    intent_id: IntentId,
    party: Annotated[str | None, Party] = None,
) -> IntentOut:
    """One of the caller's intents; another party's answers 404 (existence is not disclosed)."""
    return _intent(response, get_intent(service, caller, intent_id, party))


@router.post(
    "/{intent_id}/state",
    response_model=IntentOut,
    openapi_extra=body_of(StateIn),
    responses=problem_responses(404, 409, 412, 413, 415, 422),
)
async def post_state(
    request: Request,
    response: Response,
    caller: CallerDep,
    intent_id: IntentId,
    if_match: IfMatch = None,
) -> IntentOut:
    """Move the intent through its lifecycle; a step F3548 does not allow answers 409."""
    state = parse_body(StateIn, await json_body(request)).state
    view = await run_write(request, change_state, caller, intent_id, state, _version(if_match))
    return _intent(response, view)


@router.delete("/{intent_id}", response_model=IntentOut, responses=problem_responses(404, 412, 422))
async def delete_intent(
    request: Request,
    response: Response,
    caller: CallerDep,
    intent_id: IntentId,
    if_match: IfMatch = None,
) -> IntentOut:
    """End the intent (it stays readable, as ``ended``) and free its space."""
    view = await run_write(request, end_intent, caller, intent_id, _version(if_match))
    return _intent(response, view)

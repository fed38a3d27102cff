"""``/v1/conflicts``: conflicts involving the caller's intents (all, for observers)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.routes import api_router
from wellclear.api.schemas import (
    CURSOR_PATTERN,
    INTENT_ID_PATTERN,
    ConflictOut,
    ConflictPage,
    problem_responses,
)
from wellclear.service import list_conflicts

router = api_router(prefix="/v1/conflicts", tags=["conflicts"])


@router.get("", response_model=ConflictPage, responses=problem_responses(404, 422))
def get_conflicts(
    service: ServiceDep,
    caller: CallerDep,
    status: Annotated[list[Literal["open", "resolved"]] | None, Query()] = None,
    intent: Annotated[
        str | None, Query(pattern=INTENT_ID_PATTERN, description="Only those of this own intent")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ConflictPage:
    """Region, counterparty name, kinds, mode and status of each conflict, oldest first."""
    page = list_conflicts(
        service,
        caller,
        statuses=frozenset(status or ()),
        intent_id=intent,
        cursor=cursor,
        limit=limit,
    )
    return ConflictPage(
        items=[ConflictOut.model_validate(c.as_json()) for c in page.items],
        next_cursor=page.next_cursor,
    )

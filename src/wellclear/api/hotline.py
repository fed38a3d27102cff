"""The party-to-party hotline: messages and threads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.bodies import documented_body, json_body, parse_body
from wellclear.api.lanes import run_write
from wellclear.api.routes import api_router
from wellclear.api.schemas import CURSOR_PATTERN, PARTY_PATTERN, problem_responses
from wellclear.service.hotline import MAX_BODY_CHARS, list_messages, send_message

router = api_router(prefix="/v1/hotline", tags=["hotline"])


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(pattern=PARTY_PATTERN, description="The recipient party's name")
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    regarding: str | None = Field(
        default=None,
        pattern=r"^(conflict|alert):[A-Za-z0-9._-]{1,64}$",
        description='"conflict:<id>" or "alert:<id>" of both parties',
    )


class MessageOut(BaseModel):
    """A message; ``read_at`` is when the recipient acknowledged its notice."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    sender: str = Field(alias="from")
    to: str
    body: str
    regarding: str | None
    created_at: str
    read_at: str | None


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


@router.post(
    "/messages",
    status_code=201,
    response_model=MessageOut,
    response_model_by_alias=True,
    openapi_extra=documented_body(MessageIn),
    responses=problem_responses(404, 413, 415, 422),
)
async def post_message(request: Request, caller: CallerDep) -> MessageOut:
    """Send a message; the recipient gets a ``message`` notice (its ack is the read receipt)."""
    message = parse_body(MessageIn, await json_body(request))
    sent = await run_write(
        request, send_message, caller, message.to, message.body, message.regarding
    )
    return MessageOut.model_validate(sent.as_json())


@router.get(
    "/messages",
    response_model=MessagePage,
    response_model_by_alias=True,
    responses=problem_responses(404, 422),
)
def get_messages(
    service: ServiceDep,
    caller: CallerDep,
    with_: Annotated[
        str | None, Query(alias="with", pattern=PARTY_PATTERN, description="Only this thread")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> MessagePage:
    """Messages to or from the caller, oldest first."""
    page = list_messages(service, caller, with_party=with_, cursor=cursor, limit=limit)
    return MessagePage(
        items=[MessageOut.model_validate(m.as_json()) for m in page.items],
        next_cursor=page.next_cursor,
    )

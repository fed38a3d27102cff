"""Notices: the inbox, acknowledgement, the server-sent event stream, webhook deliveries
(the background work that delivers and escalates them: :mod:`wellclear.api.notice_work`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.intent_schema import RFC3339_PATTERN
from wellclear.api.notice_work import LISTENING_POLL_S, Wakeup, settings_of, wakeup_of
from wellclear.api.routes import api_router
from wellclear.api.schemas import CURSOR_PATTERN, problem_responses
from wellclear.api.settings import NoticeSettings
from wellclear.errors import InvalidInput, Problem
from wellclear.service import Caller, Service, webhooks
from wellclear.service import notices as service_notices
from wellclear.service.notices import NoticeEvent, UnknownNotice

log = logging.getLogger("wellclear.api.notices")
router = api_router(prefix="/v1/notices", tags=["notices"])
STREAM_BATCH = 200
NOTICE_ID = Annotated[int, Path(ge=1, le=2**31 - 1)]
DELIVERY_ID = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NoticeOut(BaseModel):
    """One notice to the caller: about a conflict, alert, escalation or hotline message."""

    id: int
    kind: Literal["conflict", "alert", "nonconforming", "incursion", "escalation", "message"]
    subject: str
    level: str | None
    payload: dict[str, Any]
    created_at: str
    updated_at: str
    deadline_at: str | None
    acked_at: str | None
    acked_by: str | None
    escalated: bool
    closed: bool


class NoticePage(BaseModel):
    items: list[NoticeOut]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    """One attempt to push a notice event to the caller's webhook."""

    id: int
    seq: int
    action: str
    notice_id: int
    attempt: int
    url: str
    outcome: Literal["pending", "delivered", "failed", "dead"]
    due_at: str
    attempted_at: str | None
    status_code: int | None
    error: str | None
    next_attempt_at: str | None
    dead_lettered: bool


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


KindQuery = Literal["conflict", "alert", "nonconforming", "incursion", "escalation", "message"]


@router.get("", response_model=NoticePage, responses=problem_responses(422))
def get_notices(
    service: ServiceDep,
    caller: CallerDep,
    unacked: Annotated[bool, Query(description="Only those not yet acknowledged")] = False,
    kind: Annotated[list[KindQuery] | None, Query()] = None,
    since: Annotated[
        str | None,
        Query(
            description="Only those changed at or after (RFC 3339, with a zone)",
            pattern=RFC3339_PATTERN,
            json_schema_extra={"format": "date-time", "examples": ["2026-05-01T10:00:00Z"]},
        ),
    ] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> NoticePage:
    """The caller's own notices, oldest first."""
    page = service_notices.list_notices(service, caller, unacked=unacked,
                                        kinds=frozenset(kind or ()), since=_moment(since),
                                        cursor=cursor, limit=limit)  # fmt: skip
    return NoticePage(
        items=[NoticeOut.model_validate(n.as_json()) for n in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/deliveries", response_model=DeliveryPage, responses=problem_responses(422))
def get_deliveries(
    service: ServiceDep,
    caller: CallerDep,
    dead: Annotated[
        bool | None, Query(description="true: dead letters only; false: all others")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    """Every attempt to deliver the caller's notice events to its webhook, oldest first."""
    page = webhooks.list_deliveries(service, caller, dead=dead, cursor=cursor, limit=limit)
    return DeliveryPage(
        items=[DeliveryOut.model_validate(d.as_json()) for d in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/deliveries/redeliver",
    status_code=202,
    response_model=DeliveryPage,
    responses=problem_responses(409, 422),
)
def redeliver_dead_letters(service: ServiceDep, caller: CallerDep) -> DeliveryPage:
    """Send every dead letter of the caller again (up to 500 a call: repeat until the list is
    empty), each as a new first attempt due now, to the webhook as it is set now."""
    return DeliveryPage(items=_redelivered(service, caller, None), next_cursor=None)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    responses=problem_responses(404, 409, 422),
)
def redeliver_dead_letter(
    service: ServiceDep, caller: CallerDep, delivery_id: DELIVERY_ID
) -> DeliveryOut:
    """Send one dead letter again: a new first attempt, due now. 409 when it is not a dead
    letter (delivered, still retrying, or redelivered already) or no webhook is set."""
    (again,) = _redelivered(service, caller, delivery_id)
    return again


def _redelivered(service: Service, caller: Caller, delivery_id: int | None) -> list[DeliveryOut]:
    try:
        again = webhooks.redeliver(service, caller, delivery_id)
    except webhooks.UnknownDelivery as error:
        raise HTTPException(404, str(error)) from None
    except webhooks.NotRedeliverable as error:
        raise HTTPException(409, str(error)) from None
    return [DeliveryOut.model_validate(d.as_json()) for d in again]


@router.get(
    "/stream",
    response_class=StreamingResponse,
    include_in_schema=False,  # never ends: documented in docs/hotline.md, not fuzzed
)
async def stream_notices(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    wait_s: Annotated[float | None, Query(ge=0, le=86_400)] = None,
) -> StreamingResponse:
    """Server-sent events: ``id:`` the event's sequence number, ``event: notice``, ``data:``
    the notice. Resume with ``Last-Event-ID`` (or ``last_event_id``); without either, only
    new events. ``wait_s`` ends the stream after that long (default: never)."""
    after = _resume_point(last_event_id_header, last_event_id)
    if after is None:
        after = await run_in_threadpool(service_notices.last_seq, service)
    settings = settings_of(request.app)
    wakeup = wakeup_of(request.app)
    events = _events(service, caller, after, wait_s, settings, wakeup)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.get("/{notice_id}", response_model=NoticeOut, responses=problem_responses(404, 422))
def get_notice(service: ServiceDep, caller: CallerDep, notice_id: NOTICE_ID) -> NoticeOut:
    """One of the caller's notices (another party's is 404)."""
    try:
        notice = service_notices.get_notice(service, caller, notice_id)
    except UnknownNotice as error:
        raise HTTPException(404, str(error)) from None
    return NoticeOut.model_validate(notice.as_json())


@router.post("/{notice_id}/ack", response_model=NoticeOut, responses=problem_responses(404, 422))
def ack_notice(service: ServiceDep, caller: CallerDep, notice_id: NOTICE_ID) -> NoticeOut:
    """Acknowledge one of the caller's notices; again is harmless (the first time is kept)."""
    try:
        notice = service_notices.acknowledge(service, caller, notice_id)
    except UnknownNotice as error:
        raise HTTPException(404, str(error)) from None
    return NoticeOut.model_validate(notice.as_json())


def _moment(text: str | None) -> datetime | None:
    """An RFC 3339 time with a zone (as the pattern says), or a 422 naming ``since``."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError as error:
        raise _problem_422("query.since", f"is not a valid time: {error}") from None
    if moment.tzinfo is None:
        raise _problem_422("query.since", "must carry a time zone (RFC 3339)")
    return moment


def _problem_422(field: str, detail: str) -> Exception:
    return InvalidInput([Problem("", field, detail)])


def _resume_point(header: str | None, query: int | None) -> int | None:
    if header is not None and header.strip():
        text = header.strip()
        if not text.isdigit() or len(text) > 18:
            raise _problem_422("Last-Event-ID", "must be the id of an event this stream sent")
        return int(text)
    return query


# --- the stream ----------------------------------------------------------------------------------


def _format(event: NoticeEvent) -> str:
    data = json.dumps(event.notice.as_json(), separators=(",", ":"))
    return f"id: {event.seq}\nevent: notice\ndata: {data}\n\n"


async def _events(
    service: Service,
    caller: Caller,
    after: int,
    wait_s: float | None,
    settings: NoticeSettings,
    wakeup: Wakeup,
) -> AsyncIterator[str]:
    started = last_sent = time.monotonic()
    yield f": notices for {caller.name}\nretry: 2000\n\n"
    while True:
        signal = wakeup.current()
        batch = await run_in_threadpool(
            service_notices.events_after, service, caller, after, STREAM_BATCH
        )
        for event in batch:
            yield _format(event)
            after = event.seq
        now = time.monotonic()
        if batch:
            last_sent = now
        if len(batch) == STREAM_BATCH:
            continue
        left_s = None if wait_s is None else wait_s - (now - started)
        if left_s is not None and left_s <= 0:
            return
        poll_s = LISTENING_POLL_S if wakeup.listening else settings.stream_poll_s
        keepalive_in_s = settings.stream_keepalive_s - (now - last_sent)
        timeout = min(x for x in (poll_s, keepalive_in_s, left_s) if x is not None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), timeout=max(timeout, 0.0))
        if time.monotonic() - last_sent >= settings.stream_keepalive_s:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()

"""Live tracks (own; observers all) and tactical alerts involving own tracks.

Beside the server (:func:`background`): the tactical monitor loop, run by one process at a
time (``service.leader``), and, with ``wellclear serve --sbs``, a BaseStation feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from prometheus_client import Gauge, Histogram
from pydantic import BaseModel, ConfigDict, Field

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.bodies import documented_body, json_body
from wellclear.api.lanes import run_write
from wellclear.api.routes import api_router
from wellclear.api.schemas import CURSOR_PATTERN, PARTY_PATTERN, problem_responses
from wellclear.service import Service
from wellclear.service.feed import SbsIngest
from wellclear.service.leader import Leadership
from wellclear.service.monitor import Monitor, MonitorSettings
from wellclear.service.tracks import list_alerts, list_tracks, record_track_body

router = api_router(prefix="/v1", tags=["tracks"])
log = logging.getLogger("wellclear.monitor")

SBS_ENV, SBS_PARTY_ENV = "WELLCLEAR_SBS", "WELLCLEAR_SBS_PARTY"
TRACK_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"


# --- wire schemas --------------------------------------------------------------------------------


class TrackStateIn(BaseModel):
    """One state; exactly one of ``alt_ft`` and ``alt_m`` (above the WGS84 ellipsoid)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TRACK_ID_PATTERN, description="ICAO 24-bit address or own id.")
    callsign: str | None = Field(default=None, pattern=r"^[A-Za-z0-9 ._-]{0,16}$")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    alt_ft: float | None = Field(default=None, ge=-2_000, le=200_000)
    alt_m: float | None = Field(default=None, ge=-609.6, le=60_960)
    trk_deg: float = Field(ge=-360, le=360, description="Ground track, degrees true.")
    gs_kt: float = Field(ge=0, le=5_000, description="Ground speed, knots.")
    vs_fpm: float | None = Field(default=None, ge=-100_000, le=100_000)
    at: str | None = Field(
        default=None,
        pattern=RFC3339,
        description="When the state was valid (RFC 3339); default: when received.",
    )


class TrackBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # At most 10,000 states a batch (422 beyond); not a maxItems, since a longer batch
    # exceeds the body limit first (413).
    states: list[TrackStateIn] = Field(description="At most 10,000 states.")


_BODY = documented_body(TrackBatchIn)


class RecordedOut(BaseModel):
    received: int = Field(description="States received (an older state than stored is kept out).")


class TrackOut(BaseModel):
    """A track's last state; SI units (metres, metres per second, degrees)."""

    party: str
    id: str
    callsign: str
    lat: float
    lon: float
    alt_m: float
    trk_deg: float
    gs_mps: float
    vs_mps: float
    at: str
    received_at: str
    source: str


class TrackPage(BaseModel):
    items: list[TrackOut]
    next_cursor: str | None


class AlertTrackOut(BaseModel):
    party: str
    id: str
    lat: float | None
    lon: float | None
    alt_m: float | None
    callsign: str | None = Field(default=None, description="Own tracks only.")


class AlertIntentOut(BaseModel):
    party: str | None
    kind: str | None
    id: str | None = Field(description="Shown to its own party (and observers) only.")


class AlertOut(BaseModel):
    """One encounter: ``conflict`` (two tracks), ``nonconforming`` (a track off its own
    intent) or ``incursion`` (a track inside another party's site or restriction)."""

    id: int
    kind: str
    level: str | None
    status: str
    parties: list[str]
    tracks: list[AlertTrackOut] = Field(description="Ids and positions at the alert.")
    intent: AlertIntentOut | None
    tcpa_s: float | None
    dcpa_m: float | None
    tlos_s: float | None
    los: bool | None
    detail: dict[str, Any]
    opened_at: str
    updated_at: str
    closed_at: str | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


# --- routes --------------------------------------------------------------------------------------

Cursor = Annotated[str | None, Query(pattern=CURSOR_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post(
    "/tracks",
    response_model=RecordedOut,
    openapi_extra=_BODY,
    responses=problem_responses(413, 415, 422),
)
async def post_tracks(request: Request, caller: CallerDep) -> RecordedOut:
    """Report states of the caller's own tracks (operators only); each becomes its track's
    last state. Every bad field is named (``states[3].lat``); nothing is stored then."""
    caller.require_operator()
    body = await json_body(request)
    recorded = await run_write(request, record_track_body, caller, body)
    return RecordedOut.model_validate(recorded.as_json())


@router.get("/tracks", response_model=TrackPage, responses=problem_responses(404, 422))
def get_tracks(
    service: ServiceDep,
    caller: CallerDep,
    party: Annotated[
        str | None, Query(pattern=PARTY_PATTERN, description="Observers: one party's")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> TrackPage:
    """The caller's tracks (every party's, for observers and admins), by party and id."""
    page = list_tracks(service, caller, party=party, cursor=cursor, limit=limit)
    return TrackPage(
        items=[TrackOut.model_validate(t.as_json()) for t in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/alerts", response_model=AlertPage, responses=problem_responses(422))
def get_alerts(
    service: ServiceDep,
    caller: CallerDep,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> AlertPage:
    """Alerts involving the caller's tracks or zones (all, for observers), oldest first."""
    page = list_alerts(service, caller, status=status, cursor=cursor, limit=limit)
    return AlertPage(
        items=[AlertOut.model_validate(a) for a in page.items], next_cursor=page.next_cursor
    )


# --- beside the server ---------------------------------------------------------------------------


@asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """The monitor loop (leader only) and the ``--sbs`` feed, for the app's lifetime."""
    service: Service = app.state.service
    settings = MonitorSettings.from_env()
    registry = app.state.metrics.registry
    leader_gauge = Gauge(
        "wellclear_monitor_leader", "1 when this process runs the tactical monitor",
        registry=registry,
    )  # fmt: skip
    cycle_time = Histogram(
        "wellclear_monitor_cycle_seconds", "Tactical monitor cycle: load, detect, write",
        registry=registry, buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    )  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.create_task(_monitor(service, settings, stop, leader_gauge, cycle_time))
    feed = _feed(service)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        if feed is not None:
            await asyncio.to_thread(feed.stop)


def _feed(service: Service) -> SbsIngest | None:
    address = os.environ.get(SBS_ENV)
    if not address:
        return None
    party = os.environ.get(SBS_PARTY_ENV, "")
    feed = SbsIngest(service, address, party)
    feed.start()
    return feed


async def _monitor(
    service: Service,
    settings: MonitorSettings,
    stop: asyncio.Event,
    leader_gauge: Gauge,
    cycle_time: Histogram,
) -> None:
    leadership = Leadership(service.database)
    monitor = Monitor(service, settings)
    leading = False
    try:
        while not stop.is_set():
            started = time.monotonic()
            now_leading = await asyncio.to_thread(leadership.acquire)
            if now_leading != leading:
                leading = now_leading
                log.info(
                    "monitor leader" if leading else "monitor follower", extra={"pid": os.getpid()}
                )
                leader_gauge.set(1 if leading else 0)
                monitor = Monitor(service, settings)  # fresh: another leader may have written
            if leading:
                try:
                    report = await asyncio.to_thread(monitor.run_cycle)
                    cycle_time.observe(report.load_s + report.detect_s + report.write_s)
                except Exception:  # a failed cycle must not stop the monitor
                    log.exception("monitor cycle failed")
            wait_s = max(settings.interval_s - (time.monotonic() - started), 0.05)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait_s)
    finally:
        await asyncio.to_thread(leadership.release)

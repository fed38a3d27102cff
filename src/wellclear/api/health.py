"""``/healthz`` (the process answers), ``/readyz`` (database and schema), ``/metrics``."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from wellclear.api.auth import ServiceDep
from wellclear.api.routes import api_router
from wellclear.api.schemas import HealthOut
from wellclear.service import readiness

router = api_router(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/readyz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def readyz(service: ServiceDep) -> HealthOut | JSONResponse:
    reason = readiness(service)
    if reason is not None:
        return JSONResponse({"status": "unavailable", "detail": reason}, status_code=503)
    return HealthOut(status="ok")


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text: requests, latencies, filings, conflicts."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

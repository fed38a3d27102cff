"""The FastAPI application: routers, problem handlers, limits, metrics and logs."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from wellclear.api import (
    audit,
    conflicts,
    health,
    hotline,
    intents,
    me,
    notice_work,
    notices,
    problems,
    tracks,
    web,
)
from wellclear.api.intent_schema import body_schemas
from wellclear.api.lanes import WriteLane, default_write_threads, yield_loop_on_one_cpu
from wellclear.api.limits import BodyLimit, TokenBuckets
from wellclear.api.observe import Metrics, Observe, configure_logging
from wellclear.api.schemas import documented_schemas
from wellclear.api.settings import Settings
from wellclear.service import Service, open_service, store_upkeep


def create_app(service: Service, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Wellclear",
        summary="Neutral deconfliction: file 4D intents, learn conflicts, never two accepted.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    metrics = Metrics()
    app.state.service = service
    app.state.metrics = metrics
    app.state.buckets = TokenBuckets(settings.rate_per_s, settings.burst)
    threads = settings.write_threads or default_write_threads(service.database.is_sqlite)
    app.state.write_lane = WriteLane(threads)
    routers = (intents, conflicts, notices, hotline, tracks, audit, me, health, web)
    for router in (module.router for module in routers):
        app.include_router(router)
    problems.install(app)
    _document_referenced_schemas(app)
    app.add_middleware(BodyLimit, limit_bytes=settings.max_body_bytes)
    app.add_middleware(Observe, metrics=metrics)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Background work (notice delivery, escalation, the tactical monitor) for the app's life.

    Everything loaded by now (modules, the app, the policy) lives as long as the process, so
    it is moved out of the collector's sight: a full collection walked all of it, stopping
    every request for 35-95 ms a few times a minute under load (the p99 of a filing).
    """
    gc.collect()
    gc.freeze()
    yield_loop_on_one_cpu()  # here: on the loop's own thread
    try:
        with store_upkeep(app.state.service):
            async with notice_work.background(app), tracks.background(app):
                yield
    finally:
        app.state.write_lane.close()


def _document_referenced_schemas(app: FastAPI) -> None:
    """Add the models routes name only by ``$ref`` (bodies they parse themselves, problems)
    to the OpenAPI document's components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(body_schemas() | documented_schemas())
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way


def app_from_env() -> FastAPI:
    """The uvicorn factory: ``uvicorn --factory wellclear.api.app:app_from_env``."""
    configure_logging()
    return create_app(open_service(), Settings.from_env())

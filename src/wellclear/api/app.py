"""The FastAPI application: routers, problem handlers, limits, metrics and logs."""

from __future__ import annotations

from fastapi import FastAPI

from wellclear.api import conflicts, health, intents, problems
from wellclear.api.limits import BodyLimit, TokenBuckets
from wellclear.api.observe import Metrics, Observe, configure_logging
from wellclear.api.settings import Settings
from wellclear.service import Service, open_service


def create_app(service: Service, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Wellclear",
        summary="Neutral deconfliction: file 4D intents, learn conflicts, never two accepted.",
        version="0.1.0",
    )
    metrics = Metrics()
    app.state.service = service
    app.state.metrics = metrics
    app.state.buckets = TokenBuckets(settings.rate_per_s, settings.burst)
    for router in (intents.router, conflicts.router, health.router):
        app.include_router(router)
    problems.install(app)
    app.add_middleware(BodyLimit, limit_bytes=settings.max_body_bytes)
    app.add_middleware(Observe, metrics=metrics)
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: ``uvicorn --factory wellclear.api.app:app_from_env``."""
    configure_logging()
    return create_app(open_service(), Settings.from_env())

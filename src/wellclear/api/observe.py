"""Metrics (Prometheus) and one structured JSON log line per request, with a request id."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
REQUEST_ID_HEADER = b"x-request-id"
log = logging.getLogger("wellclear.api.access")


class Metrics:
    """The app's own registry (several apps in one process never clash)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wellclear_http_requests", "HTTP requests answered", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "wellclear_http_request_duration_seconds", "Time to answer", ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )  # fmt: skip
        self.filings = Counter(
            "wellclear_intent_filings", "Intent filings by outcome", ["outcome"],
            registry=self.registry,
        )  # fmt: skip
        self.conflicts = Counter(
            "wellclear_conflicts_recorded", "Conflicts recorded by mode", ["mode"],
            registry=self.registry,
        )  # fmt: skip


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and any ``extra`` fields."""

    STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **{k: v for k, v in vars(record).items() if k not in self.STANDARD},
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        try:
            return orjson.dumps(entry, default=str).decode()
        except orjson.JSONEncodeError:  # what orjson refuses (a lone surrogate) json escapes
            return json.dumps(entry, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("wellclear")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # The lines name no source file, line or thread, so the logging module need not look
    # them up for every record (the logging HOWTO's "Optimization"): a walk up the stack
    # for each request's access line.
    logging._srcfile = None  # the documented switch
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class Observe:
    """Pure ASGI middleware: request id (``X-Request-Id``), access log, request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, elapsed_s: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed_s)
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(elapsed_s * 1000, 2),
                "party": scope.get("state", {}).get("party"),
            },
        )


def _request_id(scope: Scope) -> str:
    """The client's ``X-Request-Id`` when it is a plain token, else a random one (16 bytes
    from the OS: unguessable, and faster than ``uuid4``, or than hashing a counter)."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            given: str = value.decode("latin-1")
            if REQUEST_ID.fullmatch(given):
                return given
            break
    return os.urandom(16).hex()

"""Errors as RFC 9457 problem details (``application/problem+json``), one handler per kind.

Every problem has ``type``, ``title``, ``status`` and ``detail``; bad input adds ``errors``
(each with the field's ``path``, its JSON ``pointer`` and the reason); a refused filing adds
``conflicts`` as the filer may see them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from wellclear.api.encoding import FastJSONResponse
from wellclear.errors import InvalidInput, Problem, UnknownIntent
from wellclear.service.errors import (
    ConflictRejected,
    Forbidden,
    IdempotencyKeyReused,
    InvalidTransition,
    NotAuthenticated,
    PartyExists,
    PreconditionRequired,
    UnknownParty,
    VersionMismatch,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:wellclear:problem:"
log = logging.getLogger("wellclear.api")


class BodyTooLarge(Exception):
    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"the request body is larger than {limit_bytes:,} bytes")


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str) -> None:
        self.content_type = content_type
        super().__init__(f"the body must be JSON (application/json), not {content_type}")


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many requests from this party; retry in {retry_after_s} s")


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return FastJSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def json_pointer(path: str) -> str:
    """``extents[0].volume`` → ``/extents/0/volume``.

    >>> json_pointer("extents[12].volume.outline_polygon.vertices[3].lat")
    '/extents/12/volume/outline_polygon/vertices/3/lat'
    >>> json_pointer("")
    ''
    """
    parts = [p for p in re.split(r"\.|\[(\d+)\]", path) if p]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _errors(problems: Sequence[Problem]) -> list[dict[str, str]]:
    return [{"path": p.path, "pointer": json_pointer(p.path), "detail": p.reason} for p in problems]


def _simple(status: int, slug: str, title: str) -> Callable[[Request, Exception], JSONResponse]:
    def handle(_request: Request, error: Exception) -> JSONResponse:
        return problem(status, slug, title, str(error))

    return handle


def _invalid_input(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidInput)
    detail = "; ".join(str(p) for p in error.problems[:3])
    return problem(422, "invalid-input", "Invalid input", detail, errors=_errors(error.problems))


def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        Problem("", ".".join(str(part) for part in e["loc"]), str(e["msg"])) for e in error.errors()
    ]
    detail = "; ".join(str(p) for p in problems[:3])
    return problem(422, "invalid-input", "Invalid input", detail, errors=_errors(problems))


def _conflict_rejected(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ConflictRejected)
    conflicts = [c.as_json() for c in error.conflicts]
    return problem(409, "conflict-rejected", "Conflicts with protected intents", str(error),
                   intent_id=error.intent_id, conflicts=conflicts)  # fmt: skip


def _not_authenticated(_request: Request, error: Exception) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="wellclear"'}
    return problem(401, "not-authenticated", "Not authenticated", str(error), headers)


def _unknown_intent(_request: Request, error: Exception) -> JSONResponse:
    return problem(404, "not-found", "Not found", str(error))


def _body_too_large(_request: Request, error: Exception) -> JSONResponse:
    return problem(413, "body-too-large", "Request body too large", str(error))


def _rate_limited(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RateLimited)
    headers = {"Retry-After": str(error.retry_after_s)}
    return problem(429, "rate-limited", "Too many requests", str(error), headers)


def _http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "HTTP error")
    return problem(error.status_code, "http", title, str(error.detail), dict(error.headers or {}))


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", extra={"path": request.url.path})
    return problem(500, "internal", "Internal error", "the server failed; it has been logged")


HANDLERS: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
    InvalidInput: _invalid_input,
    RequestValidationError: _validation,
    NotAuthenticated: _not_authenticated,
    Forbidden: _simple(403, "forbidden", "Forbidden"),
    UnknownIntent: _unknown_intent,
    UnknownParty: _simple(404, "not-found", "Not found"),
    PartyExists: _simple(409, "party-exists", "Party exists"),
    VersionMismatch: _simple(412, "version-mismatch", "Version mismatch"),
    PreconditionRequired: _simple(428, "precondition-required", "If-Match required"),
    InvalidTransition: _simple(409, "invalid-transition", "Invalid state transition"),
    ConflictRejected: _conflict_rejected,
    IdempotencyKeyReused: _simple(422, "idempotency-key-reused", "Idempotency-Key reused"),
    BodyTooLarge: _body_too_large,
    UnsupportedMediaType: _simple(415, "unsupported-media-type", "Unsupported media type"),
    RateLimited: _rate_limited,
    HTTPException: _http,
    Exception: _unexpected,
}


def install(app: FastAPI) -> None:
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, _on_the_loop(handler))


def _on_the_loop(
    handler: Callable[[Request, Exception], JSONResponse],
) -> Callable[[Request, Exception], Coroutine[Any, Any, JSONResponse]]:
    """``handler`` as a coroutine: Starlette runs a plain function in its thread pool, a
    thread hop for every error answer (each refused filing's 409 among them), and writing a
    problem never blocks."""

    async def handle(request: Request, error: Exception) -> JSONResponse:
        return handler(request, error)

    return handle

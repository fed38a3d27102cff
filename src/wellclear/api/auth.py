"""Who is calling: ``Authorization: Bearer <api key>``, then the party's rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from wellclear.service import Caller, Service, authenticate
from wellclear.service.audit import act_as
from wellclear.service.errors import NotAuthenticated

# Declared as a security scheme, so the OpenAPI document says how to authenticate.
bearer = HTTPBearer(
    bearerFormat="wc_<key id>_<secret>",
    description="An API key from `wellclear party add` or `party rotate-key`.",
    auto_error=False,  # we answer 401 problem+json ourselves
)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller, named as the actor of the audit entries the request writes (set here, in
    the request's own context, which the threads of sync endpoints and the write lane copy)."""
    if credentials is None:  # no header, another scheme, or no key after "Bearer"
        raise NotAuthenticated("send Authorization: Bearer <api key>")
    database = service_of(request).database
    if database.is_sqlite:
        # One indexed read of a local WAL file, which never waits for the writer: cheaper
        # inline than the two thread switches of a trip through the pool.
        caller = authenticate(database, credentials.credentials)
    else:
        caller = await run_in_threadpool(authenticate, database, credentials.credentials)
    request.state.party = caller.name
    request.app.state.buckets.take(caller.party_id)
    act_as(f"party:{caller.name}")
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


async def _service(request: Request) -> Service:
    # async: FastAPI runs a plain-def dependency in a thread, two thread switches per use
    return service_of(request)


ServiceDep = Annotated[Service, Depends(_service)]

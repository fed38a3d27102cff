"""Who is calling: ``Authorization: Bearer <api key>``, then the party's rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from wellclear.service import Caller, Service, authenticate
from wellclear.service.audit import act_as
from wellclear.service.errors import NotAuthenticated


class ApiKeyBearer(HTTPBearer):
    """``Authorization: Bearer <api key>``, resolved to the caller in the one dependency.

    Declared as a security scheme, so the OpenAPI document says how to authenticate. The
    caller used to be a second dependency on top of the scheme's credentials; FastAPI
    solves every level of dependencies for every request, a twentieth of a filing's event
    loop share (``benchmarks/instructions.py --server``).
    """

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:  # no header, another scheme, or no key after "Bearer"
            raise NotAuthenticated("send Authorization: Bearer <api key>")
        return await current_caller(request, credentials.credentials)


bearer = ApiKeyBearer(
    bearerFormat="wc_<key id>_<secret>",
    description="An API key from `wellclear party add` or `party rotate-key`.",
    scheme_name="HTTPBearer",  # the name the OpenAPI document has always given it
    auto_error=False,  # we answer 401 problem+json ourselves
)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def current_caller(request: Request, key: str) -> Caller:
    """The caller, named as the actor of the audit entries the request writes (set here, in
    the request's own context, which the threads of sync endpoints and the write lane copy)."""
    database = service_of(request).database
    if database.is_sqlite:
        # One indexed read of a local WAL file, which never waits for the writer: cheaper
        # inline than the two thread switches of a trip through the pool.
        caller = authenticate(database, key)
    else:
        caller = await run_in_threadpool(authenticate, database, key)
    request.state.party = caller.name
    request.app.state.buckets.take(caller.party_id)
    act_as(f"party:{caller.name}")
    return caller


CallerDep = Annotated[Caller, Depends(bearer)]


async def _service(request: Request) -> Service:
    # async: FastAPI runs a plain-def dependency in a thread, two thread switches per use
    return service_of(request)


ServiceDep = Annotated[Service, Depends(_service)]

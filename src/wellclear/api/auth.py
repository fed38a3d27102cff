"""Who is calling: ``Authorization: Bearer <api key>``, then the party's rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from wellclear.service import Caller, Service, authenticate
from wellclear.service.errors import NotAuthenticated


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def current_caller(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <api key>")] = None,
) -> Caller:
    if authorization is None:
        raise NotAuthenticated("send Authorization: Bearer <api key>")
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthenticated("send Authorization: Bearer <api key>")
    caller = authenticate(service_of(request).database, key.strip())
    request.state.party = caller.name
    request.app.state.buckets.take(caller.party_id)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
ServiceDep = Annotated[Service, Depends(service_of)]

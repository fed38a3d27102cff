"""The routers of the API (:func:`api_router`), whose routes refuse a one-valued query
parameter given twice.

Starlette keeps every value of a repeated query parameter and FastAPI validates the last,
so ``?party=a&party=b`` was answered as ``?party=b``: a request the OpenAPI document does
not allow, served as if it did (schemathesis' negative-data check found it). List
parameters (``kind``, ``state``, ``status``) still take repeats, as documented. As with any
other invalid parameter, the caller is authenticated first: without a usable key, 401.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from wellclear.api.auth import bearer

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def api_router(**options: Any) -> APIRouter:
    """An ``APIRouter`` whose routes are :class:`SingleValuedQuery` (FastAPI keeps the route
    class per router: every documented router is made here)."""
    return APIRouter(route_class=SingleValuedQuery, **options)


class SingleValuedQuery(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        single = _one_valued_query(self.dependant)
        if not single:
            return handler
        authenticates = any(d.call is bearer for d in _dependencies(self.dependant))

        async def refusing_repeats(request: Request) -> Response:
            if request.scope["query_string"] and (errors := _repeats(request.query_params, single)):
                if authenticates:
                    await bearer(request)  # 401, 403 or 429 come before a 422
                raise RequestValidationError(errors)
            return await handler(request)

        return refusing_repeats


def _one_valued_query(dependant: Dependant) -> tuple[str, ...]:
    """The names of the query parameters taking one value, of the endpoint and of the
    dependencies it uses (by FastAPI's own test of whether it reads every value)."""
    fields = (f for d in _dependencies(dependant) for f in d.query_params)
    names = (f.alias for f in fields if not field_annotation_is_sequence(f.field_info.annotation))
    return tuple(dict.fromkeys(names))


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependencies(dependency)


def _repeats(query: QueryParams, names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "repeated",
            "loc": ("query", name),
            "msg": f"given {len(values)} times; this parameter takes one value",
            "input": values,
        }
        for name in names
        if len(values := query.getlist(name)) > 1
    ]

"""The route class of every ``/v1`` router: a one-valued query parameter given twice is refused.

Starlette keeps every value of a repeated query parameter and FastAPI validates the last,
so ``?party=a&party=b`` was answered as ``?party=b``: a request the OpenAPI document does
not allow, served as if it did (schemathesis' negative-data check found it). List
parameters (``kind``, ``state``, ``status``) still take repeats, as documented.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Union, get_args, get_origin

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class SingleValuedQuery(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        single = _one_valued_query(self.dependant)
        if not single:
            return handler

        async def refusing_repeats(request: Request) -> Response:
            if request.scope["query_string"]:  # most requests have none: nothing to parse
                _refuse_repeats(request.query_params, single)
            return await handler(request)

        return refusing_repeats


def _one_valued_query(dependant: Dependant) -> tuple[str, ...]:
    fields = _query_fields(dependant)
    return tuple(f.alias for f in fields if not _is_list(f.field_info.annotation))


def _query_fields(dependant: Dependant) -> Iterator[Any]:
    """The query parameters of the endpoint and of the dependencies it uses."""
    yield from dependant.query_params
    for dependency in dependant.dependencies:
        yield from _query_fields(dependency)


def _is_list(annotation: object) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):  # ``list[X] | None``
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) in (list, tuple, set, frozenset)


def _refuse_repeats(query: QueryParams, names: tuple[str, ...]) -> None:
    errors = [
        {
            "type": "repeated",
            "loc": ("query", name),
            "msg": f"given {len(values)} times; this parameter takes one value",
            "input": values,
        }
        for name in names
        if len(values := query.getlist(name)) > 1
    ]
    if errors:
        raise RequestValidationError(errors)

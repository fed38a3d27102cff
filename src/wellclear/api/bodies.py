"""Request bodies the routes read themselves: one content-type rule, one error shape.

A body declared JSON (or not declared, or ``application/x-www-form-urlencoded``: what
``curl -d`` sends) is read as JSON; another type is 415. Invalid JSON or fields are 422
with the path of each problem within the body.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from wellclear.api.problems import UnsupportedMediaType
from wellclear.errors import InvalidInput, Problem

JSON_TYPES = ("application/json", "application/x-www-form-urlencoded")

M = TypeVar("M", bound=BaseModel)


async def json_body(request: Request) -> bytes:
    """The body, if it is declared JSON (or not declared); else 415."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise UnsupportedMediaType(content_type)
    return await request.body()


def parse_body(model: type[M], body: bytes) -> M:
    """``body`` as ``model``; problems name paths within the body (``to``, ``states.3.lat``)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        found = [
            Problem("", ".".join(str(part) for part in e["loc"]), e["msg"])
            for e in error.errors(include_url=False)
        ]
        raise InvalidInput(found) from None


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body of ``model`` (nested models inlined, so there
    are no ``$defs`` to place)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": resolve(schema)}},
        }
    }

"""Schemathesis against ``/openapi.json`` of a real ``wellclear serve`` (SQLite and PostgreSQL).

Every operation gets schema-driven requests, valid and invalid (schemathesis' examples,
coverage and fuzzing phases), sent over real HTTP as an operator and as an observer. Each
answer must not be a server error and must conform to the document: a documented status
code, its content type, its schema and its headers; an operation that needs a key must
refuse a request without one; a request outside the document must be refused (4xx), and
so must undocumented methods and missing required headers.

Bounded: ``FUZZ_EXAMPLES`` fuzzing examples per operation, caller and database (10; 75
under ``CI=true``, ~300 per operation in all, about 75 s on 2 cores;
``WELLCLEAR_FUZZ_EXAMPLES`` overrides). Derandomised locally, random under CI.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from intent_bodies import circle_extent, intent_body
from wellclear.api import create_app
from wellclear.service import Role, Service, add_party
from wellclear.store import open_database

IN_CI = os.environ.get("CI") == "true"
FUZZ_EXAMPLES = int(os.environ.get("WELLCLEAR_FUZZ_EXAMPLES") or (75 if IN_CI else 10))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzz_server(request, make_database_url, start_module_servers):
    """A server with an operator and an observer, and one intent of the operator's."""
    database_url = make_database_url(request.param)
    service = Service(open_database(database_url))
    keys = {
        role: add_party(service.database, f"{role}-{secrets.token_hex(3)}", role).key
        for role in (Role.OPERATOR, Role.OBSERVER)
    }
    service.database.dispose()
    (server,) = start_module_servers(database_url, rate_per_s=100_000, rate_burst=100_000)
    filed = httpx.put(
        f"{server.base_url}/v1/intents/fuzz-1",
        json=intent_body("flight", circle_extent()),
        headers={"Authorization": f"Bearer {keys[Role.OPERATOR]}"},
    )
    assert filed.status_code == 201, filed.text
    return server, keys


@pytest.fixture(scope="module", params=[Role.OPERATOR, Role.OBSERVER])
def fuzz_role(request):
    return request.param


def _document() -> dict[str, object]:
    """The OpenAPI document the server serves, made in-process to collect one test per
    operation (the test checks it is the served one); no database is touched."""
    return create_app(Service(open_database("sqlite://"))).openapi()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not IN_CI,
)
def test_api_conforms_to_its_document(case, fuzz_server, fuzz_role):
    server, keys = fuzz_server
    authorization = (
        {} if _breaks_authorization(case) else {"Authorization": f"Bearer {keys[fuzz_role]}"}
    )
    case.call_and_validate(base_url=server.base_url, headers=authorization, checks=CHECKS)


def _breaks_authorization(case) -> bool:
    """Whether a negative case is about its ``Authorization`` header (left out, or not a
    Bearer key): then the case goes as generated, and is answered 401. A good key put in its
    place made a valid request of it, which schemathesis reported as accepted negative data
    (with a one-element array in the query, itself valid on the wire: ``?dead=true``). Its
    other mutations stop at the 401 here; they are drawn with a good key in other cases."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.HEADER):
        return False
    data = meta.phase.data
    changed = {(m.parameter_location, m.parameter) for m in data.mutations}
    changed.add((data.parameter_location, data.parameter))
    named = {name for _, name in changed if name is not None}
    return not named or (ParameterLocation.HEADER, "Authorization") in changed


def test_the_fuzzed_document_is_the_served_one(fuzz_server):
    server, _ = fuzz_server
    served = httpx.get(f"{server.base_url}/openapi.json").json()
    assert served == _document()
    assert served["openapi"].startswith("3.1")


NUL_CURSOR = base64.urlsafe_b64encode(b'["a\\u0000b", "c"]').decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "request_kwargs", "status"),
    [
        # a number is not an RFC 3339 time (pydantic took 0.5 as 1970-01-01T00:00:00.5Z)
        ("GET", "/v1/intents", {"params": {"start": "0.5"}}, 422),
        ("GET", "/v1/intents", {"params": {"end": "2026-05-01T10:00:00"}}, 422),  # no zone
        ("GET", "/v1/intents", {"params": {"start": "2026-02-30T10:00:00Z"}}, 422),
        ("GET", "/v1/intents", {"params": {"start": "2026-05-01T10:00:00Z"}}, 200),
        # a NUL reached PostgreSQL (500): ids, party names and cursors are patterns now
        ("GET", "/v1/intents/a%00b", {}, 422),
        ("GET", "/v1/intents/fuzz-1", {"params": {"party": "a\x00"}}, 422),
        ("GET", "/v1/conflicts", {"params": {"intent": "a\x00"}}, 422),
        ("GET", "/v1/intents", {"params": {"cursor": NUL_CURSOR}}, 422),
        ("GET", "/v1/intents", {"params": {"bbox": "nan,0,1,1"}}, 422),
        ("GET", "/v1/intents", {"params": {"bbox": "1,0,0,1"}}, 422),
        ("GET", "/v1/intents/fuzz-1", {}, 200),
        ("POST", "/v1/intents", {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415),
        (
            "POST",
            "/v1/intents/fuzz-1/state",
            {"content": b"x", "headers": {"Content-Type": "a/b"}},
            415,
        ),
        ("POST", "/v1/intents/fuzz-1/state", {"json": {"state": "nope"}}, 422),
        ("POST", "/v1/intents/fuzz-1/state", {"content": b"[1]"}, 422),
        # a repeatable parameter given twice (one-valued ones: see the test below)
        ("GET", "/v1/intents", {"params": [("kind", "flight"), ("kind", "movement")]}, 200),
        # a one-valued one given twice without a usable key: 401 first, as for any other
        (
            "GET",
            "/v1/intents",
            {"params": [("limit", "5")] * 2, "headers": {"Authorization": "Bearer wc_x_y"}},
            401,
        ),
    ],
)
def test_found_by_fuzzing(fuzz_server, method, path, request_kwargs, status):
    server, keys = fuzz_server
    headers = {"Authorization": f"Bearer {keys[Role.OPERATOR]}"}
    kwargs = dict(request_kwargs)  # the table's dicts are shared by both databases' runs
    headers |= kwargs.pop("headers", {})
    response = httpx.request(method, f"{server.base_url}{path}", headers=headers, **kwargs)
    assert response.status_code == status, response.text


def test_a_repeated_parameter_is_named(fuzz_server):
    server, keys = fuzz_server
    response = httpx.get(
        f"{server.base_url}/v1/conflicts",
        params=[("status", "open"), ("limit", "5"), ("limit", "5"), ("intent", "x")],
        headers={"Authorization": f"Bearer {keys[Role.OPERATOR]}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in response.json()["errors"]] == ["query.limit"]
    assert "takes one value" in response.json()["detail"]


def _one_valued_query_params() -> list[tuple[str, str, str]]:
    """(method, path, name) of every documented query parameter that takes one value."""
    return [
        (method.upper(), path, param["name"])
        for path, operations in _document()["paths"].items()
        for method, operation in operations.items()
        for param in operation.get("parameters", [])
        if param["in"] == "query" and "array" not in json.dumps(param["schema"])
    ]


def test_every_one_valued_query_parameter_refuses_repeats(fuzz_server):
    server, keys = fuzz_server
    cases = _one_valued_query_params()
    assert len(cases) > 20
    for method, path, name in cases:
        url = server.base_url + re.sub(r"\{[^}]+\}", "x1", path)
        response = httpx.request(
            method,
            url,
            params=[(name, "1"), (name, "1")],
            headers={"Authorization": f"Bearer {keys[Role.OPERATOR]}"},
        )
        assert response.status_code == 422, (method, path, name, response.text)
        assert [e["path"] for e in response.json()["errors"]] == [f"query.{name}"]


def test_curl_d_without_a_content_type_still_files(fuzz_server):
    """``curl -d @flight.json`` sends application/x-www-form-urlencoded: read as JSON."""
    server, keys = fuzz_server
    body = json.dumps(intent_body("flight", circle_extent((10.0, 10.0)))).encode()
    response = httpx.post(
        f"{server.base_url}/v1/intents",
        content=body,
        headers={
            "Authorization": f"Bearer {keys[Role.OPERATOR]}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 201, response.text

"""The access log and request ids: one JSON line per request, ids unique and echoed."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from wellclear.api.observe import JsonFormatter, Metrics, Observe

ID_PATTERN = r"[0-9a-f]{32}"


async def _teapot(scope: Scope, receive: Receive, send: Send) -> None:
    scope.setdefault("state", {})["party"] = "blue-air"
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"short and stout"})


def _logged(headers_list: list[dict[str, str]]) -> tuple[list[httpx.Response], list[str]]:
    """The answers to GET /pot with each set of headers, and the access lines logged."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("wellclear.api.access")
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        answers = _get(headers_list)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    return answers, stream.getvalue().splitlines()


def _get(headers_list: list[dict[str, str]]) -> list[httpx.Response]:
    app = Observe(_teapot, Metrics())

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.get("/pot", headers=h) for h in headers_list]

    return asyncio.run(send_all())


def test_each_request_gets_a_new_id_logged_as_one_json_line() -> None:
    (first, second), lines = _logged([{}, {}])
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1]
    assert all(re.fullmatch(ID_PATTERN, given) for given in ids)
    assert [json.loads(line)["request_id"] for line in lines] == ids


def test_the_access_line_names_the_request() -> None:
    (answer,), (line,) = _logged([{"X-Request-Id": "trace-42"}])
    entry = json.loads(line)
    assert answer.headers["x-request-id"] == "trace-42"
    assert entry["message"] == "request"
    assert entry["level"] == "info"
    assert entry["logger"] == "wellclear.api.access"
    assert entry["request_id"] == "trace-42"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/pot", 418)
    assert entry["party"] == "blue-air"
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("+00:00")


@pytest.mark.parametrize("given", ["has space", "x" * 101, "semi;colon", ""])
def test_an_unusable_request_id_is_replaced(given: str) -> None:
    (answer,) = _get([{"X-Request-Id": given}])
    assert answer.headers["x-request-id"] != given
    assert re.fullmatch(ID_PATTERN, answer.headers["x-request-id"])


def test_an_error_is_logged_with_its_traceback() -> None:
    record = logging.LogRecord("wellclear.api", logging.ERROR, __file__, 1, "failed %s", ("x",),
                               None)  # fmt: skip
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed x"
    assert "ValueError: boom" in entry["error"]


def test_a_line_orjson_refuses_is_still_written() -> None:
    record = logging.LogRecord("wellclear.api", logging.INFO, __file__, 1, "odd", None, None)
    record.path = "/v1/\udcff"  # a lone surrogate, as a mangled path could carry
    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == record.path

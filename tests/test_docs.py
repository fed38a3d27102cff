"""docs/api.md documents every route of the app, and only routes the app has;
docs/operations.md lists every ``WELLCLEAR_*`` variable the program reads.

A new endpoint without a section in docs/api.md fails here; so does a section for an
endpoint that is gone. The examples in api.md are captured from a real server by
docs/tools/capture_api_examples.py; every example block must hold a capture.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import iter_route_contexts

from wellclear.api import create_app
from wellclear.service import Service
from wellclear.store import open_database

ROOT = Path(__file__).resolve().parents[1]
API_MD = ROOT / "docs" / "api.md"
OPERATIONS_MD = ROOT / "docs" / "operations.md"
ENV_VARIABLE = re.compile(r"\bWELLCLEAR_[A-Z0-9_]*[A-Z0-9]\b")
# FastAPI's own documentation pages (they render /openapi.json, which is documented).
UNDOCUMENTED = {("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
SECTION = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/\S*)`$", re.M)
EXAMPLE = re.compile(r"<!-- example ([a-z0-9-]+) -->\n(.*?)<!-- /example -->", re.S)


def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route of the app; HEAD only where GET is not there too."""
    app = create_app(Service(open_database("sqlite://")))  # the routes; no database is touched
    routes = set()
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        routes |= {(method, str(route.path)) for method in methods}
    return routes - UNDOCUMENTED


def documented() -> set[tuple[str, str]]:
    return {(m.group(1), m.group(2)) for m in SECTION.finditer(API_MD.read_text())}


def test_every_route_has_a_section():
    missing = sorted(app_routes() - documented())
    assert not missing, f"routes without a '### `METHOD /path`' section in {API_MD}: {missing}"


def test_every_section_is_a_route():
    gone = sorted(documented() - app_routes())
    assert not gone, f"sections of {API_MD} for routes the app does not have: {gone}"


def test_the_route_list_is_not_empty():
    """The two tests above would pass on an app without routes and a page without sections."""
    assert ("POST", "/v1/intents") in app_routes()
    assert ("POST", "/v1/intents") in documented()


def test_every_example_is_captured():
    text = API_MD.read_text()
    blocks = EXAMPLE.findall(text)
    assert len(blocks) >= len(documented())
    empty = [name for name, block in blocks if not block.startswith("```console\n$ ")]
    assert not empty, f"run docs/tools/capture_api_examples.py: empty examples {empty}"


def test_every_environment_variable_is_in_operations_md():
    read = {
        name
        for path in (ROOT / "src" / "wellclear").rglob("*.py")
        for name in ENV_VARIABLE.findall(path.read_text())
    }
    assert "WELLCLEAR_DATABASE_URL" in read
    rows = [line for line in OPERATIONS_MD.read_text().splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in ENV_VARIABLE.findall(row.split(" | ")[0])}
    missing = sorted(read - listed)
    assert not missing, f"the environment table of {OPERATIONS_MD} does not list {missing}"

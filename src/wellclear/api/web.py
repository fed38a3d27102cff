"""The map page (``web/``, built by ``make web``): served at ``/``, its files at ``/assets/``.

The built page lives in ``web/dist`` of the source tree (an editable install finds it beside
``src/``), or wherever ``WELLCLEAR_WEB_DIR`` says. The page and its assets are public: they
hold no data; the page asks for an API key and calls ``/v1`` with it. Without a built page,
``/`` answers 503 saying how to build it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from wellclear.api.problems import problem

router = APIRouter(include_in_schema=False)

WEB_DIR_ENV = "WELLCLEAR_WEB_DIR"
# Asset names as the build writes them: no directories, no dot files, nothing to escape with.
ASSET_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
# The page loads only its own files and talks only to this server (the map draws into a
# canvas from data in the bundle; MapLibre's workers are blob: URLs).
CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src blob:; "
    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wellclear: page not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The map page is not built</h1>
<p>This server looked for it in <code>{where}</code> and found no <code>index.html</code>.</p>
<p>Build it from the source tree with <code>make web</code> (runs <code>npm ci</code> and the
build in <code>web/</code>), or point <code>WELLCLEAR_WEB_DIR</code> at a built
<code>dist</code> directory. The API works without it: see <a href="/docs">/docs</a>.</p>
</body></html>
"""


def web_dir() -> Path:
    """Where the built page is: ``$WELLCLEAR_WEB_DIR``, else ``web/dist`` of the source tree."""
    given = os.environ.get(WEB_DIR_ENV)
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[3] / "web" / "dist"


@router.get("/", response_class=HTMLResponse, response_model=None)
def page(request: Request) -> Response:
    """The page, or 503 saying how to build it (a page for browsers, a problem for others)."""
    where = web_dir()
    index = where / "index.html"
    if not index.is_file():
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(NOT_BUILT.format(where=_escape(str(where))), status_code=503)
        return problem(
            503, "page-not-built", "The map page is not built",
            f"no index.html in {where}: run `make web`, or set {WEB_DIR_ENV}", {},
        )  # fmt: skip
    return FileResponse(
        index,
        media_type="text/html; charset=utf-8",
        headers={**HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/assets/{name}", response_model=None)
def asset(name: Annotated[str, PathParam(pattern=ASSET_NAME)]) -> Response:
    """One built file (scripts, styles); 404 for anything else."""
    path = web_dir() / "assets" / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        raise HTTPException(status_code=404, detail=f"no asset {name!r}")
    return FileResponse(
        path, media_type=media_type, headers={**HEADERS, "Cache-Control": "no-cache"}
    )


def _escape(text: str) -> str:
    return re.sub(r"[<>&\"']", lambda m: f"&#{ord(m.group())};", text)

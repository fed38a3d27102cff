"""Notices: the inbox, acknowledgement and the server-sent event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/v1/notices", tags=["notices"])


@asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """The work this module runs beside the server for the app's lifetime (none yet)."""
    yield

"""Live tracks (own; observers all) and tactical alerts involving own tracks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/v1", tags=["tracks"])


@asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """The work this module runs beside the server for the app's lifetime (none yet)."""
    yield

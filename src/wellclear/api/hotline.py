"""The party-to-party hotline: messages and threads."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/hotline", tags=["hotline"])

"""The audit log: its head (any party) and entries (own; observers all)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/audit", tags=["audit"])

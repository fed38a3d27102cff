"""``GET /v1/me``: who the presented key speaks for (a key's holder checks it before use)."""

from __future__ import annotations

from wellclear.api.auth import CallerDep
from wellclear.api.routes import api_router
from wellclear.api.schemas import MeOut, problem_responses

router = api_router(prefix="/v1", tags=["parties"])


@router.get("/me", response_model=MeOut, responses=problem_responses(403))
async def me(caller: CallerDep) -> MeOut:
    """The caller's party and role (async: nothing here blocks)."""
    return MeOut(party=caller.name, role=caller.role)

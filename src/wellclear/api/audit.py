"""The audit log: its head (any party) and entries (own; observers all)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from wellclear.api.auth import CallerDep, ServiceDep
from wellclear.api.routes import api_router
from wellclear.api.schemas import CURSOR_PATTERN, problem_responses
from wellclear.service.audit import MAX_PAGE, audit_head, list_audit_entries

router = api_router(prefix="/v1/audit", tags=["audit"])

HASH_PATTERN = "^[0-9a-f]{64}$"


class AuditHeadOut(BaseModel):
    """The newest entry: pin ``seq`` and ``hash``, and check later that the chain still
    holds that hash at that seq (``wellclear audit verify --expect SEQ:HASH``)."""

    seq: int = Field(ge=0, description="0 for an empty log")
    hash: str = Field(pattern=HASH_PATTERN, description="the genesis hash (64 zeros) when empty")
    at: str | None


class AuditEntryOut(BaseModel):
    """One entry. ``hash`` = SHA-256 of the canonical JSON (sorted keys, no spaces) of
    ``seq``, ``at``, ``actor``, ``action``, ``subject``, ``parties`` (= ``party_ids``),
    ``payload_sha256`` and ``prev_hash``."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    party_ids: list[int]
    payload_sha256: str
    prev_hash: str
    hash: str
    payload: dict[str, Any] | None = Field(
        description="the change (table, op, row); null unless the entry is about the caller "
        "alone, or the caller is an observer or admin"
    )


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


@router.get("/head", response_model=AuditHeadOut, responses=problem_responses())
def get_head(service: ServiceDep, caller: CallerDep) -> AuditHeadOut:
    """The head of the hash chain, for any party to pin."""
    return AuditHeadOut.model_validate(audit_head(service, caller).as_json())


@router.get("/entries", response_model=AuditPage, responses=problem_responses(422))
def get_entries(
    service: ServiceDep,
    caller: CallerDep,
    after_seq: Annotated[int, Query(ge=0, le=2**62, description="Only entries after this")] = 0,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AuditPage:
    """Entries about the caller (its party, keys, intents, notices, and the conflicts, alerts
    and messages it is in), oldest first; observers and admins: every entry."""
    page = list_audit_entries(service, caller, after_seq=after_seq, cursor=cursor, limit=limit)
    return AuditPage(
        items=[AuditEntryOut.model_validate(e.as_json()) for e in page.items],
        next_cursor=page.next_cursor,
    )

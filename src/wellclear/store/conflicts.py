"""Recorded conflicts between stored intents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from wellclear.store.models import ConflictRow

OPEN, RESOLVED = "open", "resolved"


def add_conflicts(session: Session, rows: Sequence[ConflictRow]) -> None:
    if rows:  # a flush of nothing still runs every flush event (most filings conflict with none)
        session.add_all(rows)
        session.flush()


def resolve_conflicts_of(session: Session, intent_uid: str, at: datetime) -> None:
    """Close every open conflict involving the intent (it was replaced or ended)."""
    session.execute(
        update(ConflictRow)
        .where(ConflictRow.status == OPEN)
        .where(or_(ConflictRow.intent_a == intent_uid, ConflictRow.intent_b == intent_uid))
        .values(status=RESOLVED, resolved_at=at)
    )


@dataclass(frozen=True, slots=True)
class ConflictFilter:
    """Which conflicts a listing returns; ``party_id`` ``None`` means all."""

    party_id: int | None
    statuses: frozenset[str] = frozenset()
    intent_uid: str | None = None


def list_conflicts(
    session: Session, where: ConflictFilter, after: str | None, limit: int
) -> list[ConflictRow]:
    """One page of conflicts, oldest first (ids sort by creation time)."""
    query = select(ConflictRow).order_by(ConflictRow.id).limit(limit)
    for condition in _conditions(where):
        query = query.where(condition)
    if after is not None:
        query = query.where(ConflictRow.id > after)
    return list(session.scalars(query))


def _conditions(where: ConflictFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.party_id is not None:
        conditions.append(
            or_(ConflictRow.party_a == where.party_id, ConflictRow.party_b == where.party_id)
        )
    if where.statuses:
        conditions.append(ConflictRow.status.in_(sorted(where.statuses)))
    if where.intent_uid is not None:
        conditions.append(
            or_(ConflictRow.intent_a == where.intent_uid, ConflictRow.intent_b == where.intent_uid)
        )
    return conditions

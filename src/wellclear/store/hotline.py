"""Hotline messages: stored with a ``message`` notice to the recipient (see
:mod:`wellclear.service.hotline`); the recipient's acknowledgement is the read receipt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wellclear.store.models import ConflictRow
from wellclear.store.notices import IN_LIST_CHUNK, HotlineMessageRow, NoticeRow
from wellclear.store.tracks import AlertRow


def parties_of_subject(session: Session, kind: str, subject_id: str) -> tuple[int, ...] | None:
    """The parties of conflict or alert ``subject_id``; ``None`` if there is no such one."""
    if kind == "conflict":
        conflict = session.get(ConflictRow, subject_id)
        return None if conflict is None else (conflict.party_a, conflict.party_b)
    if not subject_id.isdigit():
        return None
    alert = session.get(AlertRow, int(subject_id))
    if alert is None:
        return None
    return (alert.party_a,) if alert.party_b is None else (alert.party_a, alert.party_b)


def add_message(session: Session, row: HotlineMessageRow) -> HotlineMessageRow:
    session.add(row)
    session.flush()
    return row


def list_messages(
    session: Session, party_id: int, with_party: int | None, after_id: int | None, limit: int
) -> list[HotlineMessageRow]:
    """The messages to or from the party (and, with ``with_party``, that other party only)."""
    mine = or_(
        HotlineMessageRow.from_party_id == party_id, HotlineMessageRow.to_party_id == party_id
    )
    query = select(HotlineMessageRow).where(mine).order_by(HotlineMessageRow.id).limit(limit)
    if with_party is not None:
        query = query.where(
            or_(
                HotlineMessageRow.from_party_id == with_party,
                HotlineMessageRow.to_party_id == with_party,
            )
        )
    if after_id is not None:
        query = query.where(HotlineMessageRow.id > after_id)
    return list(session.scalars(query))


def read_receipts(session: Session, messages: Sequence[HotlineMessageRow]) -> dict[int, datetime]:
    """When the recipient acknowledged each message's notice, for those acknowledged."""
    by_subject = {f"message:{m.id}": m for m in messages}
    found: dict[int, datetime] = {}
    subjects = sorted(by_subject)
    for start in range(0, len(subjects), IN_LIST_CHUNK):
        chunk = subjects[start : start + IN_LIST_CHUNK]
        query = select(NoticeRow).where(
            NoticeRow.subject.in_(chunk), NoticeRow.acked_at.is_not(None)
        )
        for notice in session.scalars(query):
            message = by_subject[notice.subject]
            if notice.party_id == message.to_party_id and notice.acked_at is not None:
                found[message.id] = notice.acked_at
    return found

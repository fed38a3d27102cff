"""Webhook deliveries: every attempt to push one notice event to its party's webhook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CursorResult,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from wellclear.store.models import Base, PartyRow, UtcDateTime
from wellclear.store.notices import NoticeEventRow, NoticeRow, notices_by_id

PENDING, DELIVERED, FAILED, DEAD = "pending", "delivered", "failed", "dead"


class WebhookDeliveryRow(Base):
    """One attempt (done or due) to deliver one notice event to its party's webhook.

    ``outcome``: ``pending`` (due at ``due_at``; ``lease_until`` set while a process
    sends it), ``delivered`` (2xx), ``failed`` (the next attempt is due at
    ``next_attempt_at``) or ``dead`` (the last allowed attempt failed: dead-lettered).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_outcome_due_at", "outcome", "due_at"),
        Index("ix_webhook_deliveries_party_id_id", "party_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("notice_events.seq"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dead_lettered: Mapped[bool] = mapped_column(Boolean, default=False)


def add_deliveries(
    session: Session, events: Sequence[NoticeEventRow], urls: dict[int, str], now: datetime
) -> None:
    """A first attempt, due now, of each event to its party's webhook."""
    rows = [
        WebhookDeliveryRow(
            event_seq=e.seq,
            party_id=e.party_id,
            attempt=1,
            url=urls[e.party_id],
            outcome=PENDING,
            due_at=now,
            dead_lettered=False,
        )
        for e in events
    ]
    if rows:
        session.add_all(rows)
        session.flush()


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed attempt with what it sends: the event, its notice and the party's webhook."""

    delivery: WebhookDeliveryRow
    event: NoticeEventRow
    notice: NoticeRow
    url: str | None
    secret: str | None


def claim_due_deliveries(
    session: Session, now: datetime, lease_until: datetime, limit: int
) -> list[DueDelivery]:
    """Lease due attempts to this process until ``lease_until`` (PostgreSQL: rows other
    processes are claiming are skipped, ``FOR UPDATE SKIP LOCKED``; SQLite has one writer)."""
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.outcome == PENDING, WebhookDeliveryRow.due_at <= now)
        .where(or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until < now))
        .order_by(WebhookDeliveryRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    if not rows:
        return []
    for row in rows:
        row.lease_until = lease_until
    session.flush()
    events = events_by_seq(session, [r.event_seq for r in rows])
    notices = notices_by_id(session, sorted({e.notice_id for e in events.values()}))
    parties = {
        p.id: p
        for p in session.scalars(
            select(PartyRow).where(PartyRow.id.in_(sorted({r.party_id for r in rows})))
        )
    }
    found = []
    for row in rows:
        event = events[row.event_seq]
        party = parties[row.party_id]
        found.append(
            DueDelivery(
                row, event, notices[event.notice_id], party.webhook_url, party.webhook_secret
            )
        )
    return found


def events_by_seq(session: Session, seqs: Sequence[int]) -> dict[int, NoticeEventRow]:
    query = select(NoticeEventRow).where(NoticeEventRow.seq.in_(sorted(set(seqs))))
    return {event.seq: event for event in session.scalars(query)}


def finish_attempt(
    session: Session,
    delivery_id: int,
    *,
    at: datetime,
    url: str,
    status_code: int | None,
    error: str | None,
    outcome: str,
    next_attempt_at: datetime | None,
) -> WebhookDeliveryRow | None:
    """Record how an attempt went; when it failed and another is allowed, add that attempt."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    if row is None or row.outcome != PENDING:
        return None  # another process finished it after our lease ran out
    row.attempted_at, row.url, row.status_code, row.error = at, url, status_code, error
    row.outcome, row.lease_until, row.next_attempt_at = outcome, None, next_attempt_at
    row.dead_lettered = outcome == DEAD
    if outcome == FAILED and next_attempt_at is not None:
        session.add(
            WebhookDeliveryRow(
                event_seq=row.event_seq,
                party_id=row.party_id,
                attempt=row.attempt + 1,
                url=url,
                outcome=PENDING,
                due_at=next_attempt_at,
                dead_lettered=False,
            )
        )
    session.flush()
    return row


def dead_letters(
    session: Session, party_id: int, delivery_id: int | None, limit: int
) -> list[WebhookDeliveryRow]:
    """The party's dead letters not yet redelivered, oldest first (one, by id, or any)."""
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.party_id == party_id, WebhookDeliveryRow.dead_lettered)
        .order_by(WebhookDeliveryRow.id)
        .limit(limit)
    )
    if delivery_id is not None:
        query = query.where(WebhookDeliveryRow.id == delivery_id)
    return list(session.scalars(query))


def find_delivery(session: Session, party_id: int, delivery_id: int) -> WebhookDeliveryRow | None:
    """One of the party's attempts (another party's is ``None``, as if absent)."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    return row if row is not None and row.party_id == party_id else None


def redeliver(
    session: Session, dead: WebhookDeliveryRow, url: str, now: datetime
) -> WebhookDeliveryRow | None:
    """Take a dead letter out of the dead letters and add a first attempt of its event, due
    now, to ``url``; ``None`` when another request took it out first (a conditional
    ``UPDATE``, so each dead letter is redelivered once)."""
    taken = session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == dead.id, WebhookDeliveryRow.dead_lettered)
        .values(dead_lettered=False)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], taken).rowcount != 1:
        return None
    again = WebhookDeliveryRow(
        event_seq=dead.event_seq,
        party_id=dead.party_id,
        attempt=1,
        url=url,
        outcome=PENDING,
        due_at=now,
        dead_lettered=False,
    )
    session.add(again)
    session.flush()
    return again


def list_deliveries(
    session: Session,
    party_id: int,
    *,
    dead: bool | None,
    after_id: int | None,
    limit: int,
) -> list[tuple[WebhookDeliveryRow, NoticeEventRow]]:
    """One page of the party's webhook attempts, oldest first, with their events; ``dead``:
    only the dead letters (``True``) or only the others (``False``)."""
    query = (
        select(WebhookDeliveryRow, NoticeEventRow)
        .join(NoticeEventRow, NoticeEventRow.seq == WebhookDeliveryRow.event_seq)
        .where(WebhookDeliveryRow.party_id == party_id)
        .order_by(WebhookDeliveryRow.id)
        .limit(limit)
    )
    if dead is not None:
        query = query.where(WebhookDeliveryRow.dead_lettered.is_(dead))
    if after_id is not None:
        query = query.where(WebhookDeliveryRow.id > after_id)
    return [(d, e) for d, e in session.execute(query)]

"""Notices (the outbox): one row per party per event, the sequence of their changes that
server-sent events and webhooks deliver (attempts: :mod:`wellclear.store.webhooks`), and
hotline messages.

``notice_events.seq`` is the delivery order. Writers of notice events serialise from their
first event to their commit (:func:`lock_sequence`: an advisory transaction lock on
PostgreSQL; SQLite has one writer anyway), so events commit in ``seq`` order and a reader
that has seen ``seq`` n has seen every committed event before it — no gap when resuming.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from wellclear.store.models import Base, ConflictRow, IntentRow, PartyRow, UtcDateTime

SEQUENCE_LOCK = (0x57434C52, 3)  # "WCLR", 3: the notice event sequence
NOTIFY_CHANNEL = "wellclear_notices"
SUBJECT_LENGTH = 100
IN_LIST_CHUNK = 500


class NoticeRow(Base):
    """One notice to one party about one event (``subject``: ``conflict:<id>``, …)."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_party_id_id", "party_id", "id"),
        Index("ix_notices_subject", "subject"),
        Index("ix_notices_attention_at", "attention_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attention_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the deadline counts from
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class NoticeEventRow(Base):
    """One change to one notice (created, revised, acked, escalated, closed): what SSE
    streams and webhooks deliver, in ``seq`` order. ``party_id`` is the notice's party."""

    __tablename__ = "notice_events"
    __table_args__ = (Index("ix_notice_events_party_id_seq", "party_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class HotlineMessageRow(Base):
    """One message from one party to another, optionally about a conflict or alert."""

    __tablename__ = "hotline_messages"
    __table_args__ = (
        Index("ix_hotline_messages_from_party_id_id", "from_party_id", "id"),
        Index("ix_hotline_messages_to_party_id_id", "to_party_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    to_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    body: Mapped[str] = mapped_column(Text)
    regarding: Mapped[str | None] = mapped_column(String(SUBJECT_LENGTH), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- the sequence --------------------------------------------------------------------------------


def lock_sequence(session: Session) -> None:
    """Serialise notice-event writers until this transaction ends (PostgreSQL; SQLite's
    writer is alone), and wake the streams of every process when it commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"),
            {"a": SEQUENCE_LOCK[0], "b": SEQUENCE_LOCK[1]},
        )
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


_COMMITTED = "wellclear_notice_events"
_COMMIT_HOOKS: list[Callable[[], None]] = []


def on_events_committed(hook: Callable[[], None]) -> Callable[[], None]:
    """Call ``hook`` (from the committing thread) after every commit in this process that
    wrote notice events; returns a function that removes it."""
    _COMMIT_HOOKS.append(hook)
    return lambda: _COMMIT_HOOKS.remove(hook) if hook in _COMMIT_HOOKS else None


def _after_commit(session: Session) -> None:
    if session.info.pop(_COMMITTED, False):
        for hook in list(_COMMIT_HOOKS):
            hook()


def _after_rollback(session: Session) -> None:
    session.info.pop(_COMMITTED, None)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)


def add_events(
    session: Session, notices: Iterable[NoticeRow], action: str, at: datetime
) -> list[NoticeEventRow]:
    events = [
        NoticeEventRow(notice_id=n.id, party_id=n.party_id, action=action, at=at) for n in notices
    ]
    if events:
        lock_sequence(session)
        session.add_all(events)
        session.flush()
        session.info[_COMMITTED] = True
    return events


def last_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(NoticeEventRow.seq))) or 0)


def events_after(
    session: Session, party_id: int, after_seq: int, limit: int
) -> list[tuple[NoticeEventRow, NoticeRow]]:
    """The party's notice events after ``after_seq``, oldest first, with their notices."""
    query = (
        select(NoticeEventRow, NoticeRow)
        .join(NoticeRow, NoticeRow.id == NoticeEventRow.notice_id)
        .where(NoticeEventRow.party_id == party_id, NoticeEventRow.seq > after_seq)
        .order_by(NoticeEventRow.seq)
        .limit(limit)
    )
    return [(event, notice) for event, notice in session.execute(query)]


# --- notices -------------------------------------------------------------------------------------


def add_notices(session: Session, rows: Sequence[NoticeRow]) -> None:
    session.add_all(rows)
    session.flush()


def notices_of_subjects(session: Session, subjects: Sequence[str]) -> dict[str, list[NoticeRow]]:
    """The notices of each subject, by id, read :data:`IN_LIST_CHUNK` subjects at a time."""
    found: dict[str, list[NoticeRow]] = {}
    wanted = sorted(set(subjects))
    for start in range(0, len(wanted), IN_LIST_CHUNK):
        chunk = wanted[start : start + IN_LIST_CHUNK]
        query = select(NoticeRow).where(NoticeRow.subject.in_(chunk)).order_by(NoticeRow.id)
        for row in session.scalars(query):
            found.setdefault(row.subject, []).append(row)
    return found


def find_notice(session: Session, party_id: int, notice_id: int) -> NoticeRow | None:
    query = select(NoticeRow).where(NoticeRow.id == notice_id, NoticeRow.party_id == party_id)
    return session.scalars(query).one_or_none()


def notices_by_id(session: Session, ids: Sequence[int]) -> dict[int, NoticeRow]:
    found: dict[int, NoticeRow] = {}
    for start in range(0, len(ids), IN_LIST_CHUNK):
        chunk = ids[start : start + IN_LIST_CHUNK]
        found.update(
            (n.id, n) for n in session.scalars(select(NoticeRow).where(NoticeRow.id.in_(chunk)))
        )
    return found


@dataclass(frozen=True, slots=True)
class NoticeFilter:
    """Which notices a listing returns (always one party's)."""

    party_id: int
    unacked: bool = False
    kinds: frozenset[str] = frozenset()
    since: datetime | None = None
    subject: str | None = None


def list_notices(
    session: Session, where: NoticeFilter, after_id: int | None, limit: int
) -> list[NoticeRow]:
    """One page of the party's notices, oldest first."""
    conditions: list[ColumnElement[bool]] = [NoticeRow.party_id == where.party_id]
    if where.unacked:
        conditions.append(NoticeRow.acked_at.is_(None))
    if where.kinds:
        conditions.append(NoticeRow.kind.in_(sorted(where.kinds)))
    if where.since is not None:
        conditions.append(NoticeRow.updated_at >= where.since)
    if where.subject is not None:
        conditions.append(NoticeRow.subject == where.subject)
    if after_id is not None:
        conditions.append(NoticeRow.id > after_id)
    query = select(NoticeRow).where(*conditions).order_by(NoticeRow.id).limit(limit)
    return list(session.scalars(query))


def acknowledge(session: Session, notice_id: int, at: datetime, by: str) -> bool:
    """Mark the notice acknowledged unless it already is; whether this call did it."""
    result = session.execute(
        update(NoticeRow)
        .where(NoticeRow.id == notice_id, NoticeRow.acked_at.is_(None))
        .values(acked_at=at, acked_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """Notices of these kinds (and this level, unless ``None``) are due once their
    ``attention_at`` is at or before ``cutoff`` (now minus the deadline)."""

    kinds: frozenset[str]
    level: str | None
    cutoff: datetime


def due_for_escalation(
    session: Session, rules: Sequence[DeadlineRule], limit: int
) -> list[NoticeRow]:
    """Open, unacknowledged, not yet escalated notices past their deadline, oldest first."""
    if not rules:
        return []
    due: list[ColumnElement[bool]] = []
    for rule in rules:
        parts = [NoticeRow.kind.in_(sorted(rule.kinds)), NoticeRow.attention_at <= rule.cutoff]
        if rule.level is not None:
            parts.append(NoticeRow.level == rule.level)
        due.append(and_(*parts))
    query = (
        select(NoticeRow)
        .where(
            or_(*due),
            NoticeRow.acked_at.is_(None),
            NoticeRow.escalated_at.is_(None),
            NoticeRow.closed_at.is_(None),
        )
        .order_by(NoticeRow.attention_at, NoticeRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_escalation(session: Session, notice: NoticeRow, now: datetime) -> bool:
    """Mark the notice escalated, atomically: of several processes, one wins a deadline
    (and none does if it was acknowledged, closed or raised meanwhile)."""
    result = session.execute(
        update(NoticeRow)
        .where(
            NoticeRow.id == notice.id,
            NoticeRow.escalated_at.is_(None),
            NoticeRow.acked_at.is_(None),
            NoticeRow.closed_at.is_(None),
            NoticeRow.attention_at == notice.attention_at,
        )
        .values(escalated_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    won = bool(getattr(result, "rowcount", 0))
    if won:
        session.refresh(notice)
    return won


def open_subjects_of_resolved_conflicts(session: Session, intent_uid: str) -> list[str]:
    """Subjects of the intent's resolved conflicts whose notices are still open."""
    resolved = (
        select(ConflictRow.id)
        .where(ConflictRow.status == "resolved")
        .where(or_(ConflictRow.intent_a == intent_uid, ConflictRow.intent_b == intent_uid))
    )
    subjects = [f"conflict:{cid}" for cid in session.scalars(resolved)]
    found: set[str] = set()
    for start in range(0, len(subjects), IN_LIST_CHUNK):
        chunk = subjects[start : start + IN_LIST_CHUNK]
        query = select(NoticeRow.subject).where(
            and_(NoticeRow.subject.in_(chunk), NoticeRow.closed_at.is_(None))
        )
        found.update(session.scalars(query))
    return sorted(found)


def intent_ids(session: Session, uids: Iterable[str]) -> dict[str, str]:
    """What each intent's own party calls it, by uid."""
    wanted = sorted(set(uids))
    if not wanted:
        return {}
    query = select(IntentRow.uid, IntentRow.id).where(IntentRow.uid.in_(wanted))
    return {str(u): str(i) for u, i in session.execute(query)}


# --- parties -------------------------------------------------------------------------------------


def webhook_urls(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The configured webhook URL of each of these parties that has one."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(PartyRow.id, PartyRow.webhook_url).where(
        PartyRow.id.in_(wanted), PartyRow.webhook_url.is_not(None)
    )
    return {int(i): str(u) for i, u in session.execute(query) if u}


def observer_ids(session: Session) -> list[int]:
    query = select(PartyRow.id).where(PartyRow.role == "observer", PartyRow.disabled.is_(False))
    return sorted(int(i) for i in session.scalars(query))

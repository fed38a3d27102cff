"""Notices: one per party per event, written in the event's own transaction (the outbox).

Other use cases call :func:`emit` and :func:`revise` *inside* their write transaction, so an
event and its notices commit together or not at all. Every change to a notice (created,
revised, closed, acked, escalated) appends a notice event: the sequence that server-sent
events resume from and webhooks deliver (:mod:`wellclear.store.notices`).

A notice's escalation deadline runs from ``attention_at`` (its creation, or the last rise of
its level) for the time the policy's ``[escalation]`` table gives its kind and level
(:class:`wellclear.model.EscalationDeadlines`); ``deadline_at`` is shown as that sum.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem, WellclearError
from wellclear.model import EscalationDeadlines
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.cursors import decode_id, encode_id
from wellclear.service.views import Page, utc_text
from wellclear.store import notices as store
from wellclear.store import parties as party_store
from wellclear.store import webhooks as webhook_store
from wellclear.store.models import ConflictRow
from wellclear.store.notices import NoticeEventRow, NoticeFilter, NoticeRow

JsonObject = dict[str, Any]
KINDS = ("conflict", "alert", "nonconforming", "incursion", "escalation", "message")
LEVEL_RANK: dict[str | None, int] = {None: -1, "preventive": 0, "corrective": 1, "warning": 2}
CREATED, REVISED, CLOSED, ACKED, ESCALATED = "created", "revised", "closed", "acked", "escalated"
MAX_PAGE = 500
SUBJECT = re.compile(r"(conflict|alert|message|notice):[A-Za-z0-9._-]{1,64}")


class UnknownNotice(WellclearError, KeyError):
    """No notice of that id *for this caller* (another party's is unknown too)."""

    def __init__(self, notice_id: int) -> None:
        self.notice_id = notice_id
        super().__init__(f"no notice {notice_id}")

    def __str__(self) -> str:
        return f"no notice {self.notice_id}"


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    kind: str
    subject: str
    level: str | None
    payload: JsonObject
    created_at: str
    updated_at: str
    deadline_at: str | None
    acked_at: str | None
    acked_by: str | None
    escalated: bool
    closed: bool

    def as_json(self) -> JsonObject:
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "level": self.level,
            "payload": self.payload,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "deadline_at": self.deadline_at,
            "acked_at": self.acked_at,
            "acked_by": self.acked_by,
            "escalated": self.escalated,
            "closed": self.closed,
        }


@dataclass(frozen=True, slots=True)
class NoticeEvent:
    """One delivery of the stream and the webhooks: a change to a notice, as it is now."""

    seq: int
    action: str
    at: str
    notice: NoticeView


def deadline_of(row: NoticeRow, deadlines: EscalationDeadlines) -> datetime | None:
    seconds = deadlines.deadline_s(row.kind, row.level)
    return None if seconds is None else row.attention_at + timedelta(seconds=seconds)


def notice_view(row: NoticeRow, deadlines: EscalationDeadlines) -> NoticeView:
    deadline = deadline_of(row, deadlines)
    return NoticeView(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        level=row.level,
        payload=json.loads(row.payload_json),
        created_at=utc_text(row.created_at),
        updated_at=utc_text(row.updated_at),
        deadline_at=None if deadline is None else utc_text(deadline),
        acked_at=None if row.acked_at is None else utc_text(row.acked_at),
        acked_by=row.acked_by,
        escalated=row.escalated_at is not None,
        closed=row.closed_at is not None,
    )


def event_view(
    event: NoticeEventRow, row: NoticeRow, deadlines: EscalationDeadlines
) -> NoticeEvent:
    return NoticeEvent(event.seq, event.action, utc_text(event.at), notice_view(row, deadlines))


# --- the contract other use cases call, inside their own transaction -----------------------------


def emit(
    session: Session,
    *,
    party_ids: Iterable[int],
    kind: str,
    subject: str,
    payload: dict[str, Any],
    now: datetime,
    level: str | None = None,
) -> list[int]:
    """One notice per party about ``subject``; their ids, in the order of ``party_ids``."""
    drafts = [NoticeDraft(party, kind, subject, payload, level) for party in party_ids]
    return [row.id for row in emit_all(session, drafts, now)]


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """One notice to be: to whom, about what, saying what."""

    party_id: int
    kind: str
    subject: str
    payload: JsonObject
    level: str | None = None


def emit_all(session: Session, drafts: Sequence[NoticeDraft], now: datetime) -> list[NoticeRow]:
    """The notices of ``drafts``, in their order, with their events and webhook deliveries:
    one insert of each kind of row for all of them (a monitor cycle opens thousands)."""
    for draft in drafts:
        if draft.kind not in KINDS:
            raise ValueError(f"notice kind must be one of {', '.join(KINDS)}, not {draft.kind!r}")
        if not SUBJECT.fullmatch(draft.subject):
            raise ValueError(
                f"notice subject must look like 'conflict:<id>', not {draft.subject!r}"
            )
    rows = [
        NoticeRow(
            party_id=int(draft.party_id),
            kind=draft.kind,
            subject=draft.subject,
            level=draft.level,
            payload_json=_json(draft.payload),
            created_at=now,
            updated_at=now,
            attention_at=now,
        )
        for draft in drafts
    ]
    if rows:
        store.add_notices(session, rows)
        _record(session, rows, CREATED, now)
    return rows


def revise(
    session: Session,
    *,
    subject: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
    level: str | None = None,
    closed: bool = False,
) -> list[int]:
    """Update every open notice of ``subject``; the ids of those that changed.

    A new payload replaces the old; a higher level restarts the escalation deadline and
    clears the acknowledgement (and the escalation, so the new deadline can escalate once
    more); ``closed`` closes the notice (the encounter, the conflict is over). Each change is
    one notice event. Closed notices are not changed again.
    """
    return revise_all(session, [Revision(subject, payload, level, closed)], now)


@dataclass(frozen=True, slots=True)
class Revision:
    """What changes about the open notices of one subject (see :func:`revise`)."""

    subject: str
    payload: JsonObject | None = None
    level: str | None = None
    closed: bool = False


def revise_all(session: Session, revisions: Sequence[Revision], now: datetime) -> list[int]:
    """:func:`revise` for many subjects at once: one read of their notices, one flush, one
    insert of events for the revised and one for the closed."""
    changed: list[NoticeRow] = []
    closing: list[NoticeRow] = []
    by_subject = store.notices_of_subjects(session, [r.subject for r in revisions])
    for revision in revisions:
        text = None if revision.payload is None else _json(revision.payload)
        for row in by_subject.get(revision.subject, ()):
            if row.closed_at is None and _revised(row, revision, text, now):
                row.updated_at = now
                (closing if revision.closed else changed).append(row)
    session.flush()
    _record(session, changed, REVISED, now)
    _record(session, closing, CLOSED, now)
    return sorted(row.id for row in [*changed, *closing])


def _revised(row: NoticeRow, revision: Revision, text: str | None, now: datetime) -> bool:
    touched = False
    if text is not None and text != row.payload_json:
        row.payload_json, touched = text, True
    level = revision.level
    if level is not None and level != row.level:
        if LEVEL_RANK.get(level, -1) > LEVEL_RANK.get(row.level, -1):
            row.attention_at = now
            row.acked_at = row.acked_by = row.escalated_at = None
        row.level, touched = level, True
    if revision.closed:
        row.closed_at, touched = now, True
    return touched


def record_escalated(session: Session, rows: Sequence[NoticeRow], now: datetime) -> None:
    """The ``escalated`` events of notices just marked escalated (see ``escalation``)."""
    _record(session, rows, ESCALATED, now)


def _record(session: Session, rows: Sequence[NoticeRow], action: str, now: datetime) -> None:
    """The notice events of a change, and a webhook delivery for each party that has one."""
    events = store.add_events(session, rows, action, now)
    urls = store.webhook_urls(session, {e.party_id for e in events})
    webhook_store.add_deliveries(session, [e for e in events if e.party_id in urls], urls, now)


def _json(payload: JsonObject) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


# --- strategic conflicts -------------------------------------------------------------------------


def conflicts_recorded(
    session: Session, rows: Sequence[ConflictRow], now: datetime, *, replaced_uid: str | None = None
) -> None:
    """Tell both parties of each new conflict; close the notices of the conflicts a replaced
    intent (``replaced_uid``) no longer has (its filing resolved them).

    Each side learns the conflict's id, the counterparty's name, the kinds (its own first),
    the mode, who must act and the region — never the other intent's id or shape.
    """
    if replaced_uid is not None:
        close_resolved_conflicts(session, replaced_uid, now)
    if not rows:
        return
    names = party_store.party_names(session, {r.party_a for r in rows} | {r.party_b for r in rows})
    own_ids = store.intent_ids(session, {r.intent_a for r in rows} | {r.intent_b for r in rows})
    drafts = []
    for row in rows:
        sides = ((row.party_a, row.party_b, row.kind_a, row.kind_b, row.intent_a, "a"),
                 (row.party_b, row.party_a, row.kind_b, row.kind_a, row.intent_b, "b"))  # fmt: skip
        drafts += [
            NoticeDraft(own, "conflict", f"conflict:{row.id}", {
                "conflict": row.id,
                "intent": own_ids.get(own_uid),
                "counterparty": names.get(other, ""),
                "kinds": [own_kind, other_kind],
                "mode": row.mode,
                "must_act": row.must_act in (letter, "both"),
                "region": json.loads(row.region_json),
            })
            for own, other, own_kind, other_kind, own_uid, letter in sides
        ]  # fmt: skip
    emit_all(session, drafts, now)


def close_resolved_conflicts(session: Session, intent_uid: str, now: datetime) -> None:
    """Close the notices of the intent's conflicts that are resolved (it ended, or moved)."""
    subjects = store.open_subjects_of_resolved_conflicts(session, intent_uid)
    revise_all(session, [Revision(subject, closed=True) for subject in subjects], now)


# --- reading and acknowledging -------------------------------------------------------------------


def list_notices(
    service: Service,
    caller: Caller,
    *,
    unacked: bool = False,
    kinds: frozenset[str] = frozenset(),
    since: datetime | None = None,
    subject: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[NoticeView]:
    """The caller's own notices, oldest first (observers too: they see their own only)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput([Problem("", "limit", f"must be 1 to {MAX_PAGE}, not {limit}")])
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise InvalidInput(
            [Problem("", "kind", f"must be one of {', '.join(KINDS)}, not {unknown[0]!r}")]
        )
    where = NoticeFilter(caller.party_id, unacked, kinds, since, subject)
    after = decode_id(cursor)
    with service.database.reading() as session:
        rows = store.list_notices(session, where, after, limit + 1)
    more = len(rows) > limit
    page = rows[:limit]
    items = tuple(notice_view(r, service.policy.escalation) for r in page)
    return Page(items, encode_id(page[-1].id) if more else None)


def get_notice(service: Service, caller: Caller, notice_id: int) -> NoticeView:
    with service.database.reading() as session:
        row = store.find_notice(session, caller.party_id, notice_id)
    if row is None:
        raise UnknownNotice(notice_id)
    return notice_view(row, service.policy.escalation)


def acknowledge(service: Service, caller: Caller, notice_id: int) -> NoticeView:
    """Acknowledge the caller's own notice (again: nothing changes); records who and when."""
    now = service.clock()

    def work(session: Session) -> NoticeView:
        row = store.find_notice(session, caller.party_id, notice_id)
        if row is None:
            raise UnknownNotice(notice_id)
        if store.acknowledge(session, row.id, now, caller.name):
            session.refresh(row)
            _record(session, [row], ACKED, now)
        return notice_view(row, service.policy.escalation)

    return service.database.write(work)


def events_after(
    service: Service, caller: Caller, after_seq: int, limit: int = 200
) -> list[NoticeEvent]:
    """The caller's notice events after ``after_seq``, oldest first (the SSE stream)."""
    with service.database.reading() as session:
        found = store.events_after(session, caller.party_id, after_seq, limit)
    return [event_view(e, n, service.policy.escalation) for e, n in found]


def last_seq(service: Service) -> int:
    with service.database.reading() as session:
        return store.last_seq(session)


NOTIFY_CHANNEL = store.NOTIFY_CHANNEL
"""The PostgreSQL channel a commit with new notice events notifies (payload empty)."""


def on_events_committed(hook: Callable[[], None]) -> Callable[[], None]:
    """Call ``hook`` after each commit of this process that wrote notice events (streams of
    this process wake at once, on SQLite too); returns a function that removes it."""
    return store.on_events_committed(hook)


def listen_url(service: Service) -> str | None:
    """A libpq URL for ``LISTEN`` on PostgreSQL; ``None`` on SQLite (streams poll)."""
    if not service.database.is_postgresql:
        return None
    url = service.database.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)

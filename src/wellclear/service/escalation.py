"""Escalation: a notice still unacknowledged at its deadline is escalated, once.

:func:`escalate_due` does one pass at ``service.clock()``: every open, unacknowledged notice
past its deadline (the policy's ``[escalation]`` table, by kind and level) is marked
escalated by a conditional ``UPDATE … WHERE escalated_at IS NULL`` — of several processes
running the pass at once exactly one wins each notice — and its winner, in the same
transaction, records an ``escalated`` event on the notice and emits an ``escalation``
notice to the party's escalation contact and to every observer (never to the notice's own
party). Escalation notices are not escalated again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem
from wellclear.model import TACTICAL_NOTICE_KINDS, EscalationDeadlines
from wellclear.service import notices
from wellclear.service.core import Service
from wellclear.service.errors import UnknownParty
from wellclear.store import notices as store
from wellclear.store import parties as party_store
from wellclear.store.notices import DeadlineRule, NoticeRow

BATCH = 200


def deadline_rules(deadlines: EscalationDeadlines, service: Service) -> list[DeadlineRule]:
    now = service.clock()
    rules = [
        DeadlineRule(TACTICAL_NOTICE_KINDS, level, now - timedelta(seconds=seconds))
        for level, seconds in deadlines.by_level().items()
        if seconds is not None
    ]
    for kind, seconds in (("conflict", deadlines.conflict_s), ("message", deadlines.message_s)):
        if seconds is not None:
            rules.append(DeadlineRule(frozenset({kind}), None, now - timedelta(seconds=seconds)))
    return rules


def escalate_due(service: Service) -> int:
    """Escalate every notice past its deadline at ``service.clock()``; how many this call did."""
    done = 0
    while True:
        count, more = service.database.write(lambda session: _pass(session, service))
        done += count
        if not more:
            return done


def _pass(session: Session, service: Service) -> tuple[int, bool]:
    now = service.clock()
    rules = deadline_rules(service.policy.escalation, service)
    due = store.due_for_escalation(session, rules, BATCH)
    won = [row for row in due if store.claim_escalation(session, row, now)]
    if won:
        notices.record_escalated(session, won, now)
        observers = store.observer_ids(session)
        for row in won:
            _escalate(session, service, row, observers)
    return len(won), len(due) == BATCH


def _escalate(session: Session, service: Service, row: NoticeRow, observers: list[int]) -> None:
    owner = party_store.find_party_by_id(session, row.party_id)
    owner_name = owner.name if owner is not None else str(row.party_id)
    recipients = set(observers)
    contact = owner.escalation_contact if owner is not None else None
    if contact:
        found = party_store.find_party(session, contact)
        if found is not None and not found.disabled:
            recipients.add(found.id)
    recipients.discard(row.party_id)
    if not recipients:
        return
    view = notices.notice_view(row, service.policy.escalation)
    payload = {
        "notice": view.id,
        "party": owner_name,
        "kind": view.kind,
        "subject": view.subject,
        "level": view.level,
        "deadline_at": view.deadline_at,
        "created_at": view.created_at,
        "payload": view.payload,
    }
    notices.emit(
        session,
        party_ids=sorted(recipients),
        kind="escalation",
        subject=f"notice:{row.id}",
        payload=payload,
        now=row.escalated_at or service.clock(),
        level=view.level,
    )


def set_escalation_contact(service: Service, name: str, contact: str | None) -> None:
    """Name the party (``None``: nobody but the observers) that party ``name``'s overdue
    notices are escalated to."""

    def work(session: Session) -> None:
        party = party_store.find_party(session, name)
        if party is None:
            raise UnknownParty(name)
        if contact is not None:
            if contact == name:
                raise InvalidInput([Problem("", "escalation", "must be another party")])
            if party_store.find_party(session, contact) is None:
                raise UnknownParty(contact)
        party.escalation_contact = contact

    service.database.write(work)

"""Escalation with an injected clock (no sleeping), on SQLite and PostgreSQL: once, to the
escalation contact and every observer; not after an ack; again after a level rise; the
policy's ``[escalation]`` table."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest

from wellclear.errors import InvalidInput
from wellclear.ingest.policy import parse_policy
from wellclear.model import EscalationDeadlines
from wellclear.service import Role, add_party, authenticate
from wellclear.service.errors import UnknownParty
from wellclear.service.escalation import escalate_due, set_escalation_contact
from wellclear.service.notices import acknowledge, emit, list_notices, revise

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(service):
    clock = Clock()
    service = dataclasses.replace(service, clock=clock)
    parties = {
        name: authenticate(service.database, add_party(service.database, name, role).key)
        for name, role in (("blue", Role.OPERATOR), ("duty", Role.OPERATOR),
                           ("red", Role.OPERATOR), ("watch", Role.OBSERVER),
                           ("watch2", Role.OBSERVER))
    }  # fmt: skip
    set_escalation_contact(service, "blue", "duty")
    return service, clock, parties


def alert(service, party, level="warning", subject="alert:7"):
    (notice_id,) = service.database.write(
        lambda s: emit(s, party_ids=[party.party_id], kind="alert", subject=subject,
                       payload={"track": "4CA2D6"}, now=service.clock(), level=level)
    )  # fmt: skip
    return notice_id


def escalations(service, caller):
    return list_notices(service, caller, kinds=frozenset({"escalation"})).items


def test_escalated_once_to_the_contact_and_every_observer(world):
    service, clock, p = world
    notice_id = alert(service, p["blue"])
    clock.now = T0 + timedelta(seconds=29)
    assert escalate_due(service) == 0
    clock.now = T0 + timedelta(seconds=30)
    assert escalate_due(service) == 1
    assert escalate_due(service) == 0  # once
    clock.now = T0 + timedelta(hours=1)
    assert escalate_due(service) == 0
    for name in ("duty", "watch", "watch2"):
        (escalation,) = escalations(service, p[name])
        assert escalation.subject == f"notice:{notice_id}"
        assert escalation.payload["party"] == "blue"
        assert escalation.payload["subject"] == "alert:7"
        assert escalation.payload["payload"] == {"track": "4CA2D6"}
        assert escalation.deadline_at is None  # escalations are not escalated again
    assert escalations(service, p["red"]) == ()
    assert escalations(service, p["blue"]) == ()
    (own,) = list_notices(service, p["blue"]).items
    assert own.escalated


def test_an_acknowledged_or_closed_notice_is_not_escalated(world):
    service, clock, p = world
    acked = alert(service, p["blue"], subject="alert:1")
    alert(service, p["blue"], subject="alert:2")
    acknowledge(service, p["blue"], acked)
    service.database.write(lambda s: revise(s, subject="alert:2", now=T0, closed=True))
    clock.now = T0 + timedelta(minutes=5)
    assert escalate_due(service) == 0


def test_a_level_rise_restarts_the_deadline_and_can_escalate_again(world):
    service, clock, p = world
    alert(service, p["blue"], level="preventive")
    clock.now = T0 + timedelta(seconds=299)
    assert escalate_due(service) == 0
    clock.now = T0 + timedelta(seconds=300)
    assert escalate_due(service) == 1
    rise = T0 + timedelta(seconds=310)
    service.database.write(lambda s: revise(s, subject="alert:7", now=rise, level="warning"))
    clock.now = rise + timedelta(seconds=29)
    assert escalate_due(service) == 0
    clock.now = rise + timedelta(seconds=30)
    assert escalate_due(service) == 1
    assert len(escalations(service, p["duty"])) == 2


def test_deadlines_per_kind_from_the_policy(world):
    service, clock, p = world
    policy = parse_policy('[escalation]\nconflict_s = 60\nwarning_s = "never"\n', "p.toml")
    service = dataclasses.replace(service, policy=policy)
    alert(service, p["blue"])  # warning: never
    service.database.write(
        lambda s: emit(s, party_ids=[p["red"].party_id], kind="conflict", subject="conflict:c9",
                       payload={}, now=T0)
    )  # fmt: skip
    service.database.write(
        lambda s: emit(s, party_ids=[p["red"].party_id], kind="message", subject="message:3",
                       payload={}, now=T0)
    )  # fmt: skip
    clock.now = T0 + timedelta(seconds=60)
    assert escalate_due(service) == 1  # the conflict
    clock.now = T0 + timedelta(seconds=600)
    assert escalate_due(service) == 1  # the message (default 10 min)
    clock.now = T0 + timedelta(days=1)
    assert escalate_due(service) == 0


def test_concurrent_passes_escalate_each_notice_once(world):
    service, clock, p = world
    for i in range(20):
        alert(service, p["blue"], subject=f"alert:{i}")
    clock.now = T0 + timedelta(minutes=1)
    counts = []
    threads = [
        threading.Thread(target=lambda: counts.append(escalate_due(service))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 20
    assert len(escalations(service, p["duty"])) == 20


def test_policy_deadlines_are_checked():
    with pytest.raises(InvalidInput, match=r"escalation\.warning_s"):
        parse_policy("[escalation]\nwarning_s = 0\n", "p.toml")
    assert EscalationDeadlines().deadline_s("incursion", "warning") == 30.0


def test_set_contact_refuses_unknown_parties(world):
    service, _clock, _p = world
    with pytest.raises(UnknownParty):
        set_escalation_contact(service, "blue", "nobody")
    with pytest.raises(UnknownParty):
        set_escalation_contact(service, "nobody", "blue")
    with pytest.raises(InvalidInput):
        set_escalation_contact(service, "blue", "blue")

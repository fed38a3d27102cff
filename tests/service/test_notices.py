"""Notices in the service, on SQLite and PostgreSQL: emitted in the event's own transaction,
revised, closed, acknowledged (idempotently, own only), listed, and the event sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.errors import InvalidInput
from wellclear.service import FilingRequest, Role, add_party, authenticate, end_intent, file_intent
from wellclear.service.errors import ConflictRejected
from wellclear.service.notices import (
    UnknownNotice,
    acknowledge,
    emit,
    events_after,
    get_notice,
    list_notices,
    revise,
)
from wellclear.store.notices import NoticeEventRow, NoticeRow

NEAR = offset(0, 3_000)
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def party(service, name, role=Role.OPERATOR):
    return authenticate(service.database, add_party(service.database, name, role).key)


def file(service, caller, body, **request):
    return file_intent(service, caller, FilingRequest(encoded(body), **request))


def count(service, table):
    with service.database.reading() as session:
        return session.scalar(select(func.count()).select_from(table))


def emit_one(service, party_ids, subject="alert:1", kind="alert", level="preventive", now=T0):
    return service.database.write(
        lambda session: emit(
            session,
            party_ids=party_ids,
            kind=kind,
            subject=subject,
            payload={"n": 1},
            now=now,
            level=level,
        )
    )


def test_emit_one_notice_per_party_with_events(service):
    blue, red = party(service, "blue"), party(service, "red")
    ids = emit_one(service, [blue.party_id, red.party_id])
    assert len(ids) == 2
    (mine,) = list_notices(service, blue).items
    assert (mine.kind, mine.subject, mine.level, mine.payload) == (
        "alert",
        "alert:1",
        "preventive",
        {"n": 1},
    )
    assert mine.deadline_at == "2030-01-01T12:05:00Z"  # preventive: 300 s by default
    assert not mine.closed
    assert not mine.escalated
    assert mine.acked_at is None
    assert [(e.action, e.notice.id) for e in events_after(service, blue, 0)] == [
        ("created", mine.id)
    ]
    assert [n.id for n in list_notices(service, red).items] == [ids[1]]


def test_a_failed_transaction_leaves_no_notice(service):
    blue = party(service, "blue")

    def work(session):
        emit(session, party_ids=[blue.party_id], kind="alert", subject="alert:9",
             payload={}, now=T0)  # fmt: skip
        raise RuntimeError("the event fails")

    with pytest.raises(RuntimeError):
        service.database.write(work)
    assert count(service, NoticeRow) == 0
    assert count(service, NoticeEventRow) == 0


def test_revise_raises_level_restarts_deadline_and_clears_ack_then_closes(service):
    blue = party(service, "blue")
    (notice_id,) = emit_one(service, [blue.party_id])
    acknowledge(service, blue, notice_id)
    later = T0 + timedelta(seconds=10)
    changed = service.database.write(
        lambda s: revise(s, subject="alert:1", now=later, level="warning", payload={"n": 2})
    )
    assert changed == [notice_id]
    notice = get_notice(service, blue, notice_id)
    assert notice.level == "warning"
    assert notice.acked_at is None
    assert notice.payload == {"n": 2}
    assert notice.deadline_at == "2030-01-01T12:00:40Z"  # warning: 30 s from the rise
    closed = service.database.write(lambda s: revise(s, subject="alert:1", now=later, closed=True))
    assert closed == [notice_id]
    assert get_notice(service, blue, notice_id).closed
    # closed notices are not changed again; a revise that changes nothing records nothing
    assert (
        service.database.write(lambda s: revise(s, subject="alert:1", now=later, level="warning"))
        == []
    )
    actions = [e.action for e in events_after(service, blue, 0)]
    assert actions == ["created", "acked", "revised", "closed"]


def test_acknowledge_is_idempotent_and_own_only(service):
    blue, red = party(service, "blue"), party(service, "red")
    (notice_id,) = emit_one(service, [blue.party_id])
    first = acknowledge(service, blue, notice_id)
    again = acknowledge(service, blue, notice_id)
    assert first.acked_at is not None
    assert first.acked_by == "blue"
    assert again.acked_at == first.acked_at
    assert [e.action for e in events_after(service, blue, 0)] == ["created", "acked"]
    with pytest.raises(UnknownNotice):
        acknowledge(service, red, notice_id)
    with pytest.raises(UnknownNotice):
        get_notice(service, red, notice_id)
    with pytest.raises(UnknownNotice):
        acknowledge(service, blue, notice_id + 1000)


def test_listing_filters_and_pages(service):
    blue = party(service, "blue")
    ids = [emit_one(service, [blue.party_id], subject=f"alert:{i}")[0] for i in range(5)]
    emit_one(service, [blue.party_id], subject="conflict:c1", kind="conflict", level=None,
             now=T0 + timedelta(hours=1))  # fmt: skip
    acknowledge(service, blue, ids[0])
    assert len(list_notices(service, blue, unacked=True).items) == 5
    assert [n.kind for n in list_notices(service, blue, kinds=frozenset({"conflict"})).items] == [
        "conflict"
    ]
    assert len(list_notices(service, blue, since=T0 + timedelta(minutes=30)).items) == 1
    seen, cursor = [], None
    while True:
        page = list_notices(service, blue, cursor=cursor, limit=2)
        seen += [n.id for n in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == 6
    with pytest.raises(InvalidInput, match="kind"):
        list_notices(service, blue, kinds=frozenset({"gossip"}))
    with pytest.raises(InvalidInput, match="cursor"):
        list_notices(service, blue, cursor="bm90IGEgY3Vyc29y")


def test_notify_filing_notifies_both_parties_in_its_transaction(service):
    blue, red = party(service, "blue"), party(service, "red")
    mine = file(service, blue, intent_body("operation", circle_extent(radius_m=500)))
    filing = file(service, red, intent_body("operation", circle_extent(offset(90, 4_000), 500)))
    (conflict,) = filing.conflicts
    (to_blue,) = list_notices(service, blue).items
    (to_red,) = list_notices(service, red).items
    assert to_blue.subject == to_red.subject == f"conflict:{conflict.id}"
    assert to_blue.payload["counterparty"] == "red"
    assert to_red.payload["counterparty"] == "blue"
    assert to_blue.payload["intent"] == mine.intent.id
    assert to_red.payload["intent"] == filing.intent.id
    assert to_blue.payload["must_act"]
    assert to_red.payload["must_act"]
    assert to_blue.payload["region"] == conflict.region
    assert to_blue.payload["kinds"] == ["operation", "operation"]
    assert to_blue.deadline_at is not None  # 15 min by default
    # never the other side's intent id
    assert filing.intent.id not in str(to_blue.payload)
    # ending the intent resolves the conflict and closes both notices
    end_intent(service, red, filing.intent.id)
    assert list_notices(service, blue).items[0].closed
    assert list_notices(service, red).items[0].closed


def test_refused_filing_creates_no_notice(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    with pytest.raises(ConflictRejected):
        file(service, red, intent_body("flight", circle_extent(NEAR)))
    assert count(service, NoticeRow) == 0


def test_priority_accepted_tells_who_must_act(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    file(service, red, intent_body("flight", circle_extent(NEAR), priority=2))
    (to_blue,) = list_notices(service, blue).items
    (to_red,) = list_notices(service, red).items
    assert to_blue.payload["must_act"] is True
    assert to_red.payload["must_act"] is False


def test_replacing_an_intent_closes_the_notices_of_the_conflicts_it_left(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body("operation", circle_extent(radius_m=500)))
    first = file(service, red, intent_body("operation", circle_extent(offset(90, 4_000), 500)),
                 intent_id="op-1")  # fmt: skip
    far = intent_body("operation", circle_extent(offset(90, 60_000), 500))
    file(service, red, far, intent_id="op-1", if_match=first.intent.version)
    assert [n.closed for n in list_notices(service, blue).items] == [True]


def test_observers_see_only_their_own_notices(service):
    blue = party(service, "blue")
    watcher = party(service, "watch", Role.OBSERVER)
    emit_one(service, [blue.party_id])
    assert list_notices(service, watcher).items == ()

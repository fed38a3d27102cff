"""The tactical monitor's cycles with an injected clock (SQLite and PostgreSQL): encounters
become alerts with one notice per party, a level rise revises them, the end closes them;
conformance, incursion, disclosure and retention."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.service import FilingRequest, Role, add_party, authenticate, end_intent, file_intent
from wellclear.service.monitor import Monitor, MonitorSettings, apply_retention, run_cycle
from wellclear.service.notices import acknowledge, list_notices
from wellclear.service.tracks import list_alerts, list_tracks, record_track_body
from wellclear.store.audit import AuditEntryRow
from wellclear.store.models import ConflictRow, IntentCellRow, IntentRow
from wellclear.store.tracks import AlertRow, TrackRow

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CENTRE = (36.2, 37.1)
KT_PER_MPS = 3600 / 1852


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def svc(service, clock):
    return replace(service, clock=clock)


def party(service, name, role=Role.OPERATOR):
    return authenticate(service.database, add_party(service.database, name, role).key)


def report(service, caller, *states):
    record_track_body(service, caller, json.dumps({"states": list(states)}).encode())


def at(position, ident, trk_deg, speed_mps=200.0, alt_m=3_000.0, **extra):
    lat, lon = position
    return {"id": ident, "lat": lat, "lon": lon, "alt_m": alt_m, "trk_deg": trk_deg,
            "gs_kt": speed_mps * KT_PER_MPS, **extra}  # fmt: skip


def head_on(distance_m):
    """Two aircraft on one parallel, ``distance_m`` apart, flying at each other."""
    return (
        at(offset(270, distance_m / 2, CENTRE), "B0A1", 90.0, callsign="BLUE1"),
        at(offset(90, distance_m / 2, CENTRE), "C0D2", 270.0, callsign="RED7"),
    )


def alerts(service, caller, **filters):
    return list(list_alerts(service, caller, **filters).items)


def notices_of(service, caller, alert_id):
    """The caller's notices about an alert (one per party while the encounter lasts)."""
    return list(list_notices(service, caller, subject=f"alert:{alert_id}").items)


def test_an_encounter_opens_rises_and_closes_once(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    watcher = party(svc, "watch", Role.OBSERVER)
    monitor = Monitor(svc)

    def step(seconds, distance_m, *, apart=False):
        clock.now = T0 + timedelta(seconds=seconds)
        own, other = head_on(distance_m)
        if apart:
            other = {**other, "trk_deg": 90.0}  # turned onto a parallel course: no conflict
        report(svc, blue, {**own, "at": clock.now.isoformat()})
        report(svc, red, {**other, "at": clock.now.isoformat()})
        return monitor.run_cycle()

    first = step(0, 100_000)  # tLOS (100 - 9.26) km / 400 m/s = 226.9 s: preventive
    assert (first.tracks, first.conflicts, first.opened) == (2, 1, 1)
    (alert,) = alerts(svc, blue)
    assert alert["level"] == "preventive"
    assert alert["status"] == "open"
    assert alert["tlos_s"] == pytest.approx(226.85, abs=1.0)  # sphere vs WGS84 offsets

    def levels():
        seen = [(n.kind, n.level, n.closed) for c in (blue, red)
                for n in notices_of(svc, c, alert["id"])]  # fmt: skip
        assert len(seen) == 2, seen  # one notice per party, all along
        assert seen[0] == seen[1]
        return seen[0]

    assert levels() == ("alert", "preventive", False)
    assert step(1, 99_600).opened == 0  # the same encounter: no new alert, no new notice
    assert levels() == ("alert", "preventive", False)
    assert step(110, 56_000).revised == 1  # tLOS 116.9 s: corrective
    assert levels() == ("alert", "corrective", False)
    assert step(111, 55_600).revised == 0
    assert step(170, 32_000).revised == 1  # 56.9 s: warning
    assert levels() == ("alert", "warning", False)
    assert step(171, 32_000, apart=True).closed == 1
    assert levels() == ("alert", "warning", True)
    assert step(172, 32_000, apart=True).closed == 0

    (seen_by_blue,) = alerts(svc, blue)
    (seen_by_red,) = alerts(svc, red)
    (seen_by_watcher,) = alerts(svc, watcher)
    assert seen_by_blue["id"] == seen_by_red["id"] == seen_by_watcher["id"] == alert["id"]
    assert seen_by_blue["level"] == "warning"
    assert seen_by_blue["status"] == "closed"
    assert seen_by_blue["parties"] == ["blue", "red"]
    # own track first, with its callsign; the other's id and position at the alert, no more
    assert [t["id"] for t in seen_by_blue["tracks"]] == ["B0A1", "C0D2"]
    assert [t["id"] for t in seen_by_red["tracks"]] == ["C0D2", "B0A1"]
    assert seen_by_blue["tracks"][0]["callsign"] == "BLUE1"
    assert "callsign" not in seen_by_blue["tracks"][1]
    assert seen_by_red["tracks"][0]["callsign"] == "RED7"
    assert "callsign" not in seen_by_red["tracks"][1]
    assert {t["callsign"] for t in seen_by_watcher["tracks"]} == {"BLUE1", "RED7"}
    assert alerts(svc, blue, status="open") == []
    assert len(alerts(svc, blue, status="closed")) == 1
    # red never sees blue's tracks as a feed
    assert [t.id for t in list_tracks(svc, red).items] == ["C0D2"]
    (notice,) = notices_of(svc, red, alert["id"])
    assert {t["id"] for t in notice.payload["tracks"]} == {"B0A1", "C0D2"}
    assert "BLUE1" not in str(notice.payload)  # the shared payload: ids and positions only
    assert notices_of(svc, watcher, alert["id"]) == []  # observers read alerts, get no notice


def test_one_aircraft_seen_by_two_parties_is_no_conflict(svc):
    blue, red = party(svc, "blue"), party(svc, "red")
    same = at(CENTRE, "4CA2D6", 90.0)
    report(svc, blue, same)
    report(svc, red, {**same, "id": "4ca2d6"})
    assert run_cycle(svc).conflicts == 0


def test_stale_tracks_are_left_out_and_close_their_alerts(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    report(svc, blue, head_on(20_000)[0])
    report(svc, red, head_on(20_000)[1])
    assert run_cycle(svc).opened == 1
    clock.now = T0 + timedelta(seconds=31)
    cycle = run_cycle(svc, MonitorSettings(stale_s=30.0))
    assert (cycle.tracks, cycle.closed) == (0, 1)


def test_tracks_are_extrapolated_to_now(svc, clock):
    """States 20 s old, 24 km apart at 400 m/s closing: now 16 km apart, tLOS 16.9 s."""
    blue, red = party(svc, "blue"), party(svc, "red")
    own, other = head_on(24_000)
    report(svc, blue, own)
    report(svc, red, other)
    clock.now = T0 + timedelta(seconds=20)
    run_cycle(svc)
    (alert,) = alerts(svc, blue)
    assert alert["tlos_s"] == pytest.approx((16_000 - 9_260) / 400, abs=1.0)
    assert alert["level"] == "warning"


def file(service, caller, body):
    return file_intent(service, caller, FilingRequest(encoded(body)))


def test_a_track_off_its_own_intent_is_nonconforming(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    filed = file(svc, blue, intent_body("flight", circle_extent(CENTRE), tracks=["KLM12"]))
    clock.now = T0 + timedelta(minutes=10)
    inside = at(CENTRE, "4CA2D6", 0.0, speed_mps=1.0, alt_m=1_500.0, callsign="KLM12")
    report(svc, blue, inside)
    report(
        svc, red, at(offset(180, 40_000, CENTRE), "RED1", 180.0, alt_m=1_500.0, callsign="KLM12")
    )
    cycle = run_cycle(svc)  # red's KLM12 is not tied to blue's intent
    assert (cycle.nonconforming, cycle.opened) == (0, 0)
    report(svc, blue, {**inside, "lat": offset(0, 20_000, CENTRE)[0],
                       "at": clock.now.isoformat()})  # fmt: skip
    cycle = run_cycle(svc)
    assert (cycle.nonconforming, cycle.opened) == (1, 1)
    (alert,) = alerts(svc, blue)
    assert alert["kind"] == "nonconforming"
    assert alert["level"] == "corrective"
    assert alert["intent"] == {"party": "blue", "kind": "flight", "id": filed.intent.id}
    assert alert["detail"]["reason"] == "horizontal"
    assert alert["detail"]["outside_m"] == pytest.approx(19_000, abs=50)
    assert alerts(svc, red) == []
    (notice,) = notices_of(svc, blue, alert["id"])
    assert (notice.kind, notice.level) == ("nonconforming", "corrective")
    assert notices_of(svc, red, alert["id"]) == []


def test_a_track_inside_another_partys_site_is_an_incursion(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    site = intent_body(
        "site", circle_extent(CENTRE, radius_m=2_000, floor_m=0, ceiling_m=5_000, end_min=None)
    )
    file(svc, red, site)
    clock.now = T0 + timedelta(minutes=10)
    own = at(offset(180, 1_000, CENTRE), "RED1", 0.0, speed_mps=1.0, alt_m=4_000.0)
    report(svc, red, own)  # in its own site: no incursion
    report(svc, blue, at(offset(0, 500, CENTRE), "B0A1", 0.0, speed_mps=1.0, alt_m=1_000.0,
                         callsign="BLUE1"))  # fmt: skip
    cycle = run_cycle(svc)
    assert (cycle.incursions, cycle.opened) == (1, 1)
    (by_blue,) = alerts(svc, blue)
    (by_red,) = alerts(svc, red)
    assert by_blue["kind"] == "incursion"
    assert by_blue["level"] == "warning"
    assert by_blue["parties"] == ["blue", "red"]
    assert by_blue["intent"] == {"party": "red", "kind": "site", "id": None}  # red's id withheld
    assert by_red["intent"]["id"] is not None  # red's own site
    assert [t["id"] for t in by_red["tracks"]] == ["B0A1"]
    assert "callsign" not in by_red["tracks"][0]
    assert by_red["detail"]["depth_m"] == pytest.approx(1_500, abs=5)
    for caller in (blue, red):
        (notice,) = notices_of(svc, caller, by_blue["id"])
        assert (notice.kind, notice.level) == ("incursion", "warning")
        assert notice.payload["intent"] == {"party": "red", "kind": "site", "id": None}


def count(service, table):
    with service.database.reading() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_retention_deletes_old_tracks_and_long_ended_intents(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    real_now = datetime.now(UTC)
    clock.now = real_now
    old = (real_now - timedelta(hours=2)).isoformat()
    report(svc, blue, {**at(CENTRE, "OLD", 0.0), "at": old}, at(CENTRE, "NEW", 0.0))
    ended = file(svc, blue, intent_body("operation", circle_extent(CENTRE), tracks=["OLD"]))
    kept = file(svc, red, intent_body("flight", circle_extent(offset(0, 50_000, CENTRE))))
    file(svc, red, intent_body("operation", circle_extent(CENTRE)))  # conflicts with ended
    assert count(svc, ConflictRow) == 1
    end_intent(svc, blue, ended.intent.id)
    settings = MonitorSettings(track_retention_s=3_600, intent_retention_s=7 * 86_400)

    gone = apply_retention(svc, settings, real_now)
    assert (gone.tracks, gone.intents) == (1, 0)
    assert [t.id for t in list_tracks(svc, blue).items] == ["NEW"]

    gone = apply_retention(svc, settings, real_now + timedelta(days=8))
    assert gone.intents == 1
    assert count(svc, ConflictRow) == 0
    with svc.database.reading() as session:
        uids = set(session.scalars(select(IntentRow.id)))
        cells = set(session.scalars(select(IntentCellRow.intent_uid).distinct()))
    assert ended.intent.id not in uids
    assert kept.intent.id in uids
    assert len(cells) == 2  # the live intents keep theirs
    assert count(svc, TrackRow) == 0  # NEW is older than the retention 8 days on


def test_the_leaders_loop_applies_retention_when_due(svc, clock):
    blue = party(svc, "blue")
    report(svc, blue, at(CENTRE, "OLD", 0.0))
    monitor = Monitor(svc, MonitorSettings(track_retention_s=600, retention_every_s=60))
    monitor.run_cycle()
    clock.now = T0 + timedelta(seconds=630)
    monitor.run_cycle()
    assert count(svc, TrackRow) == 0
    assert count(svc, AlertRow) == 0


def test_a_falling_level_is_reported_once_it_holds_and_keeps_the_ack(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    monitor = Monitor(svc, MonitorSettings(ease_after_s=10.0))

    def step(seconds, distance_m):
        clock.now = T0 + timedelta(seconds=seconds)
        own, other = head_on(distance_m)
        report(svc, blue, {**own, "at": clock.now.isoformat()})
        report(svc, red, {**other, "at": clock.now.isoformat()})
        return monitor.run_cycle()

    def level():
        (alert,) = alerts(svc, blue)
        (notice,) = notices_of(svc, blue, alert["id"])
        return alert["level"], notice.level, notice.acked_at is not None

    assert step(0, 32_000).opened == 1  # tLOS 56.9 s: warning
    (alert,) = alerts(svc, blue)
    (notice,) = notices_of(svc, blue, alert["id"])
    acknowledge(svc, blue, notice.id)
    assert level() == ("warning", "warning", True)
    assert step(1, 100_000).revised == 0  # preventive now: held back
    assert step(2, 32_000).revised == 0  # a blip: warning again, the count starts over
    assert step(3, 100_000).revised == 0
    assert step(12, 100_000).revised == 0  # lower for 9 s
    assert level() == ("warning", "warning", True)
    assert step(13, 100_000).revised == 1  # lower for 10 s: reported, the ack kept
    assert level() == ("preventive", "preventive", True)
    assert step(14, 100_000).revised == 0
    assert step(15, 32_000).revised == 1  # a rise is at once and asks for a new ack
    assert level() == ("warning", "warning", False)
    assert step(16, 56_000).revised == 0  # corrective: held
    assert step(26, 56_000).revised == 1
    assert level() == ("corrective", "corrective", False)
    assert step(27, 100_000).revised == 0  # one more step down holds anew
    assert step(36, 100_000).revised == 0
    assert step(37, 100_000).revised == 1
    assert level() == ("preventive", "preventive", False)
    with svc.database.reading() as session:  # the audit log names each step's direction
        actions = session.scalars(
            select(AuditEntryRow.action)
            .where(AuditEntryRow.subject == f"alerts:{alert['id']}")
            .order_by(AuditEntryRow.seq)
        ).all()
    assert actions == [
        "alerts.insert", "alerts.lowered", "alerts.raised", "alerts.lowered", "alerts.lowered"
    ]  # fmt: skip


def test_without_a_hold_a_fall_is_reported_at_once(svc, clock):
    blue, red = party(svc, "blue"), party(svc, "red")
    monitor = Monitor(svc, MonitorSettings(ease_after_s=0.0))
    for seconds, distance_m, revised in ((0, 32_000, 0), (1, 100_000, 1), (2, 100_000, 0)):
        clock.now = T0 + timedelta(seconds=seconds)
        own, other = head_on(distance_m)
        report(svc, blue, {**own, "at": clock.now.isoformat()})
        report(svc, red, {**other, "at": clock.now.isoformat()})
        assert monitor.run_cycle().revised == revised
    (alert,) = alerts(svc, blue)
    assert alert["level"] == "preventive"

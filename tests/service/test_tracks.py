"""Recording and reading live tracks (SQLite and PostgreSQL): batches, validation, disclosure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from wellclear.errors import InvalidInput
from wellclear.service import Role, add_party, authenticate
from wellclear.service.errors import Forbidden
from wellclear.service.tracks import list_tracks, record_track_body

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def party(service, name, role=Role.OPERATOR):
    return authenticate(service.database, add_party(service.database, name, role).key)


def state(ident="4CA2D6", **fields):
    return {"id": ident, "lat": 36.2, "lon": 37.1, "alt_ft": 10_000, "trk_deg": 90,
            "gs_kt": 300, "vs_fpm": 0, **fields}  # fmt: skip


def body(*states):
    return json.dumps({"states": list(states)}).encode()


@pytest.fixture
def clocked(service):
    return replace(service, clock=lambda: NOW)


def test_a_batch_becomes_each_tracks_last_state(clocked):
    blue = party(clocked, "blue")
    at = (NOW - timedelta(seconds=5)).isoformat()
    in_metres = {k: v for k, v in state("ABC", alt_m=900.5).items() if k != "alt_ft"}
    recorded = record_track_body(clocked, blue, body(state(at=at), in_metres))
    assert recorded.received == 2
    older = (NOW - timedelta(seconds=9)).isoformat()
    newer = NOW.isoformat()
    record_track_body(clocked, blue, body(state(at=older, lat=10.0)))  # older: kept out
    record_track_body(
        clocked, blue, body({**in_metres, "at": newer, "lat": 36.5, "callsign": "KLM12"})
    )
    tracks = {t.id: t for t in list_tracks(clocked, blue).items}
    assert set(tracks) == {"4CA2D6", "ABC"}
    assert tracks["4CA2D6"].lat == 36.2
    assert tracks["4CA2D6"].alt_m == pytest.approx(3048.0)
    assert tracks["4CA2D6"].gs_mps == pytest.approx(300 * 1852 / 3600)
    assert tracks["ABC"].lat == 36.5
    assert tracks["ABC"].callsign == "KLM12"
    assert tracks["ABC"].alt_m == 900.5
    assert tracks["ABC"].at == "2026-12-01T10:00:00Z"
    assert tracks["ABC"].source == "api"


def test_parties_see_own_tracks_observers_all(clocked):
    blue, red = party(clocked, "blue"), party(clocked, "red")
    watcher = party(clocked, "watch", Role.OBSERVER)
    record_track_body(clocked, blue, body(state("B1"), state("B2")))
    record_track_body(clocked, red, body(state("R1")))
    assert [t.id for t in list_tracks(clocked, blue).items] == ["B1", "B2"]
    assert [t.id for t in list_tracks(clocked, red).items] == ["R1"]
    everything = list_tracks(clocked, watcher)
    assert sorted((t.party, t.id) for t in everything.items) == [
        ("blue", "B1"), ("blue", "B2"), ("red", "R1"),
    ]  # fmt: skip
    assert [t.id for t in list_tracks(clocked, watcher, party="red").items] == ["R1"]
    assert [t.id for t in list_tracks(clocked, red, party="blue").items] == ["R1"]  # own only


def test_pages_follow_the_cursor(clocked):
    blue = party(clocked, "blue")
    record_track_body(clocked, blue, body(*(state(f"T{k:02d}") for k in range(7))))
    seen, cursor = [], None
    while True:
        page = list_tracks(clocked, blue, cursor=cursor, limit=3)
        seen += [t.id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"T{k:02d}" for k in range(7)]


@pytest.mark.parametrize(
    ("states", "paths"),
    [
        ([state(lat=95)], ["states[0].lat"]),
        ([state(gs_kt=-1, trk_deg="east")], ["states[0].trk_deg", "states[0].gs_kt"]),
        ([state(alt_m=100)], ["states[0].alt_m"]),  # alt_ft and alt_m
        ([{k: v for k, v in state().items() if k != "alt_ft"}], ["states[0].alt_ft"]),
        ([state(), state()], ["states[1].id"]),  # duplicate
        ([state(ident="a b")], ["states[0].id"]),
        ([state(at="yesterday")], ["states[0].at"]),
        ([state(at="2026-12-01T10:00:00")], ["states[0].at"]),  # no zone
        ([state(at="2026-12-01T10:01:00Z")], ["states[0].at"]),  # a minute in the future
        ([state(wind=3)], ["states[0].wind"]),
        ([state(), "x"], ["states[1]"]),
    ],
)
def test_bad_states_name_the_field_and_store_nothing(clocked, states, paths):
    blue = party(clocked, "blue")
    with pytest.raises(InvalidInput) as refused:
        record_track_body(clocked, blue, body(*states))
    assert [p.path for p in refused.value.problems] == paths
    assert list_tracks(clocked, blue).items == ()


def test_not_json_or_no_states(clocked):
    blue = party(clocked, "blue")
    for text in (b"{", b"[]", b'{"states": 3}', b'{"aircraft": []}'):
        with pytest.raises(InvalidInput):
            record_track_body(clocked, blue, text)


def test_only_operators_report_tracks(clocked):
    watcher = party(clocked, "watch", Role.OBSERVER)
    with pytest.raises(Forbidden):
        record_track_body(clocked, watcher, body(state()))

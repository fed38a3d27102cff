"""Live tracks: recording a party's states, reading tracks and the alerts involving them.

Disclosure (DESIGN.md §4): a party reads its own tracks in full. Another party's track is
disclosed only as the alert that involves both: its id and its position at the alert —
never as a feed. Observers and admins read everything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wellclear.errors import InvalidInput, Problem
from wellclear.ingest.track_states import TrackState, parse_track_states
from wellclear.service.callers import Caller, Role
from wellclear.service.core import Service
from wellclear.service.cursors import decode_cursor, decode_id, encode_cursor, encode_id
from wellclear.service.errors import Forbidden, UnknownParty
from wellclear.service.reading import _limit
from wellclear.service.views import Page, utc_text
from wellclear.store import parties as party_store
from wellclear.store import tracks as track_store
from wellclear.store.tracks import AlertRow, TrackRow

JsonObject = dict[str, Any]
MAX_FUTURE = timedelta(seconds=10)
"""How far ahead of the server's clock a state's ``at`` may be (clock skew)."""
SOURCES = frozenset({"api", "sbs"})


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a batch did: states stored (a state older than the stored one is not)."""

    received: int

    def as_json(self) -> JsonObject:
        return {"received": self.received}


def record_track_body(service: Service, caller: Caller, body: bytes) -> Recorded:
    """``POST /v1/tracks``: the caller's batch (:mod:`wellclear.ingest.track_states`)."""
    caller.require_operator()
    return record_states(service, caller, parse_track_states(body), source="api")


def record_states(
    service: Service, caller: Caller, states: Sequence[TrackState], *, source: str
) -> Recorded:
    """Store each state as its track's last state (the caller's party owns the tracks)."""
    if caller.role is not Role.OPERATOR:
        raise Forbidden(f"party {caller.name!r} is an {caller.role}; only operators report tracks")
    assert source in SOURCES
    now = service.clock()
    problems = [
        Problem("", f"states[{k}].at", f"is more than {MAX_FUTURE.seconds} s in the future")
        for k, s in enumerate(states)
        if s.at is not None and s.at > now + MAX_FUTURE
    ]
    if problems:
        raise InvalidInput(problems)
    rows = [
        {
            "party_id": caller.party_id,
            "track_id": s.id,
            "callsign": s.callsign,
            "lat": s.lat_deg,
            "lon": s.lon_deg,
            "alt_m": s.alt_m,
            "trk_deg": s.trk_deg,
            "gs_mps": s.gs_mps,
            "vs_mps": s.vs_mps,
            "at": s.at or now,
            "received_at": now,
            "source": source,
        }
        for s in states
    ]
    service.database.write(lambda session: track_store.upsert_tracks(session, rows))
    return Recorded(len(rows))


def feed_caller(service: Service, party: str) -> Caller:
    """The party a live feed reports for: it must exist, be enabled and be an operator."""
    with service.database.reading() as session:
        row = party_store.find_party(session, party)
    if row is None:
        raise UnknownParty(party)
    caller = Caller(row.id, row.name, Role(row.role))
    if row.disabled:
        raise Forbidden(f"party {party!r} is disabled")
    if caller.role is not Role.OPERATOR:
        raise Forbidden(f"party {party!r} is an {caller.role}; only operators report tracks")
    return caller


# --- reading tracks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackView:
    """A track's last state, SI units: metres, metres per second, degrees."""

    party: str
    id: str
    callsign: str
    lat: float
    lon: float
    alt_m: float
    trk_deg: float
    gs_mps: float
    vs_mps: float
    at: str
    received_at: str
    source: str

    def as_json(self) -> JsonObject:
        return {name: getattr(self, name) for name in self.__slots__}


def _track_view(row: TrackRow, party: str) -> TrackView:
    return TrackView(
        party=party, id=row.track_id, callsign=row.callsign, lat=row.lat, lon=row.lon,
        alt_m=row.alt_m, trk_deg=row.trk_deg, gs_mps=row.gs_mps, vs_mps=row.vs_mps,
        at=utc_text(row.at), received_at=utc_text(row.received_at), source=row.source,
    )  # fmt: skip


def list_tracks(
    service: Service,
    caller: Caller,
    *,
    party: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[TrackView]:
    """The caller's tracks (every party's, or ``party``'s, for observers and admins)."""
    limit = _limit(limit)
    after = decode_cursor(cursor, parts=2)
    with service.database.reading() as session:
        party_id: int | None = caller.party_id
        if caller.reads_everything:
            party_id = None
            if party is not None:
                row = party_store.find_party(session, party)
                if row is None:
                    raise UnknownParty(party)
                party_id = row.id
        start = None if after is None else (_int(after[0]), after[1])
        where = track_store.TrackFilter(party_id=party_id, since=since)
        rows = track_store.list_tracks(session, where, start, limit + 1)
        names = party_store.party_names(session, {r.party_id for r in rows})
    page = rows[:limit]
    items = tuple(_track_view(r, names[r.party_id]) for r in page)
    more = len(rows) > limit
    last = page[-1] if page else None
    return Page(
        items, encode_cursor([str(last.party_id), last.track_id]) if more and last else None
    )


def _int(text: str) -> int:
    if not text.isdigit():
        raise InvalidInput([Problem("", "cursor", "is not a cursor this service gave out")])
    return int(text)


# --- alerts --------------------------------------------------------------------------------------


def alert_tracks(row: AlertRow, names: Mapping[int, str], *, callsigns: bool) -> list[JsonObject]:
    """The tracks of an alert with their positions at the alert (a first, then b)."""
    tracks = [
        {"party": names[row.party_a], "id": row.track_a, "lat": row.lat_a, "lon": row.lon_a,
         "alt_m": row.alt_a_m, **({"callsign": row.callsign_a} if callsigns else {})}
    ]  # fmt: skip
    if row.track_b is not None and row.party_b is not None:
        tracks.append(
            {"party": names[row.party_b], "id": row.track_b, "lat": row.lat_b, "lon": row.lon_b,
             "alt_m": row.alt_b_m, **({"callsign": row.callsign_b} if callsigns else {})}
        )  # fmt: skip
    return tracks


def alert_parties(row: AlertRow) -> list[int]:
    """The parties an alert concerns (each once): the tracks' owners, the zone's owner."""
    return list(dict.fromkeys(p for p in (row.party_a, row.party_b) if p is not None))


def alert_view(row: AlertRow, viewer: Caller | None, names: Mapping[int, str]) -> JsonObject:
    """``row`` as ``viewer`` may see it; ``viewer`` ``None`` is the notice payload, which every
    party of the alert receives: ids and positions, no callsigns, no zone intent id."""
    everything = viewer is not None and viewer.reads_everything
    own = viewer.party_id if viewer is not None and not everything else None
    tracks = alert_tracks(row, names, callsigns=everything)
    if own is not None:
        for track, party_id in zip(tracks, (row.party_a, row.party_b), strict=False):
            if party_id == own:
                track["callsign"] = row.callsign_a if track is tracks[0] else row.callsign_b
        if row.kind == "conflict" and row.party_a != own and row.party_b == own:
            tracks.reverse()  # own side first
    intent: JsonObject | None = None
    if row.intent_uid is not None:
        zone_party = row.party_b if row.kind == "incursion" else row.party_a
        shown = everything or (own is not None and own == zone_party)
        intent = {
            "party": names[zone_party] if zone_party is not None else None,
            "kind": row.intent_kind,
            "id": row.intent_id if shown or row.kind == "nonconforming" else None,
        }
    return {
        "id": row.id,
        "kind": row.kind,
        "level": row.level,
        "status": "open" if row.closed_at is None else "closed",
        "parties": [names[p] for p in alert_parties(row)],
        "tracks": tracks,
        "intent": intent,
        "tcpa_s": row.tcpa_s,
        "dcpa_m": row.dcpa_m,
        "tlos_s": row.tlos_s,
        "los": row.los,
        "detail": json.loads(row.detail_json),
        "opened_at": utc_text(row.opened_at),
        "updated_at": utc_text(row.updated_at),
        "closed_at": None if row.closed_at is None else utc_text(row.closed_at),
    }


def list_alerts(
    service: Service,
    caller: Caller,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[JsonObject]:
    """Alerts involving the caller's tracks or zones (all alerts, for observers), oldest
    first; ``status`` ``open`` or ``closed`` narrows them."""
    limit = _limit(limit)
    after = decode_id(cursor)
    if status not in (None, "open", "closed"):
        raise InvalidInput([Problem("", "status", "must be open or closed")])
    with service.database.reading() as session:
        where = track_store.AlertFilter(
            party_id=None if caller.reads_everything else caller.party_id,
            open=None if status is None else status == "open",
        )
        rows = track_store.list_alerts(session, where, after, limit + 1)
        page = rows[:limit]
        names = party_store.party_names(session, {p for r in page for p in alert_parties(r)})
    items = tuple(alert_view(r, caller, names) for r in page)
    more = len(rows) > limit
    return Page(items, encode_id(page[-1].id) if more and page else None)

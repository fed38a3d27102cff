"""The tactical monitor: one cycle over the live tracks turns encounters into alerts and notices.

A cycle (:meth:`Monitor.run_cycle`, "now" from ``service.clock``):

1. loads the tracks whose last state is at most ``stale_s`` old, extrapolated along their
   velocity to now, and the live intents it checks them against (tied to a track, or a
   ``site``/``restriction`` current now);
2. runs the tactical engine (``tactical.detect``) over every party's tracks together,
   conformance of each track against its own party's intents that list it, and incursions
   into other parties' sites and restrictions (``tactical.conformance``). Two tracks of
   different parties with the same id (case-insensitive) are one aircraft seen by two
   feeds, not a conflict;
3. in one transaction, turns the encounters into alerts (:mod:`wellclear.service.alerts`),
   deduplicated per encounter (the same pair of tracks, or track and intent): a new
   encounter opens an alert and emits one notice per party involved; a higher level
   (preventive < corrective < warning) revises them at once, and asks for a new
   acknowledgement; a lower level revises them once it has held for ``ease_after_s`` (10 s:
   an encounter hovering at a boundary does not flap), and keeps the acknowledgement; an
   encounter no longer found closes its alert and its notices. Incursions are ``warning``
   and nonconforming tracks ``corrective``
   (:data:`ZONE_LEVELS`).

The leader's loop also applies retention (:func:`apply_retention`) every
``retention_every_s``: tracks and ended intents older than their retention are deleted.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from wellclear.model import Intent, Kind, State
from wellclear.service.alerts import Easing, Encounter, Found, write_alerts
from wellclear.service.core import Service
from wellclear.store import tracks as track_store
from wellclear.store.tracks import LiveTrack
from wellclear.store.volumes import extents_from_json, time_us
from wellclear.tactical import AlertThresholds, Conflicts, detect, state_vectors
from wellclear.tactical.conformance import (
    ZONE_KINDS,
    Monitored,
    Positions,
    Tolerance,
    incursions,
    nonconforming,
)
from wellclear.tactical.states import EARTH_RADIUS_M

LIVE_STATES = frozenset(str(s) for s in State if s is not State.ENDED)
ZONE_LEVELS = {"nonconforming": "corrective", "incursion": "warning"}
"""Levels of zone alerts (their notices' urgency): inside another party's site or restriction
is a warning at once; off one's own intent asks for a correction."""


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """How the monitor runs; :meth:`from_env` reads ``WELLCLEAR_*`` variables."""

    interval_s: float = 1.0  # WELLCLEAR_MONITOR_INTERVAL_S
    stale_s: float = 30.0  # WELLCLEAR_TRACK_STALE_S: older tracks are left out of a cycle
    track_retention_s: float = 3_600.0  # WELLCLEAR_TRACK_RETENTION_S
    intent_retention_s: float = 7 * 86_400.0  # WELLCLEAR_INTENT_RETENTION_S (ended intents)
    retention_every_s: float = 60.0
    ease_after_s: float = 10.0  # WELLCLEAR_ALERT_EASE_AFTER_S: how long a lower level holds
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    tolerance: Tolerance = field(default_factory=Tolerance)

    @classmethod
    def from_env(cls) -> MonitorSettings:
        names = {
            "interval_s": "WELLCLEAR_MONITOR_INTERVAL_S",
            "stale_s": "WELLCLEAR_TRACK_STALE_S",
            "track_retention_s": "WELLCLEAR_TRACK_RETENTION_S",
            "intent_retention_s": "WELLCLEAR_INTENT_RETENTION_S",
            "ease_after_s": "WELLCLEAR_ALERT_EASE_AFTER_S",
        }
        values: dict[str, Any] = {}
        for attribute, variable in names.items():
            text = os.environ.get(variable)
            if text:
                value = float(text)
                if not math.isfinite(value) or value <= 0:
                    raise ValueError(f"{variable} must be a positive number of seconds")
                values[attribute] = value
        return replace(cls(), **values)


@dataclass(slots=True)
class CycleReport:
    """What a cycle saw and did, with its timings (seconds)."""

    tracks: int = 0
    intents: int = 0
    conflicts: int = 0
    nonconforming: int = 0
    incursions: int = 0
    opened: int = 0
    revised: int = 0
    closed: int = 0
    load_s: float = 0.0
    detect_s: float = 0.0
    write_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Retention:
    tracks: int
    intents: int


@dataclass
class Monitor:
    """Runs cycles; keeps parsed intents between cycles (by uid and version)."""

    service: Service
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    _intents: dict[str, tuple[str, Intent]] = field(default_factory=dict)
    _retained_at: datetime | None = None
    _open_alerts: bool = True  # until a cycle has written: alerts may be open from before
    _easing: Easing = field(init=False)

    def __post_init__(self) -> None:
        self._easing = Easing(timedelta(seconds=self.settings.ease_after_s))

    def run_cycle(self) -> CycleReport:
        """One cycle at ``service.clock()``; retention too when it is due."""
        now = self.service.clock()
        report = CycleReport()
        started = time.perf_counter()
        tracks, intents = self._load(now)
        report.tracks, report.intents = len(tracks), len(intents)
        loaded = time.perf_counter()
        found = encounters(tracks, intents, now, self.settings)
        for each in found.values():
            if each.kind == "conflict":
                report.conflicts += 1
            elif each.kind == "nonconforming":
                report.nonconforming += 1
            else:
                report.incursions += 1
        detected = time.perf_counter()
        easing = self._easing
        if found or self._open_alerts:  # else nothing to write: no writing transaction
            opened, revised, closed = self.service.database.write(
                lambda session: write_alerts(session, found, now, easing)
            )
            report.opened, report.revised, report.closed = opened, revised, closed
            self._open_alerts = bool(found)
        report.load_s, report.detect_s = loaded - started, detected - loaded
        report.write_s = time.perf_counter() - detected
        every = timedelta(seconds=self.settings.retention_every_s)
        if self._retained_at is None or now - self._retained_at >= every:
            apply_retention(self.service, self.settings, now)
            self._retained_at = now
        return report

    def _load(self, now: datetime) -> tuple[list[LiveTrack], list[Intent]]:
        since = now - timedelta(seconds=self.settings.stale_s)
        zone_kinds = [str(k) for k in ZONE_KINDS]
        with self.service.database.reading() as session:
            tracks = track_store.live_tracks(session, since)
            rows = track_store.monitored_intents(session, zone_kinds, time_us(now), LIVE_STATES)
            tied = track_store.tied_names(session, [r.uid for r in rows])
        intents = []
        for row in rows:
            cached = self._intents.get(row.uid)
            if cached is None or cached[0] != row.version:
                intent = Intent(
                    id=row.uid,
                    party=str(row.party_id),
                    kind=Kind(row.kind),
                    extents=extents_from_json(row.extents_json),
                    state=State(row.state),
                    tracks=tuple(f"{row.party_id}:{n}" for n in tied.get(row.uid, ())),
                )
                cached = self._intents[row.uid] = (row.version, intent)
            intents.append(cached[1])
        live = {r.uid for r in rows}
        for uid in self._intents.keys() - live:
            del self._intents[uid]
        return tracks, intents


def run_cycle(service: Service, settings: MonitorSettings | None = None) -> CycleReport:
    """One cycle with a fresh :class:`Monitor` (tests, tools); the server keeps one."""
    return Monitor(service, settings or MonitorSettings()).run_cycle()


def extrapolated(tracks: Sequence[LiveTrack], now: datetime) -> dict[str, np.ndarray]:
    """Positions of ``tracks`` moved along their velocity from their ``at`` to ``now``."""
    if not tracks:
        empty = np.zeros(0)
        return dict.fromkeys(("lat", "lon", "alt", "trk", "gs", "vs"), empty)
    columns = np.array([t[3:9] for t in tracks], dtype=np.float64)
    lat, lon, alt, trk, gs, vs = columns.T
    now_s = now.timestamp()
    dt = np.maximum(now_s - np.array([t[9].timestamp() for t in tracks]), 0.0)
    north = gs * np.cos(np.radians(trk)) * dt
    east = gs * np.sin(np.radians(trk)) * dt
    new_lat = np.clip(lat + np.degrees(north / EARTH_RADIUS_M), -90.0, 90.0)
    cos_lat = np.maximum(np.cos(np.radians(new_lat)), 1e-6)
    new_lon = (lon + np.degrees(east / (EARTH_RADIUS_M * cos_lat)) + 180.0) % 360.0 - 180.0
    return {"lat": new_lat, "lon": new_lon, "alt": alt + vs * dt, "trk": trk, "gs": gs, "vs": vs}


def encounters(
    tracks: Sequence[LiveTrack],
    intents: Sequence[Intent],
    now: datetime,
    settings: MonitorSettings,
) -> dict[str, Found]:
    """Every current encounter by key: track conflicts, nonconforming tracks, incursions."""
    at = extrapolated(tracks, now)
    found: dict[str, Found] = {}
    sv = state_vectors(
        lat_deg=at["lat"], lon_deg=at["lon"], alt_m=at["alt"], trk_deg=at["trk"],
        gs_mps=at["gs"], vs_mps=at["vs"],
    )  # fmt: skip
    conflicts = detect(sv, settings.thresholds)
    levels = [level.value for level in conflicts.levels()]
    for k, (i, j) in enumerate(zip(conflicts.i.tolist(), conflicts.j.tolist(), strict=True)):
        a, b = (i, j) if tracks[i][:2] < tracks[j][:2] else (j, i)
        if tracks[a][1].upper() == tracks[b][1].upper():
            continue  # one aircraft reported by two parties
        key = f"conflict:{tracks[a][0]}:{tracks[a][1]}|{tracks[b][0]}:{tracks[b][1]}"
        make = partial(_conflict, tracks, at, conflicts, k, a, b, key, levels[k])
        found[key] = Found("conflict", levels[k], make)
    if intents and tracks:
        _zone_encounters(tracks, intents, at, now, settings, found)
    return found


def _position(at: dict[str, np.ndarray], k: int) -> tuple[float, float, float]:
    return (round(float(at["lat"][k]), 7), round(float(at["lon"][k]), 7),
            round(float(at["alt"][k]), 1))  # fmt: skip


def _conflict(
    tracks: Sequence[LiveTrack],
    at: dict[str, np.ndarray],
    conflicts: Conflicts,
    k: int,
    a: int,
    b: int,
    key: str,
    level: str,
) -> Encounter:
    return Encounter(
        kind="conflict", key=key, level=level,
        party_a=tracks[a][0], track_a=tracks[a][1], callsign_a=tracks[a][2],
        position_a=_position(at, a),
        party_b=tracks[b][0], track_b=tracks[b][1], callsign_b=tracks[b][2],
        position_b=_position(at, b),
        tcpa_s=round(float(conflicts.tcpa_s[k]), 1), dcpa_m=round(float(conflicts.dcpa_m[k])),
        tlos_s=round(float(conflicts.tlos_s[k]), 1), los=bool(conflicts.los[k]),
    )  # fmt: skip


def _zone_encounters(
    tracks: Sequence[LiveTrack],
    intents: Sequence[Intent],
    at: dict[str, np.ndarray],
    now: datetime,
    settings: MonitorSettings,
    found: dict[str, Found],
) -> None:
    # Party-qualified names: a track is tied only to its own party's intents.
    where = Positions(
        ids=tuple(f"{t[0]}:{t[1]}" for t in tracks),
        callsigns=tuple(f"{t[0]}:{t[2]}" if t[2] else "" for t in tracks),
        lat_deg=at["lat"], lon_deg=at["lon"], alt_m=at["alt"],
    )  # fmt: skip
    monitored = Monitored.of(intents)
    now_s = now.timestamp()
    off = nonconforming(monitored, where, now_s, settings.tolerance)
    for k, reason in enumerate(off.reasons()):
        t, intent = int(off.track[k]), monitored.intents[int(off.intent[k])]
        key = f"nonconforming:{tracks[t][0]}:{tracks[t][1]}:{intent.id}"
        encounter = Encounter(
            kind="nonconforming", key=key, level=ZONE_LEVELS["nonconforming"],
            party_a=tracks[t][0], track_a=tracks[t][1], callsign_a=tracks[t][2],
            position_a=_position(at, t), intent_uid=intent.id, intent_kind=str(intent.kind),
            detail={"reason": reason.value, "extent": int(off.extent[k]),
                    "outside_m": round(float(off.horizontal_m[k]), 1),
                    "outside_vertical_m": round(float(off.vertical_m[k]), 1),
                    "outside_s": round(float(off.time_s[k]), 1)},
        )  # fmt: skip
        found[key] = Found(encounter.kind, encounter.level, partial(_same, encounter))
    inside = incursions(monitored, where, now_s)
    for k in range(inside.track.shape[0]):
        t, intent = int(inside.track[k]), monitored.intents[int(inside.intent[k])]
        zone_party = int(intent.party)
        if zone_party == tracks[t][0]:
            continue  # a party's own track in its own zone
        key = f"incursion:{tracks[t][0]}:{tracks[t][1]}:{intent.id}"
        if key in found:
            continue  # one alert per track and zone: the first extent holding it
        encounter = Encounter(
            kind="incursion", key=key, level=ZONE_LEVELS["incursion"],
            party_a=tracks[t][0], track_a=tracks[t][1], callsign_a=tracks[t][2],
            position_a=_position(at, t), party_b=zone_party, intent_uid=intent.id,
            intent_kind=str(intent.kind),
            detail={"extent": int(inside.extent[k]), "depth_m": round(float(inside.depth_m[k]), 1)},
        )  # fmt: skip
        found[key] = Found(encounter.kind, encounter.level, partial(_same, encounter))


def _same(encounter: Encounter) -> Encounter:
    return encounter


def apply_retention(service: Service, settings: MonitorSettings, now: datetime) -> Retention:
    """Delete tracks older than the track retention and intents ended longer ago than the
    intent retention (with their cells, tied tracks and conflicts). The audit log is kept."""
    track_before = now - timedelta(seconds=settings.track_retention_s)
    intent_before = now - timedelta(seconds=settings.intent_retention_s)

    def work(session: Session) -> Retention:
        tracks = track_store.delete_tracks_before(session, track_before)
        ended = track_store.ended_intents_before(session, str(State.ENDED), intent_before)
        return Retention(tracks, track_store.delete_intents(session, ended))

    return service.database.write(work)

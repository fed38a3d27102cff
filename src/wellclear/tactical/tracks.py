"""Live tracks: positions and velocities merged per aircraft into state vectors.

Feeds report position and velocity in separate messages (SBS-1 MSG,3 and MSG,4) or
together (OpenSky rows). A track becomes a state vector once it has both; positions are
extrapolated along the last velocity to the snapshot time. Tracks not heard of for
``stale_s`` are dropped. Pure Python and numpy: the feeds do the I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wellclear.tactical.states import EARTH_RADIUS_M, StateVectors, state_vectors

STALE_DEFAULT_S = 60.0


@dataclass(slots=True)
class Track:
    """What is known of one aircraft; SI units, times in POSIX seconds."""

    id: str
    callsign: str = ""
    lat_deg: float = math.nan
    lon_deg: float = math.nan
    alt_m: float = math.nan
    position_s: float = -math.inf
    gs_mps: float = math.nan
    trk_deg: float = math.nan
    vs_mps: float = 0.0
    velocity_s: float = -math.inf
    on_ground: bool = False
    seen_s: float = -math.inf

    @property
    def complete(self) -> bool:
        return self.position_s > -math.inf and self.velocity_s > -math.inf


class TrackTable:
    """Tracks by id, updated message by message.

    >>> table = TrackTable(stale_s=60.0)
    >>> table.position("4CA2D6", 100.0, lat_deg=52.0, lon_deg=5.0, alt_m=9000.0)
    >>> len(table.snapshot(100.0)[0])
    0
    >>> table.velocity("4CA2D6", 101.0, gs_mps=200.0, trk_deg=0.0, vs_mps=0.0)
    >>> ids, sv = table.snapshot(110.0)
    >>> ids, round(float(sv.lat_deg[0]), 4)
    (('4CA2D6',), 52.018)
    >>> table.drop_stale(200.0), len(table)
    (1, 0)
    """

    def __init__(self, stale_s: float = STALE_DEFAULT_S) -> None:
        self.stale_s = stale_s
        self.tracks: dict[str, Track] = {}

    def __len__(self) -> int:
        return len(self.tracks)

    def _track(self, track_id: str, time_s: float) -> Track:
        track = self.tracks.get(track_id)
        if track is None:
            track = self.tracks[track_id] = Track(track_id)
        if time_s > track.seen_s:  # noqa: PLR1730  (no max() call: runs for every message)
            track.seen_s = time_s
        return track

    def position(
        self, track_id: str, time_s: float, *, lat_deg: float, lon_deg: float, alt_m: float | None
    ) -> None:
        track = self._track(track_id, time_s)
        if time_s >= track.position_s:
            track.lat_deg, track.lon_deg, track.position_s = lat_deg, lon_deg, time_s
            if alt_m is not None:
                track.alt_m = alt_m

    def altitude(self, track_id: str, time_s: float, alt_m: float) -> None:
        self._track(track_id, time_s).alt_m = alt_m

    def velocity(
        self, track_id: str, time_s: float, *, gs_mps: float, trk_deg: float, vs_mps: float | None
    ) -> None:
        track = self._track(track_id, time_s)
        if time_s >= track.velocity_s:
            track.gs_mps, track.trk_deg, track.velocity_s = gs_mps, trk_deg, time_s
            if vs_mps is not None:
                track.vs_mps = vs_mps

    def identity(self, track_id: str, time_s: float, callsign: str) -> None:
        self._track(track_id, time_s).callsign = callsign

    def ground(self, track_id: str, time_s: float, on_ground: bool) -> None:
        self._track(track_id, time_s).on_ground = on_ground

    def drop_stale(self, now_s: float) -> int:
        """Forget tracks not heard of for ``stale_s``; how many were dropped."""
        stale = [k for k, t in self.tracks.items() if now_s - t.seen_s > self.stale_s]
        for key in stale:
            del self.tracks[key]
        return len(stale)

    def snapshot(self, now_s: float) -> tuple[tuple[str, ...], StateVectors]:
        """Airborne tracks with a fresh position and velocity, extrapolated to ``now_s``."""
        live = [
            t
            for t in self.tracks.values()
            if t.complete
            and not t.on_ground
            and now_s - t.position_s <= self.stale_s
            and math.isfinite(t.alt_m)
        ]
        columns = np.array(
            [
                (t.lat_deg, t.lon_deg, t.alt_m, t.trk_deg, t.gs_mps, t.vs_mps, t.position_s)
                for t in live
            ],
            dtype=np.float64,
        ).reshape(-1, 7)
        lat, lon, alt, trk, gs, vs, seen = columns.T
        dt = np.maximum(now_s - seen, 0.0)
        north = gs * np.cos(np.radians(trk)) * dt
        east = gs * np.sin(np.radians(trk)) * dt
        new_lat = np.clip(lat + np.degrees(north / EARTH_RADIUS_M), -90.0, 90.0)
        cos_lat = np.maximum(np.cos(np.radians(new_lat)), 1e-6)
        new_lon = (lon + np.degrees(east / (EARTH_RADIUS_M * cos_lat)) + 180.0) % 360.0 - 180.0
        sv = state_vectors(
            lat_deg=new_lat, lon_deg=new_lon, alt_m=alt + vs * dt, trk_deg=trk, gs_mps=gs, vs_mps=vs
        )
        return tuple(t.id for t in live), sv

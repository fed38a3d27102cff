"""Flights along routes: kinematics from a performance model, and the intents they file.

A :class:`FlightPlan` is a route of waypoints, each with the altitude to reach on the leg
ending there. :func:`fly` integrates it once, second by second: the aircraft climbs at the
type's climb rate and climb speed, descends at its descent rate and speed, and otherwise
holds the cruise speed for its altitude (:mod:`wellclear.demo.performance`); positions
follow the geodesic of each leg (WGS84). :meth:`Trajectory.state_at` interpolates it.

:func:`planned_extents` turns a flight's trajectory into what it files: one extent per leg
(a corridor around the leg, the leg's altitude band and its time window, each padded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from pyproj import Geod

from wellclear.demo.performance import Performance
from wellclear.geo.shapes import corridor
from wellclear.model import LatLng, Volume4D

WGS84 = Geod(ellps="WGS84")
STEP_S = 1.0
LEVEL_EPSILON_M = 0.01


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point of a route and the altitude (m, WGS84) to reach on the leg ending there."""

    at: LatLng
    alt_m: float


@dataclass(frozen=True, slots=True)
class FlightPlan:
    """An aircraft flying ``route`` from its first waypoint, ``depart_s`` after the start."""

    callsign: str
    icao24: str
    performance: Performance
    route: tuple[Waypoint, ...]
    depart_s: float = 0.0

    def __post_init__(self) -> None:
        if len(self.route) < 2:
            raise ValueError(f"{self.callsign}: a route needs at least 2 waypoints")


@dataclass(frozen=True, slots=True)
class State:
    """One reported state: SI units, ``trk_deg`` true."""

    lat: float
    lon: float
    alt_m: float
    trk_deg: float
    gs_mps: float
    vs_mps: float


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A flown plan sampled every :data:`STEP_S` seconds from its departure.

    ``leg`` is the leg flown at each sample; ``t_s`` counts from the scenario's start.
    """

    plan: FlightPlan
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_m: np.ndarray
    trk_deg: np.ndarray
    gs_mps: np.ndarray
    vs_mps: np.ndarray
    leg: np.ndarray

    @property
    def end_s(self) -> float:
        return float(self.t_s[-1])

    def state_at(self, t_s: float) -> State | None:
        """The state at ``t_s`` (seconds from the start), or ``None`` before the departure
        or after the last waypoint (the aircraft has not yet entered or has left)."""
        first, last = float(self.t_s[0]), float(self.t_s[-1])
        if not first <= t_s <= last:
            return None
        k = min(int((t_s - first) / STEP_S), len(self.t_s) - 2)
        f = (t_s - float(self.t_s[k])) / STEP_S
        return State(
            lat=_lerp(self.lat, k, f),
            lon=_lerp(self.lon, k, f),
            alt_m=_lerp(self.alt_m, k, f),
            trk_deg=float(self.trk_deg[k + 1] if f > 0.5 else self.trk_deg[k]),
            gs_mps=float(self.gs_mps[k + 1] if f > 0.5 else self.gs_mps[k]),
            vs_mps=float(self.vs_mps[k + 1] if f > 0.5 else self.vs_mps[k]),
        )


def _lerp(values: np.ndarray, k: int, f: float) -> float:
    return float(values[k] + (values[k + 1] - values[k]) * f)


def fly(plan: FlightPlan) -> Trajectory:
    """Integrate ``plan`` with the type's performance, one :data:`STEP_S` step at a time.

    >>> from wellclear.demo.performance import openap_performance
    >>> start, end = LatLng(36.0, 37.0), LatLng(36.5, 37.0)
    >>> plan = FlightPlan("T1", "ABC123", openap_performance("A320"),
    ...                   (Waypoint(start, 3_000.0), Waypoint(end, 3_600.0)))
    >>> path = fly(plan)
    >>> float(path.vs_mps[0]), float(path.alt_m[-1])  # climbs at 8.43 m/s to 3,600 m
    (8.43, 3600.0)
    """
    starts = [w.at for w in plan.route[:-1]]
    ends = [w.at for w in plan.route[1:]]
    azimuths, _, lengths = WGS84.inv(
        [p.lng for p in starts], [p.lat for p in starts], [p.lng for p in ends],
        [p.lat for p in ends],
    )  # fmt: skip
    perf = plan.performance
    leg, along_m, alt_m = 0, 0.0, plan.route[0].alt_m
    legs, alongs, alts, speeds, rates = [], [], [], [], []
    while True:
        target_m = plan.route[leg + 1].alt_m
        if alt_m < target_m - LEVEL_EPSILON_M:
            vs, gs = perf.climb_vs_mps, perf.climb_tas_mps(alt_m)
        elif alt_m > target_m + LEVEL_EPSILON_M:
            vs, gs = perf.descent_vs_mps, perf.descent_tas_mps(alt_m)
        else:
            vs, gs = 0.0, perf.cruise_tas_mps(alt_m)
        legs.append(leg)
        alongs.append(along_m)
        alts.append(alt_m)
        speeds.append(gs)
        rates.append(vs)
        if leg == len(lengths) - 1 and along_m >= lengths[leg]:
            break
        alt_m = _towards(alt_m, target_m, vs * STEP_S)
        along_m += gs * STEP_S
        while along_m > lengths[leg] and leg < len(lengths) - 1:
            along_m -= lengths[leg]
            leg += 1
        along_m = min(along_m, lengths[leg]) if leg == len(lengths) - 1 else along_m
    leg_of = np.array(legs)
    distance = np.array(alongs)
    lat = np.empty(len(legs))
    lon = np.empty(len(legs))
    trk = np.empty(len(legs))
    for k in range(len(lengths)):
        rows = leg_of == k
        if not rows.any():
            continue
        count = int(rows.sum())
        lons, lats, back = WGS84.fwd(
            np.full(count, starts[k].lng), np.full(count, starts[k].lat),
            np.full(count, azimuths[k]), distance[rows],
        )  # fmt: skip
        lat[rows], lon[rows] = lats, lons
        trk[rows] = (np.asarray(back) + 180.0) % 360.0
    return Trajectory(
        plan=plan,
        t_s=plan.depart_s + np.arange(len(legs)) * STEP_S,
        lat=lat,
        lon=lon,
        alt_m=np.array(alts),
        trk_deg=trk,
        gs_mps=np.array(speeds),
        vs_mps=np.array(rates),
        leg=leg_of,
    )


def _towards(value: float, target: float, step: float) -> float:
    moved = value + step
    return min(moved, target) if step > 0 else max(moved, target) if step < 0 else value


@dataclass(frozen=True, slots=True)
class Margins:
    """How a filed flight pads its trajectory: corridor width, altitude and time."""

    width_m: float = 4_000.0
    vertical_m: float = 150.0
    time_s: float = 300.0


def planned_extents(
    path: Trajectory, start: datetime, margins: Margins | None = None
) -> tuple[Volume4D, ...]:
    """One extent per leg of ``path``: a corridor ``width_m`` wide around the leg, the
    altitudes flown on it widened by ``vertical_m``, the times widened by ``time_s``;
    ``start`` is the scenario's start (``t_s`` 0)."""
    margins = margins or Margins()
    route = path.plan.route
    extents = []
    for k in range(len(route) - 1):
        rows = np.flatnonzero(path.leg == k)
        if rows.size == 0:
            continue
        enter_s = float(path.t_s[rows[0]]) - margins.time_s
        leave_s = float(path.t_s[rows[-1]]) + STEP_S + margins.time_s
        extents.append(
            Volume4D(
                outline=corridor([route[k].at, route[k + 1].at], margins.width_m),
                floor_m=math.floor(float(path.alt_m[rows].min()) - margins.vertical_m),
                ceiling_m=math.ceil(float(path.alt_m[rows].max()) + margins.vertical_m),
                start=start + timedelta(seconds=math.floor(enter_s)),
                end=start + timedelta(seconds=math.ceil(leave_s)),
            )
        )
    return tuple(extents)

"""Closest point of approach between pairs of aircraft: the exact phase.

State-based detection on straight-line extrapolation, cylinder model, exactly as BlueSky's
``statebased.py``: relative position on a flat earth local to the pair (north = R·Δφ,
east = R·cos(φ̄)·Δλ with Δλ wrapped to ±180°), relative speed squared floored at
1e-6 m²/s², relative vertical speed floored at 1e-6 m/s (sign lost, like BlueSky).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from wellclear.tactical.states import (
    EARTH_RADIUS_M,
    ArrayLike,
    BoolArray,
    FloatArray,
    IntArray,
    StateVectors,
)

DV2_FLOOR_M2PS2 = 1e-6
DVS_FLOOR_MPS = 1e-6
_NEVER_S = 1e8  # BlueSky's "no horizontal conflict" interval bounds


class Approach(NamedTuple):
    """How each pair ``(i[k], j[k])`` approaches; every field is an array over pairs.

    ``t_in_s``/``t_out_s`` bound the predicted loss of separation (unclamped; ±1e8 s when
    the horizontal miss is not below the separation). ``conflict`` is BlueSky's
    ``swconfl``; ``los`` is a current loss of separation.
    """

    i: IntArray
    j: IntArray
    tcpa_s: FloatArray
    dcpa_m: FloatArray
    t_in_s: FloatArray
    t_out_s: FloatArray
    distance_m: FloatArray
    dalt_m: FloatArray
    conflict: BoolArray
    los: BoolArray

    @property
    def tlos_s(self) -> FloatArray:
        """Time to loss of separation, clamped at 0 for pairs already in it."""
        return np.maximum(self.t_in_s, 0.0)


class Kinematics(NamedTuple):
    """Per-aircraft quantities of the pair formulas, computed once per scene."""

    lat_deg: FloatArray
    lon_deg: FloatArray
    cos_half_lat: FloatArray  # cos(φ/2): cos φ̄ = cos(φi/2)cos(φj/2) - sin(φi/2)sin(φj/2)
    sin_half_lat: FloatArray
    east_mps: FloatArray
    north_mps: FloatArray

    @classmethod
    def of(cls, sv: StateVectors) -> Kinematics:
        half_lat = np.radians(sv.lat_deg) * 0.5
        return cls(
            sv.lat_deg,
            sv.lon_deg,
            np.cos(half_lat),
            np.sin(half_lat),
            sv.east_mps,
            sv.north_mps,
        )


def relative_position(
    k: Kinematics | StateVectors, i: IntArray, j: IntArray
) -> tuple[FloatArray, FloatArray]:
    """East and north position of ``j`` relative to ``i`` (m) on the pair's flat earth.

    >>> from wellclear.tactical.states import state_vectors
    >>> sv = state_vectors(lat_deg=[0.0, 0.0], lon_deg=[179.9, -179.9], alt_m=0.0,
    ...                    trk_deg=0.0, gs_mps=0.0)
    >>> east, north = relative_position(sv, np.array([0]), np.array([1]))
    >>> round(float(east[0]), 1), float(north[0])
    (22239.0, 0.0)
    """
    if isinstance(k, StateVectors):
        k = Kinematics.of(k)
    dlat_rad = np.radians(k.lat_deg[j] - k.lat_deg[i])
    dlon_deg = k.lon_deg[j] - k.lon_deg[i]
    across = np.flatnonzero(np.abs(dlon_deg) > 180.0)  # wrap only these: same bits per pair
    dlon_deg[across] = (dlon_deg[across] + 180.0) % 360.0 - 180.0
    cos_mean = k.cos_half_lat[i] * k.cos_half_lat[j] - k.sin_half_lat[i] * k.sin_half_lat[j]
    return EARTH_RADIUS_M * np.radians(dlon_deg) * cos_mean, EARTH_RADIUS_M * dlat_rad


def _pair_max(values: FloatArray, i: IntArray, j: IntArray) -> FloatArray | float:
    """The larger of the two aircraft's values; a scalar when all aircraft agree."""
    if values.size and values.min() == values.max():
        return float(values[0])
    return np.maximum(values[i], values[j])


class _Horizontal(NamedTuple):
    tcpa_s: FloatArray
    dcpa2_m2: FloatArray
    dist2_m2: FloatArray
    threat: BoolArray  # dcpa < separation
    t_in_s: FloatArray
    t_out_s: FloatArray


class Relative(NamedTuple):
    """Motion of ``j`` relative to ``i`` in the pair's flat frame (arrays over pairs)."""

    east_m: FloatArray
    north_m: FloatArray
    east_mps: FloatArray
    north_mps: FloatArray
    up_m: FloatArray
    up_mps: FloatArray


def relative_motion(sv: StateVectors, k: Kinematics, i: IntArray, j: IntArray) -> Relative:
    """Position and velocity of each pair's ``j`` relative to its ``i``."""
    dx, dy = relative_position(k, i, j)
    return Relative(
        dx,
        dy,
        k.east_mps[j] - k.east_mps[i],
        k.north_mps[j] - k.north_mps[i],
        sv.alt_m[j] - sv.alt_m[i],
        sv.vs_mps[j] - sv.vs_mps[i],
    )


def _horizontal(
    dx: FloatArray, dy: FloatArray, du: FloatArray, dv: FloatArray, rpz: FloatArray | float
) -> _Horizontal:
    """tcpa, dcpa², distance², and the interval of the horizontal loss of separation."""
    dv2 = du * du + dv * dv
    dv2 = np.where(np.abs(dv2) < DV2_FLOOR_M2PS2, DV2_FLOOR_M2PS2, dv2)
    dist2 = dx * dx + dy * dy
    tcpa = -(du * dx + dv * dy) / dv2
    dcpa2 = np.abs(dist2 - tcpa * tcpa * dv2)
    r2 = rpz * rpz
    horizontal = dcpa2 < r2
    dt_hor = np.sqrt(np.maximum(0.0, r2 - dcpa2)) / np.sqrt(dv2)
    t_in = np.where(horizontal, tcpa - dt_hor, _NEVER_S)
    t_out = np.where(horizontal, tcpa + dt_hor, -_NEVER_S)
    return _Horizontal(tcpa, dcpa2, dist2, horizontal, t_in, t_out)


def horizontal_threats(sv: StateVectors, k: Kinematics, i: IntArray, j: IntArray) -> BoolArray:
    """Pairs that may conflict: horizontal interval meets [0, look-ahead) (implied by conflict)."""
    dx, dy = relative_position(k, i, j)
    du = k.east_mps[j] - k.east_mps[i]
    dv = k.north_mps[j] - k.north_mps[i]
    h = _horizontal(dx, dy, du, dv, _pair_max(sv.rpz_m, i, j))
    return h.threat & (h.t_out_s > 0.0) & (h.t_in_s < _pair_max(sv.lookahead_s, i, j))


def closest_approach(
    sv: StateVectors, i: ArrayLike, j: ArrayLike, kinematics: Kinematics | None = None
) -> Approach:
    """Closest point of approach and conflict interval of each pair (vectorised).

    Crossing at right angles, both 10 km from the crossing point at 200 m/s:

    >>> from wellclear.tactical.states import state_vectors
    >>> d = 10_000.0 / 6_371_000.0 * 180.0 / np.pi
    >>> sv = state_vectors(lat_deg=[-d, 0.0], lon_deg=[0.0, -d], alt_m=3000.0,
    ...                    trk_deg=[0.0, 90.0], gs_mps=200.0)
    >>> a = closest_approach(sv, [0], [1])
    >>> round(float(a.tcpa_s[0]), 3), round(float(a.dcpa_m[0]), 1), bool(a.conflict[0])
    (50.0, 0.0, True)
    >>> round(float(a.tlos_s[0]), 2)
    17.26

    Parallel tracks at the same speed (zero relative speed) 8 km apart never close nor
    open: they are in conflict for all time, with tLOS clamped to 0.

    >>> sv = state_vectors(lat_deg=[0.0, 0.0], lon_deg=[0.0, 0.072], alt_m=3000.0,
    ...                    trk_deg=0.0, gs_mps=150.0)
    >>> a = closest_approach(sv, [0], [1])
    >>> float(a.tcpa_s[0]) == 0, round(float(a.dcpa_m[0])), bool(a.conflict[0]), bool(a.los[0])
    (True, 8006, True, True)

    The same pair 1,000 ft apart vertically is separated (|Δh| < H is strict):

    >>> sv = sv._replace(alt_m=np.array([3000.0, 3304.8]))
    >>> bool(closest_approach(sv, [0], [1]).conflict[0])
    False
    """
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    k = Kinematics.of(sv) if kinematics is None else kinematics
    return approach_of(
        i,
        j,
        relative_motion(sv, k, i, j),
        rpz_m=_pair_max(sv.rpz_m, i, j),
        hpz_m=_pair_max(sv.hpz_m, i, j),
        lookahead_s=_pair_max(sv.lookahead_s, i, j),
    )


def approach_of(
    i: IntArray,
    j: IntArray,
    rel: Relative,
    *,
    rpz_m: FloatArray | float,
    hpz_m: FloatArray | float,
    lookahead_s: FloatArray | float,
) -> Approach:
    """The kinematic core: CPA and conflict interval from relative motion (no geodesy).

    Zero relative speed inside the zone: in conflict for all time (entry far in the past).

    >>> z = np.zeros(1)
    >>> rel = Relative(np.array([3000.0]), z, z, z, np.array([100.0]), z)
    >>> a = approach_of(z.astype(np.intp), z.astype(np.intp), rel,
    ...                 rpz_m=9260.0, hpz_m=304.8, lookahead_s=300.0)
    >>> bool(a.conflict[0]), float(a.tlos_s[0]), bool(a.los[0])
    (True, 0.0, True)
    """
    h = _horizontal(rel.east_m, rel.north_m, rel.east_mps, rel.north_mps, rpz_m)
    dvs = np.where(np.abs(rel.up_mps) < DVS_FLOOR_MPS, DVS_FLOOR_MPS, rel.up_mps)
    t_hi = (rel.up_m + hpz_m) / -dvs
    t_lo = (rel.up_m - hpz_m) / -dvs
    t_in = np.maximum(np.minimum(t_hi, t_lo), h.t_in_s)
    t_out = np.minimum(np.maximum(t_hi, t_lo), h.t_out_s)
    conflict = h.threat & (t_in <= t_out) & (t_out > 0.0) & (t_in < lookahead_s)
    dist = np.sqrt(h.dist2_m2)
    los = (dist < rpz_m) & (np.abs(rel.up_m) < hpz_m)
    dcpa = np.sqrt(h.dcpa2_m2)
    return Approach(i, j, h.tcpa_s, dcpa, t_in, t_out, dist, rel.up_m, conflict, los)


def all_pairs(n: int) -> tuple[IntArray, IntArray]:
    """Every unordered pair ``i < j`` of ``n`` aircraft: O(n²), the brute-force reference.

    >>> i, j = all_pairs(3)
    >>> i.tolist(), j.tolist()
    ([0, 0, 1], [1, 2, 2])
    >>> [a.size for a in all_pairs(1)]
    [0, 0]
    """
    i, j = np.triu_indices(n, k=1)
    return i.astype(np.intp), j.astype(np.intp)

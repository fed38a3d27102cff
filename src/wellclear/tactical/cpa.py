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


def _uniform(values: FloatArray) -> FloatArray | float:
    """The one value of every aircraft when they agree, else the array."""
    return float(values[0]) if values.size and values.min() == values.max() else values


class Kinematics(NamedTuple):
    """Per-aircraft quantities of the pair formulas, computed once per scene.

    Separations and look-aheads are one number when every aircraft has the same.
    """

    lat_deg: FloatArray
    lon_deg: FloatArray
    cos_half_lat: FloatArray  # cos(φ/2): cos φ̄ = cos(φi/2)cos(φj/2) - sin(φi/2)sin(φj/2)
    sin_half_lat: FloatArray
    east_mps: FloatArray
    north_mps: FloatArray
    alt_m: FloatArray
    vs_mps: FloatArray
    rpz_m: FloatArray | float
    hpz_m: FloatArray | float
    lookahead_s: FloatArray | float

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
            sv.alt_m,
            sv.vs_mps,
            _uniform(sv.rpz_m),
            _uniform(sv.hpz_m),
            _uniform(sv.lookahead_s),
        )

    def take(self, index: IntArray) -> Kinematics:
        """The same quantities for the aircraft at ``index``."""
        return Kinematics._make(
            field if isinstance(field, float) else field.take(index) for field in self
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
    dlat_rad = np.radians(k.lat_deg.take(j) - k.lat_deg.take(i))
    dlon_deg = k.lon_deg.take(j) - k.lon_deg.take(i)
    across = np.flatnonzero(np.abs(dlon_deg) > 180.0)  # wrap only these: same bits per pair
    dlon_deg[across] = (dlon_deg[across] + 180.0) % 360.0 - 180.0
    cos_half, sin_half = k.cos_half_lat, k.sin_half_lat
    cos_mean = cos_half.take(i) * cos_half.take(j) - sin_half.take(i) * sin_half.take(j)
    return EARTH_RADIUS_M * np.radians(dlon_deg) * cos_mean, EARTH_RADIUS_M * dlat_rad


def _pair_max(values: FloatArray | float, i: IntArray, j: IntArray) -> FloatArray | float:
    """The larger of the two aircraft's values (``Kinematics``: a scalar when all agree)."""
    if isinstance(values, float):
        return values
    return np.maximum(values.take(i), values.take(j))


class _Miss(NamedTuple):
    """Closest approach of the horizontal motion (arrays over pairs)."""

    tcpa_s: FloatArray
    dcpa2_m2: FloatArray
    dist2_m2: FloatArray
    dv2_m2ps2: FloatArray  # relative speed squared, floored

    def take(self, index: IntArray) -> _Miss:
        return _Miss._make(field.take(index) for field in self)


def _miss(dx: FloatArray, dy: FloatArray, du: FloatArray, dv: FloatArray) -> _Miss:
    dv2 = du * du + dv * dv
    dv2 = np.where(np.abs(dv2) < DV2_FLOOR_M2PS2, DV2_FLOOR_M2PS2, dv2)
    dist2 = dx * dx + dy * dy
    tcpa = -(du * dx + dv * dy) / dv2
    return _Miss(tcpa, np.abs(dist2 - tcpa * tcpa * dv2), dist2, dv2)


def _inside_horizontally(miss: _Miss, r2: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """Entry and exit of the horizontal loss of separation (meaningful where dcpa < r)."""
    dt_hor = np.sqrt(np.maximum(0.0, r2 - miss.dcpa2_m2)) / np.sqrt(miss.dv2_m2ps2)
    return miss.tcpa_s - dt_hor, miss.tcpa_s + dt_hor


def _inside_vertically(
    up_m: FloatArray, up_mps: FloatArray, hpz_m: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Entry and exit of the vertical loss of separation (BlueSky's floored rate)."""
    dvs = np.where(np.abs(up_mps) < DVS_FLOOR_MPS, DVS_FLOOR_MPS, up_mps)
    t_hi = (up_m + hpz_m) / -dvs
    t_lo = (up_m - hpz_m) / -dvs
    return np.minimum(t_hi, t_lo), np.maximum(t_hi, t_lo)


class _Horizontal(NamedTuple):
    miss: _Miss
    threat: BoolArray  # dcpa < separation
    t_in_s: FloatArray
    t_out_s: FloatArray


def _horizontal(
    dx: FloatArray, dy: FloatArray, du: FloatArray, dv: FloatArray, rpz: FloatArray | float
) -> _Horizontal:
    """The miss, and the interval of the horizontal loss of separation (±1e8 s if none)."""
    miss = _miss(dx, dy, du, dv)
    r2 = rpz * rpz
    horizontal = miss.dcpa2_m2 < r2
    t_in, t_out = _inside_horizontally(miss, r2)
    t_in = np.where(horizontal, t_in, _NEVER_S)
    t_out = np.where(horizontal, t_out, -_NEVER_S)
    return _Horizontal(miss, horizontal, t_in, t_out)


class Relative(NamedTuple):
    """Motion of ``j`` relative to ``i`` in the pair's flat frame (arrays over pairs)."""

    east_m: FloatArray
    north_m: FloatArray
    east_mps: FloatArray
    north_mps: FloatArray
    up_m: FloatArray
    up_mps: FloatArray


def _relative_velocity(k: Kinematics, i: IntArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
    return k.east_mps.take(j) - k.east_mps.take(i), k.north_mps.take(j) - k.north_mps.take(i)


def _relative_height(k: Kinematics, i: IntArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
    return k.alt_m.take(j) - k.alt_m.take(i), k.vs_mps.take(j) - k.vs_mps.take(i)


def relative_motion(k: Kinematics, i: IntArray, j: IntArray) -> Relative:
    """Position and velocity of each pair's ``j`` relative to its ``i``."""
    return Relative(
        *relative_position(k, i, j), *_relative_velocity(k, i, j), *_relative_height(k, i, j)
    )


def conflicts_among(k: Kinematics, i: IntArray, j: IntArray) -> Approach:
    """The pairs that conflict, with exactly ``closest_approach``'s values.

    Each step runs on the pairs the previous one kept: the horizontal miss on all, the
    horizontal interval where the miss is inside the separation, the vertical interval
    where that meets [0, look-ahead) (which a conflict implies).
    """
    miss = _miss(*relative_position(k, i, j), *_relative_velocity(k, i, j))
    rpz = _pair_max(k.rpz_m, i, j)
    near = np.flatnonzero(miss.dcpa2_m2 < rpz * rpz)
    miss, i, j = miss.take(near), i.take(near), j.take(near)
    rpz = _pair_max(k.rpz_m, i, j)
    h_in, h_out = _inside_horizontally(miss, rpz * rpz)
    ahead = np.flatnonzero((h_out > 0.0) & (h_in < _pair_max(k.lookahead_s, i, j)))
    miss, i, j = miss.take(ahead), i.take(ahead), j.take(ahead)
    h_in, h_out = h_in.take(ahead), h_out.take(ahead)
    up_m, up_mps = _relative_height(k, i, j)
    rpz, hpz = _pair_max(k.rpz_m, i, j), _pair_max(k.hpz_m, i, j)
    v_in, v_out = _inside_vertically(up_m, up_mps, hpz)
    t_in = np.maximum(v_in, h_in)
    t_out = np.minimum(v_out, h_out)
    conflict = (t_in <= t_out) & (t_out > 0.0) & (t_in < _pair_max(k.lookahead_s, i, j))
    dist = np.sqrt(miss.dist2_m2)
    los = (dist < rpz) & (np.abs(up_m) < hpz)
    dcpa = np.sqrt(miss.dcpa2_m2)
    a = Approach(i, j, miss.tcpa_s, dcpa, t_in, t_out, dist, up_m, conflict, los)
    return Approach._make(field[conflict] for field in a)


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
        relative_motion(k, i, j),
        rpz_m=_pair_max(k.rpz_m, i, j),
        hpz_m=_pair_max(k.hpz_m, i, j),
        lookahead_s=_pair_max(k.lookahead_s, i, j),
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
    v_in, v_out = _inside_vertically(rel.up_m, rel.up_mps, hpz_m)
    t_in = np.maximum(v_in, h.t_in_s)
    t_out = np.minimum(v_out, h.t_out_s)
    conflict = h.threat & (t_in <= t_out) & (t_out > 0.0) & (t_in < lookahead_s)
    dist = np.sqrt(h.miss.dist2_m2)
    los = (dist < rpz_m) & (np.abs(rel.up_m) < hpz_m)
    dcpa = np.sqrt(h.miss.dcpa2_m2)
    return Approach(i, j, h.miss.tcpa_s, dcpa, t_in, t_out, dist, rel.up_m, conflict, los)


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

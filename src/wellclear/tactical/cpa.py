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


def relative_position(sv: StateVectors, i: IntArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
    """East and north position of ``j`` relative to ``i`` (m) on the pair's flat earth.

    >>> from wellclear.tactical.states import state_vectors
    >>> sv = state_vectors(lat_deg=[0.0, 0.0], lon_deg=[179.9, -179.9], alt_m=0.0,
    ...                    trk_deg=0.0, gs_mps=0.0)
    >>> east, north = relative_position(sv, np.array([0]), np.array([1]))
    >>> round(float(east[0]), 1), float(north[0])
    (22239.0, 0.0)
    """
    dlat_rad = np.radians(sv.lat_deg[j] - sv.lat_deg[i])
    dlon_rad = np.radians((sv.lon_deg[j] - sv.lon_deg[i] + 180.0) % 360.0 - 180.0)
    cos_mean = np.cos(np.radians(sv.lat_deg[j] + sv.lat_deg[i]) * 0.5)
    return EARTH_RADIUS_M * dlon_rad * cos_mean, EARTH_RADIUS_M * dlat_rad


def closest_approach(sv: StateVectors, i: ArrayLike, j: ArrayLike) -> Approach:
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
    dx, dy = relative_position(sv, i, j)
    east, north = sv.east_mps, sv.north_mps
    du = east[j] - east[i]
    dv = north[j] - north[i]
    dv2 = du * du + dv * dv
    dv2 = np.where(np.abs(dv2) < DV2_FLOOR_M2PS2, DV2_FLOOR_M2PS2, dv2)
    dist2 = dx * dx + dy * dy
    tcpa = -(du * dx + dv * dy) / dv2
    dcpa2 = np.abs(dist2 - tcpa * tcpa * dv2)

    rpz = np.maximum(sv.rpz_m[i], sv.rpz_m[j])
    r2 = rpz * rpz
    horizontal = dcpa2 < r2
    dt_hor = np.sqrt(np.maximum(0.0, r2 - dcpa2)) / np.sqrt(dv2)
    t_in_hor = np.where(horizontal, tcpa - dt_hor, _NEVER_S)
    t_out_hor = np.where(horizontal, tcpa + dt_hor, -_NEVER_S)

    dalt = sv.alt_m[j] - sv.alt_m[i]
    dvs = sv.vs_mps[j] - sv.vs_mps[i]
    dvs = np.where(np.abs(dvs) < DVS_FLOOR_MPS, DVS_FLOOR_MPS, dvs)
    hpz = np.maximum(sv.hpz_m[i], sv.hpz_m[j])
    t_hi = (dalt + hpz) / -dvs
    t_lo = (dalt - hpz) / -dvs
    t_in = np.maximum(np.minimum(t_hi, t_lo), t_in_hor)
    t_out = np.minimum(np.maximum(t_hi, t_lo), t_out_hor)

    lookahead = np.maximum(sv.lookahead_s[i], sv.lookahead_s[j])
    conflict = horizontal & (t_in <= t_out) & (t_out > 0.0) & (t_in < lookahead)
    dist = np.sqrt(dist2)
    los = (dist < rpz) & (np.abs(dalt) < hpz)
    return Approach(i, j, tcpa, np.sqrt(dcpa2), t_in, t_out, dist, dalt, conflict, los)


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

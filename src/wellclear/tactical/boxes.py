"""Swept boxes: where each aircraft can be, padded, over the look-ahead — the broad phase's input.

A pair can only conflict at some t in [0, T] where its horizontal distance is at most the
pair's separation and its vertical distance at most the pair's vertical separation. Each
aircraft's box holds its extrapolated position over [0, T] padded so that two boxes
overlap whenever that can happen:

- north: R·φ + v·t, exactly separable (Δφ is not wrapped);
- east: the pair frame scales Δλ by cos φ̄ of the pair's mean latitude, which is not known
  per aircraft. Pairs that can conflict are within ``dphi_max`` in latitude, so φ̄ lies
  within ``dphi_max / 2`` of the aircraft's latitude; using the smallest cosine there
  (``cos_min``) gives a longitude arc that contains the sweep at any φ̄ the pair can have.
  Arcs may pass ±π: the broad phase treats longitude as a circle. Near a pole the arc is
  the whole circle.
- altitude: h + vs·t, padded by the vertical separation.

Padding: a pair uses max(r_i, r_j); with p = max(r - r_min/2, r_min/2) every pair has
p_i + p_j ≥ max(r_i, r_j), and equal radii give the tight p = r/2. Margins cover the
floors of the exact phase (|Δv|² ≥ 1e-6, |Δvs| ≥ 1e-6) and rounding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from wellclear.tactical.states import EARTH_RADIUS_M, FloatArray, StateVectors

_ROUNDING_M = 1.0


class Boxes(NamedTuple):
    """Padded swept boxes: north (m), longitude arc (rad, unwrapped) and altitude (m)."""

    y_lo_m: FloatArray
    y_hi_m: FloatArray
    lon_lo_rad: FloatArray
    lon_hi_rad: FloatArray
    z_lo_m: FloatArray
    z_hi_m: FloatArray


def _pads(radius: FloatArray) -> FloatArray:
    smallest = float(radius.min()) if radius.size else 0.0
    return np.maximum(radius - smallest / 2.0, smallest / 2.0)


def _sweep(
    start: FloatArray, rate: FloatArray, horizon_s: float, pad: FloatArray
) -> tuple[FloatArray, FloatArray]:
    end = start + rate * horizon_s
    return np.minimum(start, end) - pad, np.maximum(start, end) + pad


def swept_boxes(sv: StateVectors) -> Boxes:
    """The padded box of every aircraft over the longest look-ahead of the scene.

    >>> from wellclear.tactical.states import state_vectors
    >>> sv = state_vectors(lat_deg=[0.0], lon_deg=[0.0], alt_m=1000.0, trk_deg=0.0,
    ...                    gs_mps=100.0)
    >>> b = swept_boxes(sv)
    >>> round(float(b.y_hi_m[0] - b.y_lo_m[0])), round(float(b.z_hi_m[0] - b.z_lo_m[0]), 1)
    (39263, 306.8)
    """
    horizon_s = float(sv.lookahead_s.max()) if sv.size else 0.0
    pad_h = _pads(sv.rpz_m) + _ROUNDING_M + 1e-3 * horizon_s  # |Δv| floored at 1e-3 m/s
    pad_v = _pads(sv.hpz_m) + _ROUNDING_M + 2e-6 * horizon_s  # |Δvs| floored at 1e-6 m/s
    north, east = sv.north_mps, sv.east_mps
    lat_rad = np.radians(sv.lat_deg)
    y_lo, y_hi = _sweep(EARTH_RADIUS_M * lat_rad, north, horizon_s, pad_h)

    if sv.size:
        reach_m = 2.0 * float(pad_h.max()) + 2.0 * float(np.abs(north).max()) * horizon_s
    else:
        reach_m = 0.0
    phi_far = np.abs(lat_rad) + 0.5 * reach_m / EARTH_RADIUS_M
    polar = phi_far >= np.radians(89.999)
    cos_min = np.where(polar, 1.0, np.cos(np.minimum(phi_far, np.pi / 2)))
    scale = 1.0 / (EARTH_RADIUS_M * cos_min)
    lon_lo, lon_hi = _sweep(np.radians(sv.lon_deg), east * scale, horizon_s, pad_h * scale)
    full = polar | (lon_hi - lon_lo >= 2.0 * np.pi)
    lon_lo = np.where(full, -np.pi, lon_lo)
    lon_hi = np.where(full, np.pi, lon_hi)

    z_lo, z_hi = _sweep(sv.alt_m, sv.vs_mps, horizon_s, pad_v)
    return Boxes(y_lo, y_hi, lon_lo, lon_hi, z_lo, z_hi)

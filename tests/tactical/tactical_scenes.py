"""Seeded random scenes for the tactical tests (shared by several test files)."""

from __future__ import annotations

import numpy as np

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS
from wellclear.tactical import EARTH_RADIUS_M, StateVectors, state_vectors


def random_scene(
    seed: int,
    n: int,
    *,
    lat_deg: float = 52.0,
    lon_deg: float = 5.0,
    side_km: float = 200.0,
    climbing: float = 0.3,
    overrides: bool = False,
    still: float = 0.0,
) -> StateVectors:
    """N aircraft uniform over a square (flat-earth offsets) around a centre.

    Longitudes are wrapped to [-180, 180) so scenes can straddle the antimeridian.
    ``still`` is the fraction of aircraft with zero ground speed (degenerate CPA).
    """
    rng = np.random.default_rng(seed)
    half_m = side_km * 500.0
    north = rng.uniform(-half_m, half_m, n)
    east = rng.uniform(-half_m, half_m, n)
    lat = np.clip(lat_deg + np.degrees(north / EARTH_RADIUS_M), -89.9, 89.9)
    lon = lon_deg + np.degrees(east / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    lon = (lon + 180.0) % 360.0 - 180.0
    gs = rng.uniform(250.0, 480.0, n) * KT_MPS * (rng.random(n) >= still)
    sign = rng.choice([-1.0, 1.0], n)
    vs = np.where(rng.random(n) < climbing, sign * rng.uniform(500, 3000, n), 0.0) * FPM_MPS
    extra = {}
    if overrides:
        extra = {
            "rpz_m": rng.choice([9260.0, 5556.0, 15000.0], n),
            "hpz_m": rng.choice([304.8, 152.4, 600.0], n),
            "lookahead_s": rng.choice([300.0, 120.0, 600.0], n),
        }
    return state_vectors(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(10_000, 14_000, n) * FT_M,
        trk_deg=rng.uniform(0.0, 360.0, n),
        gs_mps=gs,
        vs_mps=vs,
        **extra,
    )

"""Closest point of approach: a table of textbook encounters and the kinematic invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS, NM_M
from wellclear.tactical import EARTH_RADIUS_M, closest_approach, state_vectors
from wellclear.tactical.cpa import Relative, approach_of

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


def pair(
    north_m: float,
    east_m: float,
    trk_deg: tuple[float, float],
    gs_kt: tuple[float, float],
    *,
    dalt_ft: float = 0.0,
    vs_fpm: tuple[float, float] = (0.0, 0.0),
    lat_deg: float = 0.0,
    lon_deg: float = 0.0,
    **overrides: object,
):
    """Aircraft 0 at (lat, lon), aircraft 1 offset by north/east metres on the flat earth."""
    lat1 = lat_deg + north_m / M_PER_DEG
    mean = math.radians((lat_deg + lat1) / 2)
    lon1 = lon_deg + east_m / (M_PER_DEG * math.cos(mean))
    lon1 = (lon1 + 180.0) % 360.0 - 180.0
    sv = state_vectors(
        lat_deg=[lat_deg, lat1],
        lon_deg=[lon_deg, lon1],
        alt_m=[3000.0, 3000.0 + dalt_ft * FT_M],
        trk_deg=list(trk_deg),
        gs_mps=[g * KT_MPS for g in gs_kt],
        vs_mps=[v * FPM_MPS for v in vs_fpm],
        **overrides,
    )
    a = closest_approach(sv, [0], [1])
    return a, sv


ENCOUNTERS = [
    # id, north, east, tracks, speeds, dalt_ft, vs, conflict, tcpa, dcpa_m, tlos
    ("head-on", 20_000, 0, (0, 180), (400, 400), 0, (0, 0), True, 48.60, 0.0, 26.10),
    ("overtake", -20_000, 0, (0, 0), (300, 500), 0, (0, 0), True, 194.38, 0.0, 104.38),
    ("diverging", 20_000, 0, (180, 0), (400, 400), 0, (0, 0), False, -48.60, 0.0, None),
    ("miss 6 NM", 20_000, 6 * NM_M, (0, 180), (400, 400), 0, (0, 0), False, 48.60, 11112, None),
    ("miss 4 NM", 20_000, 4 * NM_M, (0, 180), (400, 400), 0, (0, 0), True, 48.60, 7408, 35.10),
    ("1000 ft above", 20_000, 0, (0, 180), (400, 400), 1000, (0, 0), False, 48.60, 0.0, None),
    ("999 ft above", 20_000, 0, (0, 180), (400, 400), 999, (0, 0), True, 48.60, 0.0, 26.10),
    ("2000 ft below", 20_000, 0, (0, 180), (400, 400), -2000, (0, 0), False, 48.60, 0.0, None),
    ("climbs into", 12_000, 0, (0, 180), (400, 400), -2000, (0, 3000), True, 29.16, 0.0, 20.0),
    ("climbs too late", 60_000, 0, (0, 180), (400, 400), -2000, (0, 3000), False, 145.79, 0, None),
    ("beyond look-ahead", 200_000, 0, (0, 180), (200, 200), 0, (0, 0), False, 971.92, 0.0, None),
    ("parallel", 0, 8000, (90, 90), (300, 300), 0, (0, 0), True, 0.0, 8000.0, 0.0),
    ("both still", 0, 5000, (0, 0), (0, 0), 0, (0, 0), True, 0.0, 5000.0, 0.0),
]


@pytest.mark.parametrize(
    ("north", "east", "trk", "gs", "dalt", "vs", "conflict", "tcpa", "dcpa", "tlos"),
    [row[1:] for row in ENCOUNTERS],
    ids=[row[0] for row in ENCOUNTERS],
)
def test_encounters(*, north, east, trk, gs, dalt, vs, conflict, tcpa, dcpa, tlos) -> None:
    a, _ = pair(north, east, trk, gs, dalt_ft=dalt, vs_fpm=vs)
    assert bool(a.conflict[0]) is conflict
    assert a.tcpa_s[0] == pytest.approx(tcpa, abs=0.05)
    assert a.dcpa_m[0] == pytest.approx(dcpa, abs=0.5)
    assert bool(a.los[0]) is bool(np.hypot(north, east) < 9260 and abs(dalt) < 1000)
    if tlos is not None:
        assert a.tlos_s[0] == pytest.approx(tlos, abs=0.05)


def test_antimeridian_is_one_place() -> None:
    west, _ = pair(20_000, 0, (0, 180), (400, 400), lon_deg=179.99)
    here, _ = pair(20_000, 0, (0, 180), (400, 400), lon_deg=0.0)
    assert bool(west.conflict[0])
    assert west.tcpa_s[0] == pytest.approx(here.tcpa_s[0])
    across, sv = pair(0, 20_000, (90, 270), (400, 400), lon_deg=179.95)
    assert sv.lon_deg[1] < 0.0  # the second aircraft is east of the antimeridian
    assert bool(across.conflict[0])
    assert across.tcpa_s[0] == pytest.approx(48.60, abs=0.05)


def test_pair_uses_larger_overrides() -> None:
    """Miss of 6 NM: a conflict only when either aircraft asks for 7 NM."""
    base = {"north_m": 20_000, "east_m": 6 * NM_M, "trk_deg": (0, 180), "gs_kt": (400, 400)}
    assert not pair(**base)[0].conflict[0]
    assert pair(**base, rpz_m=[9260.0, 7 * NM_M])[0].conflict[0]
    assert pair(**base, rpz_m=[7 * NM_M, 9260.0])[0].conflict[0]
    vertical = {
        "north_m": 20_000,
        "east_m": 0,
        "trk_deg": (0, 180),
        "gs_kt": (400, 400),
        "dalt_ft": 1500,
    }
    assert not pair(**vertical)[0].conflict[0]
    assert pair(**vertical, hpz_m=[2000 * FT_M, 304.8])[0].conflict[0]
    far = {"north_m": 200_000, "east_m": 0, "trk_deg": (0, 180), "gs_kt": (200, 200)}
    assert pair(**far, lookahead_s=[300.0, 1000.0])[0].conflict[0]


def test_los_now() -> None:
    a, _ = pair(3000, 0, (0, 0), (300, 300), dalt_ft=500)
    assert bool(a.los[0])
    assert bool(a.conflict[0])
    assert a.tlos_s[0] == 0.0
    assert a.t_in_s[0] < 0.0


metres = st.floats(-60_000, 60_000)
speeds = st.floats(-300, 300)
heights = st.floats(-3_000, 3_000)
rates = st.floats(-20, 20)


@st.composite
def relatives(draw: st.DrawFn) -> Relative:
    values = [draw(s) for s in (metres, metres, speeds, speeds, heights, rates)]
    return Relative(*(np.array([v]) for v in values))


def core(rel: Relative):
    zero = np.zeros(1, dtype=np.intp)
    return approach_of(zero, zero, rel, rpz_m=9260.0, hpz_m=304.8, lookahead_s=300.0)


def negated(rel: Relative) -> Relative:
    return Relative(*(-field for field in rel))


@given(relatives())
def test_dcpa_never_exceeds_current_distance(rel: Relative) -> None:
    a = core(rel)
    assert a.dcpa_m[0] <= a.distance_m[0] * (1 + 1e-9) + 1e-6


@given(relatives())
def test_symmetric_in_the_pair(rel: Relative) -> None:
    a, b = core(rel), core(negated(rel))
    assert a.tcpa_s[0] == b.tcpa_s[0]
    assert a.dcpa_m[0] == b.dcpa_m[0]
    assert a.los[0] == b.los[0]
    # the vertical floor |Δvs| >= 1e-6 m/s keeps its sign, so stay clear of that threshold
    if abs(abs(rel.up_m[0]) - 304.8) > 1e-2 or abs(rel.up_mps[0]) > 1e-6:
        assert a.conflict[0] == b.conflict[0]


@given(relatives(), st.floats(-200, 200))
def test_invariant_under_translation_in_time(rel: Relative, tau: float) -> None:
    """Moving both aircraft tau seconds along their tracks shifts every time by tau."""
    if rel.east_mps[0] ** 2 + rel.north_mps[0] ** 2 < 1e-3 or abs(rel.up_mps[0]) < 1e-3:
        return  # the floors of the formula are not kinematic
    later = Relative(
        rel.east_m + rel.east_mps * tau,
        rel.north_m + rel.north_mps * tau,
        rel.east_mps,
        rel.north_mps,
        rel.up_m + rel.up_mps * tau,
        rel.up_mps,
    )
    a, b = core(rel), core(later)
    assert b.tcpa_s[0] == pytest.approx(a.tcpa_s[0] - tau, abs=1e-6)
    assert b.dcpa_m[0] == pytest.approx(a.dcpa_m[0], abs=0.05)
    if a.dcpa_m[0] < 9260.0 - 1.0:
        assert b.t_in_s[0] == pytest.approx(a.t_in_s[0] - tau, abs=1e-5)
        assert b.t_out_s[0] == pytest.approx(a.t_out_s[0] - tau, abs=1e-5)


@settings(max_examples=50)
@given(
    st.floats(-60, 60),
    st.floats(-180, 180),
    st.floats(0, 360),
    st.floats(100, 500),
    st.floats(0, 250),
)
def test_time_translation_on_the_globe(lat, lon, trk, gs_kt, tau) -> None:
    """Due east/west tracks on one parallel: later positions give tcpa - tau exactly."""
    east_m = 30_000.0 * math.sin(math.radians(trk))
    a, sv = pair(0, east_m, (90, 270), (gs_kt, 300), lat_deg=lat, lon_deg=lon)
    scale = M_PER_DEG * math.cos(math.radians(lat))
    moved = sv._replace(lon_deg=sv.lon_deg + sv.east_mps * tau / scale)
    b = closest_approach(moved, [0], [1])
    assert b.tcpa_s[0] == pytest.approx(a.tcpa_s[0] - tau, abs=1e-4)
    assert b.dcpa_m[0] == pytest.approx(a.dcpa_m[0], abs=0.05)


def test_distance_matches_haversine_nearby() -> None:
    """The flat pair frame is within 0.1 % of the great circle at 20 km."""
    a, sv = pair(12_000, 16_000, (0, 0), (0, 0), lat_deg=60.0)
    phi = np.radians(sv.lat_deg)
    dlam = np.radians(sv.lon_deg[1] - sv.lon_deg[0])
    h = np.sin((phi[1] - phi[0]) / 2) ** 2 + np.cos(phi[0]) * np.cos(phi[1]) * np.sin(dlam / 2) ** 2
    great_circle = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))
    assert a.distance_m[0] == pytest.approx(great_circle, rel=1e-3)

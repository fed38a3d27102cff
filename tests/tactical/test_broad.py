"""The broad phase loses nothing: detect() == the all-pairs formula on random scenes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tactical_scenes import random_scene

from wellclear.tactical import (
    Approach,
    StateVectors,
    all_pairs,
    candidate_pairs,
    closest_approach,
    detect,
    detect_all_pairs,
    state_vectors,
)
from wellclear.tactical.cpa import Kinematics, conflicts_among


def assert_same(sv: StateVectors, chunk_pairs: int = 2_000_000) -> int:
    fast, slow = detect(sv, chunk_pairs=chunk_pairs), detect_all_pairs(sv)
    assert fast.i.tolist() == slow.i.tolist()
    assert fast.j.tolist() == slow.j.tolist()
    for name in ("tcpa_s", "dcpa_m", "tlos_s", "los", "level"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    pairs = candidate_pairs(sv)
    assert np.all(pairs.i < pairs.j)
    keys = pairs.i.astype(np.int64) * max(sv.size, 1) + pairs.j
    assert np.unique(keys).size == keys.size, "a candidate pair came out twice"
    return fast.size


CENTRES = st.sampled_from(
    [(52.0, 5.0), (70.0, 20.0), (0.0, 179.9), (-45.0, -179.95), (70.0, -180.0), (89.5, 0.0)]
)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 160),
    centre=CENTRES,
    side_km=st.sampled_from([5.0, 60.0, 300.0, 3000.0]),
    climbing=st.floats(0.0, 1.0),
    overrides=st.booleans(),
    still=st.sampled_from([0.0, 0.2, 1.0]),
    chunk_pairs=st.sampled_from([7, 2_000_000]),
)
def test_broad_phase_equals_brute_force(
    *, seed, n, centre, side_km, climbing, overrides, still, chunk_pairs
) -> None:
    sv = random_scene(
        seed,
        n,
        lat_deg=centre[0],
        lon_deg=centre[1],
        side_km=side_km,
        climbing=climbing,
        overrides=overrides,
        still=still,
    )
    assert_same(sv, chunk_pairs)


@pytest.mark.parametrize(
    ("lat", "lon", "side_km"),
    [(52.0, 5.0, 150.0), (70.0, 0.0, 150.0), (0.0, 180.0, 150.0), (-70.0, -179.9, 400.0)],
)
def test_dense_scenes(lat: float, lon: float, side_km: float) -> None:
    sv = random_scene(7, 1500, lat_deg=lat, lon_deg=lon, side_km=side_km)
    assert assert_same(sv) > 100  # the scene is dense enough to mean something


def test_one_aircraft_with_a_huge_look_ahead_pairs_with_everyone() -> None:
    sv = random_scene(3, 300, side_km=400.0)
    lookahead = sv.lookahead_s.copy()
    lookahead[0] = 50_000.0
    assert_same(sv._replace(lookahead_s=lookahead))


def test_identical_positions() -> None:
    sv = state_vectors(
        lat_deg=[10.0] * 5, lon_deg=[20.0] * 5, alt_m=1000.0, trk_deg=0.0, gs_mps=0.0
    )
    assert assert_same(sv) == 10


@pytest.mark.parametrize("overrides", [False, True])
def test_staged_exact_phase_keeps_every_value(overrides: bool) -> None:
    """``conflicts_among`` (staged, on subsets) == ``closest_approach`` on all, to the bit."""
    sv = random_scene(5, 400, side_km=80.0, overrides=overrides, still=0.2)
    i, j = all_pairs(sv.size)
    everything = closest_approach(sv, i, j)
    expected = Approach._make(field[everything.conflict] for field in everything)
    staged = conflicts_among(Kinematics.of(sv), i, j)
    assert staged.i.size > 100
    for name, want, got in zip(Approach._fields, expected, staged, strict=True):
        np.testing.assert_array_equal(got, want, err_msg=name)

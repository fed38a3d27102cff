"""One table row per rule of DESIGN.md §4: time, altitude, horizontal, parties, policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scenes import (
    FLIGHTS_5NM,
    ORIGIN,
    T0,
    circle,
    extent,
    intent,
    offset,
    policy_of,
    square,
)

from wellclear.model import Kind, Mode, PairRule, PolygonOutline
from wellclear.strategic import IntentIndex, find_conflicts

FAR_APART = 2_000.0  # radii of the test circles below
NEAR = circle(ORIGIN, FAR_APART)


def circle_at(distance_between_edges_m: float, radius_m: float = FAR_APART):
    centre = offset(ORIGIN, 60.0, FAR_APART + radius_m + distance_between_edges_m)
    return circle(centre, radius_m)


def pair_conflicts(a, b, policy=FLIGHTS_5NM) -> bool:
    batch = find_conflicts([a, b], policy)
    index = IntentIndex(policy)
    index.add(b)
    assert bool(index.conflicts_of(a)) == bool(batch), "index and batch disagree"
    return bool(batch)


@pytest.mark.parametrize(
    ("second_start_min", "second_end_min", "time_s", "expected"),
    [
        (60, 120, 0, False),  # windows touch: not a conflict
        (59.99, 120, 0, True),  # overlap by 0.6 s
        (70, 120, 1_200, True),  # gap 600 s < buffer 1,200 s
        (80, 120, 1_200, False),  # gap 1,200 s == buffer: not a conflict
        (79.99, 120, 1_200, True),
        (-60, 0, 0, False),  # touching from before
    ],
)
def test_time_windows_with_buffer(second_start_min, second_end_min, time_s, expected):
    policy = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(9_260.0, 304.8, time_s, Mode.REJECT)))
    a = intent("a", "blue", extent(NEAR, start_min=0, end_min=60))
    b = intent(
        "b", "red", extent(circle_at(100.0), start_min=second_start_min, end_min=second_end_min)
    )
    assert pair_conflicts(a, b, policy) is expected


@pytest.mark.parametrize(
    ("floor_m", "ceiling_m", "vertical_m", "expected"),
    [
        (2_304.8, 3_000.0, 304.8, False),  # exactly the vertical separation apart
        (2_304.7, 3_000.0, 304.8, True),
        (500.0, 695.2, 304.8, False),  # below, exactly apart
        (500.0, 695.3, 304.8, True),
        (9_000.0, 9_100.0, None, True),  # altitude ignored
        (1_500.0, 1_600.0, 0.0, True),  # inside the band, no vertical separation
        (2_000.0, 2_100.0, 0.0, False),  # bands touch, no separation: not a conflict
    ],
)
def test_altitude_bands(floor_m, ceiling_m, vertical_m, expected):
    policy = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(9_260.0, vertical_m, 0.0, Mode.NOTIFY)))
    a = intent("a", "blue", extent(NEAR, 1_000.0, 2_000.0))
    b = intent("b", "red", extent(circle_at(100.0), floor_m, ceiling_m))
    assert pair_conflicts(a, b, policy) is expected


@pytest.mark.parametrize(
    ("edge_gap_m", "horizontal_m", "expected"),
    [
        (9_260.0, 9_260.0, False),  # exactly the separation apart
        (9_259.5, 9_260.0, True),
        (9_261.0, 9_260.0, False),
        (0.0, 0.0, False),  # discs touching, no separation: not a conflict
        (-1.0, 0.0, True),  # overlapping by a metre
        (0.5, 0.0, False),
        (0.0, 1.0, True),  # touching with any separation is too close
        (99_000.0, 100_000.0, True),
        (100_001.0, 100_000.0, False),
    ],
)
def test_horizontal_distance_between_discs(edge_gap_m, horizontal_m, expected):
    policy = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(horizontal_m, 304.8, 0.0, Mode.REJECT)))
    a = intent("a", "blue", extent(NEAR))
    b = intent("b", "red", extent(circle_at(edge_gap_m, radius_m=500.0)))
    assert pair_conflicts(a, b, policy) is expected


@pytest.mark.parametrize(
    ("shift_m", "expected"),
    [
        (2_000.0, False),  # squares of half side 1,000 m sharing an edge: touching only
        (1_999.0, True),  # interiors overlap by a metre
        (2_010.0, False),
        (0.0, True),  # identical
    ],
)
def test_polygons_with_zero_separation_need_interior_overlap(shift_m, expected):
    policy = policy_of((Kind.FLIGHT, Kind.RESTRICTION, PairRule(0.0, 0.0, 0.0, Mode.REJECT)))
    a = intent("a", "blue", extent(square(ORIGIN, 1_000.0)))
    # A square that shares the east edge geodesically: vertices moved east by shift_m.
    east = tuple(offset(v, 90.0, shift_m) for v in square(ORIGIN, 1_000.0).vertices)
    b = intent("b", "red", extent(PolygonOutline(east)), kind=Kind.RESTRICTION)
    assert pair_conflicts(a, b, policy) is expected


def test_same_party_never_conflicts():
    a = intent("a", "blue", extent(NEAR))
    b = intent("b", "blue", extent(NEAR))
    assert not pair_conflicts(a, b)


def test_ignored_or_unlisted_pairs_are_not_checked():
    policy = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(9_260.0, 304.8, 0.0, Mode.IGNORE)))
    a = intent("a", "blue", extent(NEAR))
    b = intent("b", "red", extent(NEAR))
    c = intent("c", "red", extent(NEAR), kind=Kind.SITE)
    assert not pair_conflicts(a, b, policy)
    assert not pair_conflicts(a, c, FLIGHTS_5NM)


def test_open_ended_site_conflicts_with_a_later_operation():
    policy = policy_of((Kind.OPERATION, Kind.SITE, PairRule(1_000.0, None, 0.0, Mode.NOTIFY)))
    site = intent("hospital", "ngo", extent(NEAR, 0.0, 30.0, -600, None), kind=Kind.SITE)
    op = intent(
        "strike",
        "blue",
        extent(circle_at(500.0), 3_000.0, 6_000.0, 60 * 24 * 30, 60 * 24 * 30 + 60),
        kind=Kind.OPERATION,
    )
    (conflict,) = find_conflicts([op, site], policy)
    region = conflict.regions[0]
    assert conflict.intents == ("hospital", "strike")
    assert region.end is not None
    assert region.start >= T0
    assert (region.floor_m, region.ceiling_m) == (0.0, 6_000.0)  # ignored altitude: the hull


def test_region_is_dilated_overlap_with_positive_size():
    policy = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(9_260.0, 304.8, 600.0, Mode.REJECT)))
    a = intent("a", "blue", extent(NEAR, 1_000.0, 2_000.0, 0, 60))
    b = intent("b", "red", extent(circle_at(9_000.0, 500.0), 2_100.0, 3_000.0, 65, 90))
    (conflict,) = find_conflicts([a, b], policy)
    (region,) = conflict.regions
    assert region.footprint.area > 0
    assert region.floor_m == pytest.approx(2_100.0 - 152.4)
    assert region.ceiling_m == pytest.approx(2_000.0 + 152.4)
    assert region.start == T0 + timedelta(minutes=65) - timedelta(seconds=300)
    assert region.min_distance_m == pytest.approx(9_000.0, abs=0.01)
    assert conflict.rule.mode is Mode.REJECT


def test_conflict_lists_each_conflicting_extent_pair_once():
    a = intent(
        "a", "blue", extent(NEAR, start_min=0, end_min=10), extent(NEAR, start_min=10, end_min=20)
    )
    b = intent("b", "red", extent(circle_at(50.0), start_min=5, end_min=15))
    (conflict,) = find_conflicts([a, b], FLIGHTS_5NM)
    assert [r.extents for r in conflict.regions] == [(0, 0), (1, 0)]

"""Hypothesis properties of detection: symmetry, order, index == batch == brute force,
monotone in each separation, invariant under shifting all times."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from unittest.mock import patch

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenes import ORIGIN, WGS84, circle, extent, intent, offset, policy_of, square

from wellclear.model import Conflict, Intent, Kind, LatLng, Mode, PairRule, PolygonOutline
from wellclear.strategic import IntentIndex, detect, find_conflicts
from wellclear.strategic.detect import conflicts_among, conflicts_with
from wellclear.strategic.extents import build_table
from wellclear.strategic.rules import RuleTables

KINDS = (Kind.FLIGHT, Kind.OPERATION, Kind.RESTRICTION, Kind.SITE)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def policy(h_m: float, v_m: float | None, t_s: float):
    return policy_of(
        (Kind.FLIGHT, Kind.FLIGHT, PairRule(h_m, v_m, t_s, Mode.REJECT)),
        (Kind.FLIGHT, Kind.OPERATION, PairRule(h_m, v_m, t_s, Mode.REJECT)),
        (Kind.FLIGHT, Kind.RESTRICTION, PairRule(0.0, 0.0, 0.0, Mode.REJECT)),
        (Kind.OPERATION, Kind.SITE, PairRule(h_m / 4, None, t_s, Mode.NOTIFY)),
    )


@st.composite
def outlines(draw, spread_m: float):
    centre = offset(ORIGIN, draw(st.floats(0, 360)), draw(st.floats(0, spread_m)))
    if draw(st.booleans()):
        return circle(centre, draw(st.floats(50, 8_000)))
    # A convex quadrilateral: four azimuths in order, random reach each.
    azimuths = sorted(draw(st.lists(st.floats(0, 359), min_size=4, max_size=4, unique=True)))
    if min(np.diff([*azimuths, azimuths[0] + 360])) < 20:
        azimuths = [10, 100, 190, 280]
    reach = draw(st.floats(300, 10_000))
    return PolygonOutline(tuple(offset(centre, az, reach) for az in azimuths))


@st.composite
def scenes(draw, max_intents: int = 8, spread_m: float = 40_000.0):
    count = draw(st.integers(2, max_intents))
    intents = []
    for n in range(count):
        kind = draw(st.sampled_from(KINDS))
        extents = []
        for _ in range(draw(st.integers(1, 3))):
            floor = draw(st.floats(0, 5_000))
            start = draw(st.integers(0, 300))
            open_ended = kind is Kind.SITE and draw(st.booleans())
            # Now and then an extent long enough (days) to be paired by space alone.
            minutes = draw(st.one_of(st.integers(1, 120), st.integers(5_000, 50_000)))
            end = None if open_ended else start + minutes
            thickness = draw(st.floats(0, 2_000))
            extents.append(extent(draw(outlines(spread_m)), floor, floor + thickness, start, end))
        party = draw(st.sampled_from(["blue", "red", "green"]))
        intents.append(intent(f"i{n}", party, *extents, kind=kind))
    return intents


def keyed(conflicts: tuple[Conflict, ...]) -> dict[tuple[str, str], tuple[tuple[int, int], ...]]:
    return {c.intents: tuple(r.extents for r in c.regions) for c in conflicts}


def brute_force(intents: list[Intent], rules) -> dict:
    table = build_table(intents, {})
    i, j = np.triu_indices(len(table), k=1)
    return keyed(conflicts_among(table, i.astype(np.int64), j.astype(np.int64), intents, rules))


separations = st.tuples(
    st.floats(0, 20_000), st.one_of(st.none(), st.floats(0, 1_000)), st.floats(0, 3_600)
)


@PROPERTY_SETTINGS
@given(scenes(), separations, st.randoms(use_true_random=False))
def test_order_independent_and_equal_to_brute_force(intents, separation, rng):
    rules_policy = policy(*separation)
    expected = keyed(find_conflicts(intents, rules_policy))
    shuffled = list(intents)
    rng.shuffle(shuffled)
    assert keyed(find_conflicts(shuffled, rules_policy)) == expected
    assert brute_force(intents, RuleTables.of(rules_policy)) == expected


@PROPERTY_SETTINGS
@given(scenes(), separations)
def test_index_agrees_with_batch(intents, separation):
    rules_policy = policy(*separation)
    index = IntentIndex(rules_policy, cell_deg=0.05)
    for each in intents:
        index.add(each)
    from_index = {}
    for each in intents:
        for conflict in index.conflicts_of(each):
            assert each.id in conflict.intents
            from_index[conflict.intents] = tuple(r.extents for r in conflict.regions)
    assert from_index == keyed(find_conflicts(intents, rules_policy))
    index.remove(intents[0].id)
    assert all(intents[0].id not in c.intents for c in index.conflicts_of(intents[1]))


@PROPERTY_SETTINGS
@given(scenes(), separations)
def test_conflicts_with_one_intent_agrees_with_batch(intents, separation):
    rules_policy = policy(*separation)
    batch = keyed(find_conflicts(intents, rules_policy))
    for direct_pairs in (detect.DIRECT_PAIRS, 0):  # every pair screened, and the grid
        with patch.object(detect, "DIRECT_PAIRS", direct_pairs):
            for each in intents:
                expected = {pair: regions for pair, regions in batch.items() if each.id in pair}
                assert keyed(conflicts_with(each, intents, rules_policy)) == expected


@PROPERTY_SETTINGS
@given(scenes(), separations, st.floats(1.0, 3.0), st.sampled_from(["h", "v", "t"]))
def test_monotone_in_each_separation(intents, separation, factor, which):
    h_m, v_m, t_s = separation
    wider = {
        "h": (h_m * factor, v_m, t_s),
        "v": (h_m, None if v_m is None else v_m * factor, t_s),
        "t": (h_m, v_m, t_s * factor),
    }[which]
    narrow = set(keyed(find_conflicts(intents, policy(*separation))))
    assert narrow <= set(keyed(find_conflicts(intents, policy(*wider))))


@PROPERTY_SETTINGS
@given(scenes(), separations, st.integers(-(10**6), 10**6))
def test_invariant_under_shifting_all_times(intents, separation, shift_s):
    def shifted(each: Intent) -> Intent:
        moved = tuple(
            dataclasses.replace(
                e,
                start=e.start + timedelta(seconds=shift_s),
                end=None if e.end is None else e.end + timedelta(seconds=shift_s),
            )
            for e in each.extents
        )
        return dataclasses.replace(each, extents=moved)

    rules_policy = policy(*separation)
    before = find_conflicts(intents, rules_policy)
    after = find_conflicts([shifted(i) for i in intents], rules_policy)
    assert keyed(before) == keyed(after)
    for old, new in zip(before, after, strict=True):
        assert new.regions[0].start - old.regions[0].start == timedelta(seconds=shift_s)


@PROPERTY_SETTINGS
@given(scenes(max_intents=6))
def test_regions_have_positive_size_exactly_for_conflicts(intents):
    for conflict in find_conflicts(intents, policy(9_260.0, 304.8, 600.0)):
        for region in conflict.regions:
            assert region.footprint.area > 0
            assert region.ceiling_m > region.floor_m
            assert region.end is None or region.end > region.start
            assert region.min_distance_m < conflict.rule.horizontal_m or region.min_distance_m == 0


def test_far_from_origin_scenes_cross_the_antimeridian_neighbourhood():
    """Shapes on both sides of ±180° are near each other, not half a world apart."""
    west = intent("w", "blue", extent(circle(LatLng(10.0, 179.98), 1_000.0)))
    east = intent("e", "red", extent(circle(LatLng(10.0, -179.98), 1_000.0)))
    (conflict,) = find_conflicts([west, east], policy(9_260.0, 304.8, 0.0))
    assert 2_300 < conflict.min_distance_m < 2_400


def _moved_east(intents: list[Intent], degrees: float) -> list[Intent]:
    """The scene moved east along its parallels: the same distances, the same conflicts."""

    def point(p: LatLng) -> LatLng:
        return LatLng(p.lat, (p.lng + degrees + 180.0) % 360.0 - 180.0)

    def outline(o):
        if isinstance(o, PolygonOutline):
            return PolygonOutline(tuple(point(v) for v in o.vertices))
        return dataclasses.replace(o, center=point(o.center))

    return [
        dataclasses.replace(
            i, extents=tuple(dataclasses.replace(e, outline=outline(e.outline)) for e in i.extents)
        )
        for i in intents
    ]


def _geodesic_area_m2(geometry) -> float:
    return abs(WGS84.geometry_area_perimeter(geometry)[0])


@PROPERTY_SETTINGS
@given(scenes(max_intents=5), st.floats(-0.3, 0.3))
def test_regions_astride_the_antimeridian_are_cut_there(intents, centre_offset_deg):
    """Moved onto ±180°, a scene keeps its conflicts and the area of every region; each region
    stays within ±180° of longitude (cut there, as GeoJSON asks: a region drawn across it
    was a ring spanning the globe the wrong way round)."""
    rules = policy(9_260.0, 304.8, 600.0)
    here = find_conflicts(intents, rules)
    there = find_conflicts(_moved_east(intents, 180.0 + centre_offset_deg - ORIGIN.lng), rules)
    assert keyed(here) == keyed(there)
    for near, far in zip(here, there, strict=True):
        for a, b in zip(near.regions, far.regions, strict=True):
            west, _, east, _ = b.footprint.bounds
            assert west >= -180.0
            assert east <= 180.0
            assert b.footprint.is_valid
            # in square degrees: moving along parallels and cutting keep it (a geodesic area
            # would not quite: the cut puts a vertex on a straight lon/lat edge, off its geodesic)
            assert b.footprint.area == pytest.approx(a.footprint.area, rel=1e-6)


def test_a_lens_across_the_antimeridian_has_a_part_on_each_side():
    west = intent("w", "blue", extent(circle(LatLng(10.0, 179.98), 1_000.0)))
    east = intent("e", "red", extent(circle(LatLng(10.0, -179.98), 1_000.0)))
    (conflict,) = find_conflicts([west, east], policy(9_260.0, 304.8, 0.0))
    (region,) = conflict.regions
    assert region.footprint.geom_type == "MultiPolygon"
    assert sorted(round(part.centroid.x) for part in region.footprint.geoms) == [-180, 180]
    # two discs of 5.63 km (1 km and half of 9,260 m) 4.38 km apart meet in 51.5 km²
    assert 51e6 < _geodesic_area_m2(region.footprint) < 53e6


@pytest.mark.parametrize(
    ("lat", "lngs"), [(89.99, (0.0, 90.0)), (89.99, (170.0, -170.0)), (-89.97, (-100.0, 170.0))]
)
def test_regions_around_a_pole_hold_the_pole(lat, lngs):
    """Their rings go round the pole: each region is bounded by the pole's parallel, valid,
    and so is the union of a conflict's regions (two extents each here)."""
    near_pole = [
        intent(
            f"p{n}",
            party,
            extent(circle(LatLng(lat, lng), 500.0)),
            extent(circle(LatLng(lat, lng), 800.0), start_min=30.0, end_min=90.0),
        )
        for n, (party, lng) in enumerate(zip(("blue", "red"), lngs, strict=True))
    ]
    (conflict,) = find_conflicts(near_pole, policy(9_260.0, 304.8, 0.0))
    pole = shapely.Point(0.0, 90.0 if lat > 0 else -90.0)
    for region in conflict.regions:
        assert region.footprint.is_valid
        assert region.footprint.bounds[0] == -180.0
        assert region.footprint.bounds[2] == 180.0
        assert region.footprint.intersects(pole)
    assert shapely.union_all([r.footprint for r in conflict.regions]).is_valid


def test_squares_near_a_pole_give_a_valid_region():
    """Straight lon/lat edges between a ring's points crossed here (GEOS raised)."""
    a = intent("a", "blue", extent(square(LatLng(89.946, -103.67), 2_508.0)))
    b = intent("b", "red", extent(square(LatLng(89.9236, 89.85), 3_217.0)))
    (conflict,) = find_conflicts([a, b], policy(9_260.0, 304.8, 0.0))
    assert conflict.regions
    assert all(region.footprint.is_valid for region in conflict.regions)


def test_index_compacts_removed_intents_and_still_agrees_with_batch():
    """Removing most residents triggers compaction; answers must not change."""
    rules_policy = policy(5_000.0, 300.0, 600.0)
    intents = [
        intent(
            f"i{n:04d}",
            ("blue", "red")[n % 2],
            extent(
                circle(offset(ORIGIN, n * 7 % 360, n * 13.0), 500), 0, 1_000, n % 90, n % 90 + 30
            ),
        )
        for n in range(2_400)
    ]
    index = IntentIndex(rules_policy)
    index.add_many(intents)
    kept = intents[::3]
    for each in intents:
        if each not in kept:
            index.remove(each.id)
    assert len(index) == len(kept)
    expected = keyed(find_conflicts(kept, rules_policy))
    found = {}
    for each in kept:
        found |= keyed(index.conflicts_of(each))
    assert found == expected
    assert expected  # the scene is dense enough to have conflicts

"""Pairs of discs, measured and drawn in numpy: the lens geometry on its own, then against the
general path (frames, GEOS buffers and intersection) that every other pair takes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenes import ORIGIN, circle, extent, intent, offset

from wellclear.strategic.discs import lens_rings
from wellclear.strategic.exact import (
    CIRCUMSCRIBE,
    QUAD_SEGMENTS,
    Measured,
    _measure_shapes,
    footprints,
    measure,
)
from wellclear.strategic.extents import build_table

SEGMENTS = 4 * QUAD_SEGMENTS
PROPERTIES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lens(a: tuple[float, float], ra: float, b: tuple[float, float], rb: float) -> shapely.Polygon:
    xy, pair = lens_rings(np.array([a]), np.array([ra]), np.array([b]), np.array([rb]), SEGMENTS)
    assert (pair == 0).all()
    return shapely.Polygon(xy)


def true_lens_area(gap: float, ra: float, rb: float) -> float:
    if gap >= ra + rb:
        return 0.0
    if gap + min(ra, rb) <= max(ra, rb):
        return math.pi * min(ra, rb) ** 2
    part_a = ra**2 * math.acos((gap**2 + ra**2 - rb**2) / (2 * gap * ra))
    part_b = rb**2 * math.acos((gap**2 + rb**2 - ra**2) / (2 * gap * rb))
    kite = 0.5 * math.sqrt((-gap + ra + rb) * (gap + ra - rb) * (gap - ra + rb) * (gap + ra + rb))
    return part_a + part_b - kite


@pytest.mark.parametrize(
    ("a", "ra", "b", "rb", "vertices"),
    [
        ((0.0, 0.0), 1.0, (1.0, 0.0), 1.0, 22),  # equal discs, a centre on the other's circle
        ((0.0, 0.0), 1.0, (0.0, 0.0), 1.0, SEGMENTS),  # the same disc twice: that disc
        ((0.0, 0.0), 5.0, (1.0, 0.0), 1.0, SEGMENTS),  # b inside a: b whole
        ((1.0, 0.0), 1.0, (0.0, 0.0), 5.0, SEGMENTS),  # a inside b: a whole
        ((0.0, 0.0), 3.0, (2.0, 0.0), 1.0, SEGMENTS),  # b inside a, touching it from within
        ((0.0, 0.0), 1.0, (1.999, 0.0), 1.0, 4),  # a sliver: two sides on each arc
        ((0.0, 0.0), 1.0, (-0.5, 1.2), 2.0, None),  # unequal, crossing
    ],
)
def test_lens_is_the_intersection_drawn_inside_out(a, ra, b, rb, vertices):
    polygon = lens(a, ra, b, rb)
    if vertices is not None:
        assert len(polygon.exterior.coords) - 1 == vertices
    assert polygon.is_valid
    assert polygon.exterior.is_ccw
    gap = math.dist(a, b)
    inner = true_lens_area(gap, ra / CIRCUMSCRIBE, rb / CIRCUMSCRIBE)
    assert inner <= polygon.area <= true_lens_area(gap, ra, rb) * (1 + 1e-12)


@PROPERTIES
@given(
    st.floats(-5_000, 5_000), st.floats(-5_000, 5_000), st.floats(1.0, 4_000),
    st.floats(-5_000, 5_000), st.floats(-5_000, 5_000), st.floats(1.0, 4_000),
)  # fmt: skip
def test_lens_holds_the_shrunk_discs_meeting_and_stays_in_the_discs(ax, ay, ra, bx, by, rb):
    gap = math.hypot(bx - ax, by - ay)
    if gap >= (ra + rb) * 0.999:  # callers pass discs that meet
        return
    polygon = lens((ax, ay), ra, (bx, by), rb)
    assert polygon.is_valid
    # Inside the discs: a convex lens whose vertices are all in both discs.
    for x, y in polygon.exterior.coords:
        assert math.hypot(x - ax, y - ay) <= ra * (1 + 1e-9)
        assert math.hypot(x - bx, y - by) <= rb * (1 + 1e-9)
    # Around the discs shrunk by the chords' sag, drawn finely with vertices on their circles.
    shrink = 1 / CIRCUMSCRIBE
    fine = shapely.intersection(
        shapely.Point(ax, ay).buffer(ra * shrink, quad_segs=256),
        shapely.Point(bx, by).buffer(rb * shrink, quad_segs=256),
    )
    assert fine.difference(polygon).area <= 1e-9 * max(fine.area, 1.0)


@st.composite
def disc_pairs(draw):
    centre = offset(ORIGIN, draw(st.floats(0, 360)), draw(st.floats(0, 3_000_000)))
    radius_a, radius_b = draw(st.floats(1, 20_000)), draw(st.floats(1, 20_000))
    gap = draw(st.floats(0, 1.3)) * (radius_a + radius_b + 20_000)
    other = offset(centre, draw(st.floats(0, 360)), gap)
    a = intent("a", "blue", extent(circle(centre, radius_a)))
    b = intent("b", "red", extent(circle(other, radius_b)))
    return build_table([a, b], {}), draw(st.sampled_from([0.0, 500.0, 9_260.0]))


@PROPERTIES
@given(disc_pairs())
def test_discs_agree_with_the_general_path(pair):
    """The numpy path against frames, refinement, GEOS buffers and their intersection."""
    table, h = pair
    i, j, h_m = np.array([0]), np.array([1]), np.array([h])
    fast = measure(table, i, j, h_m)
    assert fast.discs.all()
    signed, frame, a, b = _measure_shapes(table, i, j, h_m, fast.frame._replace())
    general_distance = max(float(signed[0]), 0.0)
    assert float(fast.distance_m[0]) == pytest.approx(general_distance, rel=1e-6, abs=1e-3)
    if abs(float(signed[0]) - h) > 1e-2 and abs(float(signed[0])) > 1e-2:
        expected = float(signed[0]) < h if h > 0 else float(signed[0]) < 0
        assert bool(fast.conflicting[0]) == expected
    if not fast.conflicting[0]:
        return
    general = Measured(fast.conflicting, signed, frame, a, b, np.array([False]))
    (drawn,) = footprints(table, i, j, h_m, fast)
    (reference,) = footprints(table, i, j, h_m, general)
    assert drawn.is_valid
    assert drawn.area > 0
    # Both hold the true region and lie within the discs grown by the chords' sag, so they
    # differ only within a band that wide along their outline.
    sag_m = (h / 2 + float(table.radius_m.max())) * CIRCUMSCRIBE * (1 - 1 / CIRCUMSCRIBE) + 1.0
    cos_lat = math.cos(math.radians(float(np.abs(table.center_lat).max())))
    sag_deg = sag_m / (111_000 * cos_lat)
    assert shapely.symmetric_difference(drawn, reference).area <= 2 * sag_deg * drawn.length

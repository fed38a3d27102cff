"""Outline checks and the corridor builder of wellclear.geo.shapes."""

# ruff: noqa: E501  (table rows stay one per line, so each case reads as one row)

from __future__ import annotations

import itertools
import math
from unittest.mock import patch

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from wellclear.geo import shapes
from wellclear.geo.shapes import (
    circle_problems,
    corridor,
    densify,
    polygon_area_m2,
    polygon_problems,
)
from wellclear.model import CircleOutline, LatLng

GEOD = Geod(ellps="WGS84")


def ring(*points: tuple[float, float]) -> list[LatLng]:
    return [LatLng(lat, lng) for lat, lng in points]


@pytest.mark.parametrize(
    ("vertices", "expected"),
    [
        pytest.param(ring((0, 0), (0, 1), (1, 0)), (), id="triangle"),
        pytest.param(ring((0, 0), (1, 0), (0, 1)), (), id="clockwise triangle"),
        pytest.param(ring((0, 0), (0, 1)), ("needs at least 3 vertices, not 2",), id="two"),
        pytest.param([], ("needs at least 3 vertices, not 0",), id="none"),
        pytest.param(
            ring((0, 0), (0, 1), (1, 1), (0, 0)),
            (
                "the ring is closed: the last vertex repeats the first; F3548 rings are open, drop it",
            ),
            id="closed",
        ),
        pytest.param(
            ring((0, 0), (0, 1), (1, 1), (0, 1), (1, 0)),
            ("vertices 1 and 3 are the same point",),
            id="duplicate",
        ),
        pytest.param(
            ring((0, 0), (0, 1), (0, 1), (1, 1)),
            ("vertices 1 and 2 are the same point",),
            id="repeated consecutive",
        ),
        pytest.param(ring((0, 0), (1, 1), (0, 1), (1, 0)), ("edges 0 and 2 cross",), id="bow tie"),
        pytest.param(
            ring((0, 0), (0, 3), (3, 3), (3, 0), (1, 3)),
            ("edges 1 and 3 touch", "edges 1 and 4 touch"),
            id="vertex on an edge",
        ),
        pytest.param(
            ring((0, 0), (0, 1), (0, 2)),
            ("edges 0 and 2 overlap", "edges 1 and 2 overlap"),
            id="collinear",
        ),
        pytest.param(
            ring((0, 0), (0, 4), (2, 4), (2, 1), (1, 1), (1, 3), (3, 3), (3, 0)),
            ("edges 2 and 5 cross",),
            id="figure of eight",
        ),
        pytest.param(
            ring((10, 170), (10, -170), (20, -170), (20, 170)),
            ("edges 0, 2 cross the antimeridian (±180° longitude); split the shape there",),
            id="antimeridian",
        ),
        pytest.param(
            ring((10, 179), (10, 180), (20, -180), (20, 179)),
            ("edges 1, 2 cross the antimeridian (±180° longitude); split the shape there",),
            id="spanning +180 and -180",
        ),
        pytest.param(ring((10, 170), (10, 180), (20, 180), (20, 170)), (), id="touching 180"),
    ],
)
def test_polygon_problems(vertices: list[LatLng], expected: tuple[str, ...]) -> None:
    assert polygon_problems(vertices) == expected


@pytest.mark.parametrize(
    ("circle", "expected"),
    [
        pytest.param(CircleOutline(LatLng(36, 37), 1.0), (), id="small"),
        pytest.param(CircleOutline(LatLng(36, 37), 0.0), ("radius must be more than 0 m, not 0.0",), id="zero"),
        pytest.param(CircleOutline(LatLng(36, 37), -3.0), ("radius must be more than 0 m, not -3.0",), id="negative"),
        pytest.param(CircleOutline(LatLng(36, 37), math.nan), ("radius must be more than 0 m, not nan",), id="nan"),
        pytest.param(CircleOutline(LatLng(10, -179.99), 5_000.0), ("the circle crosses the antimeridian (±180° longitude); split the shape there",), id="antimeridian west"),
        pytest.param(CircleOutline(LatLng(10, 179.9), 5_000.0), (), id="near antimeridian"),
        pytest.param(CircleOutline(LatLng(89.9, 0), 20_000.0), ("the circle crosses the antimeridian (±180° longitude); split the shape there",), id="over the pole"),
    ],
)  # fmt: skip
def test_circle_problems(circle: CircleOutline, expected: tuple[str, ...]) -> None:
    assert circle_problems(circle) == expected


def test_area_of_one_degree_square_matches_geod() -> None:
    square = ring((0, 0), (0, 1), (1, 1), (1, 0))
    area_m2, _ = GEOD.polygon_area_perimeter([0, 1, 1, 0], [0, 0, 1, 1])
    assert polygon_area_m2(square) == pytest.approx(abs(area_m2), rel=1e-12)


def test_densify_keeps_every_step_at_most_the_limit() -> None:
    line = densify(ring((36, 37), (36.3, 37.2), (36.3, 37.2), (36.0, 37.0)), max_step_m=5_000)
    steps_m = [GEOD.inv(a.lng, a.lat, b.lng, b.lat)[2] for a, b in itertools.pairwise(line)]
    assert max(steps_m) <= 5_000.0 + 1e-6
    assert line[0] == LatLng(36, 37)
    assert line[-1] == LatLng(36.0, 37.0)


@pytest.mark.parametrize(
    ("points", "width_m"),
    [
        pytest.param(ring((36, 37), (36, 37.1)), 0.0, id="zero width"),
        pytest.param(ring((36, 37), (36, 37.1)), math.inf, id="infinite width"),
        pytest.param(ring((36, 37), (36, 37)), 100.0, id="one point"),
    ],
)
def test_corridor_refuses(points: list[LatLng], width_m: float) -> None:
    with pytest.raises(ValueError, match=r"corridor|width_m"):
        corridor(points, width_m)


def test_straight_corridor_area_is_length_times_width_plus_caps() -> None:
    a, b = LatLng(36.0, 37.0), LatLng(36.5, 37.0)
    length_m = GEOD.inv(a.lng, a.lat, b.lng, b.lat)[2]
    width_m = 2_000.0
    expected_m2 = length_m * width_m + math.pi * (width_m / 2) ** 2
    assert polygon_area_m2(corridor([a, b], width_m).vertices) == pytest.approx(
        expected_m2, rel=1e-3
    )


# --- properties ---------------------------------------------------------------------------

origins = st.tuples(st.floats(-60, 60), st.floats(-170, 170))


@st.composite
def lines(draw: st.DrawFn) -> list[LatLng]:
    """2 to 4 points, each 100 m to 40 km from the last."""
    lat, lng = draw(origins)
    points = [LatLng(lat, lng)]
    for _ in range(draw(st.integers(1, 3))):
        azimuth = draw(st.floats(0, 360))
        distance_m = draw(st.floats(100, 40_000))
        lng, lat, _ = GEOD.fwd(lng, lat, azimuth, distance_m)
        points.append(LatLng(lat, lng))
    return points


def distance_to_line_m(vertices: list[LatLng], line: list[LatLng]) -> np.ndarray:
    """Geodesic distance of each vertex to a line of geodesic segments (golden-section search)."""
    lon = np.array([v.lng for v in vertices])
    lat = np.array([v.lat for v in vertices])
    best = np.full(len(vertices), np.inf)
    ratio = (math.sqrt(5) - 1) / 2
    for a, b in itertools.pairwise(line):
        low, high = np.zeros(len(vertices)), np.ones(len(vertices))
        for _ in range(60):
            left, right = high - ratio * (high - low), low + ratio * (high - low)
            closer_left = _distance_m(a, b, left, lon, lat) < _distance_m(a, b, right, lon, lat)
            high = np.where(closer_left, right, high)
            low = np.where(closer_left, low, left)
        best = np.minimum(best, _distance_m(a, b, (low + high) / 2, lon, lat))
    return best


def _distance_m(
    a: LatLng, b: LatLng, fraction: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Distance from each (lon, lat) to the point ``fraction`` of the way along geodesic a-b."""
    azimuth, _, length_m = GEOD.inv(a.lng, a.lat, b.lng, b.lat)
    ones = np.ones(len(lon))
    plon, plat, _ = GEOD.fwd(a.lng * ones, a.lat * ones, azimuth * ones, fraction * length_m)
    return np.asarray(GEOD.inv(plon, plat, lon, lat)[2])


@settings(max_examples=40, deadline=None)
@given(line=lines(), width_m=st.floats(20, 4_000))
def test_corridor_vertices_lie_half_a_width_from_the_line(
    line: list[LatLng], width_m: float
) -> None:
    outline = corridor(line, width_m)
    assert polygon_problems(outline.vertices) == ()
    offsets_m = distance_to_line_m(list(outline.vertices), line)
    assert np.all(np.abs(offsets_m - width_m / 2) <= 1.0), np.abs(offsets_m - width_m / 2).max()


@settings(max_examples=40, deadline=None)
@given(line=lines(), width_m=st.floats(20, 4_000))
def test_corridor_contains_its_densified_line(line: list[LatLng], width_m: float) -> None:
    outline = corridor(line, width_m)
    polygon = shapely.Polygon([(v.lng, v.lat) for v in outline.vertices])
    points = shapely.points([(p.lng, p.lat) for p in densify(line)])
    assert shapely.contains(polygon, points).all()


@st.composite
def star_polygons(draw: st.DrawFn) -> list[LatLng]:
    """Simple polygons: vertices at increasing azimuths around a centre, any radii."""
    lat, lng = draw(origins)
    count = draw(st.integers(3, 12))
    azimuths = np.sort(
        draw(st.lists(st.floats(0, 359), min_size=count, max_size=count, unique=True))
    )
    gaps = np.diff(np.append(azimuths, azimuths[0] + 360))
    if gaps.max() >= 180 or gaps.min() < 1:  # keep the centre inside and vertices apart
        azimuths = np.linspace(0, 360, count, endpoint=False)
    radii_m = draw(st.lists(st.floats(500, 20_000), min_size=count, max_size=count))
    lons, lats, _ = GEOD.fwd([lng] * count, [lat] * count, azimuths, radii_m)
    return [LatLng(float(a), float(o)) for a, o in zip(lats, lons, strict=True)]


@settings(max_examples=60, deadline=None)
@given(polygon=star_polygons(), shift=st.integers(0, 11))
def test_area_ignores_orientation_and_starting_vertex(polygon: list[LatLng], shift: int) -> None:
    assert polygon_problems(polygon) == ()
    area_m2 = polygon_area_m2(polygon)
    shifted = polygon[shift % len(polygon) :] + polygon[: shift % len(polygon)]
    assert polygon_area_m2(polygon[::-1]) == pytest.approx(area_m2, rel=1e-9)
    assert polygon_area_m2(shifted) == pytest.approx(area_m2, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lng=st.one_of(st.floats(-180, 180), st.floats(170, 180), st.floats(-180, -170)),
    radius_m=st.floats(1, 200_000),
)
def test_the_bounds_shortcut_never_clears_a_circle_that_crosses(lat, lng, radius_m):
    circle = CircleOutline(LatLng(lat, lng), radius_m)
    if shapes._clearly_inside_the_strip(circle):  # then sampling the circle agrees
        with patch.object(shapes, "_clearly_inside_the_strip", return_value=False):
            assert not shapes._circle_crosses_antimeridian(circle)

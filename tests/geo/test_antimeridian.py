"""Regions astride ±180°: cut there, each part valid and inside [-180°, 180°]."""

from __future__ import annotations

import numpy as np
import shapely

from wellclear.geo.antimeridian import onto_the_globe, unwrap_about


def _cut_one(geom: shapely.Geometry) -> shapely.Geometry:
    return onto_the_globe(np.array([geom], dtype=object))[0]


def test_a_region_inside_is_the_same_object():
    inside = shapely.box(170.0, 0.0, 180.0, 1.0)  # touching 180 is not crossing it
    assert _cut_one(inside) is inside


def test_a_region_across_keeps_its_hole_and_its_area():
    ring = shapely.box(179.0, 0.0, 181.0, 2.0).exterior
    hole = shapely.box(179.5, 0.5, 180.5, 1.5).exterior
    cut = _cut_one(shapely.Polygon(ring, [hole]))
    assert cut.is_valid
    assert cut.geom_type == "MultiPolygon"
    assert cut.area == 3.0  # 4 square degrees less the hole's 1
    assert cut.bounds == (-180.0, 0.0, 180.0, 2.0)


def test_a_region_wholly_past_180_comes_back_as_one_polygon():
    cut = _cut_one(shapely.box(180.2, 0.0, 180.4, 1.0))
    assert cut.geom_type == "Polygon"
    assert np.allclose(cut.bounds, (-179.8, 0.0, -179.6, 1.0))


def test_a_vertex_a_rounding_error_past_180_leaves_no_sliver():
    cut = _cut_one(shapely.Polygon([(179.0, 0.0), (180.0 + 1e-12, 0.5), (179.0, 1.0)]))
    assert cut.geom_type == "Polygon"
    assert cut.bounds[2] == 180.0


def test_a_ring_around_a_pole_bounds_a_region_with_the_pole():
    lon = np.linspace(-170.0, 190.0, 37)  # round the pole once, from -170° back to 190°
    around = shapely.Polygon(np.column_stack([lon, np.full_like(lon, 89.0)]))
    region = _cut_one(around)
    assert region.is_valid
    assert region.bounds == (-180.0, 89.0, 180.0, 90.0)
    assert region.area == 360.0  # a degree of latitude all the way round


def test_crossing_edges_near_a_pole_are_made_valid():
    bow_tie = shapely.Polygon([(0.0, 85.0), (40.0, 86.0), (40.0, 85.0), (0.0, 86.0)])
    assert not bow_tie.is_valid
    region = _cut_one(bow_tie)
    assert region.is_valid
    assert region.area > 0


def test_far_from_the_poles_a_region_inside_is_left_as_it_is():
    tilted = shapely.Polygon([(0.0, 70.0), (40.0, 71.0), (40.0, 70.0), (0.0, 71.0)])
    assert _cut_one(tilted) is tilted  # not redrawn: no such edges this far from a pole


def test_unwrap_leaves_near_longitudes_bit_for_bit():
    lon = np.array([179.9, -179.9, 10.0])
    centre = np.array([179.95, 179.95, 10.0])
    unwrapped = unwrap_about(lon, centre)
    assert unwrapped.tolist() == [179.9, 180.1, 10.0]
    assert unwrapped[0] == lon[0]

"""Regions astride ±180°: cut there, each part valid and inside [-180°, 180°]."""

from __future__ import annotations

import numpy as np
import shapely

from wellclear.geo.antimeridian import cut_at_antimeridian, unwrap_about


def _cut_one(geom: shapely.Geometry) -> shapely.Geometry:
    return cut_at_antimeridian(np.array([geom], dtype=object))[0]


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


def test_a_region_around_a_pole_is_wrapped_back_not_cut():
    lon = np.linspace(-170.0, 190.0, 37)
    around = shapely.Polygon(np.column_stack([lon, np.full_like(lon, 89.0)]))
    west, _, east, _ = _cut_one(around).bounds
    assert west >= -180.0
    assert east <= 180.0


def test_unwrap_leaves_near_longitudes_bit_for_bit():
    lon = np.array([179.9, -179.9, 10.0])
    centre = np.array([179.95, 179.95, 10.0])
    unwrapped = unwrap_about(lon, centre)
    assert unwrapped.tolist() == [179.9, 180.1, 10.0]
    assert unwrapped[0] == lon[0]

"""GeoJSON geometries of conflict footprints: RFC 7946 orientation, one at a time or in one
pass over many (the refusal path), with the same answer."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from wellclear.ingest.export import geojson_geometries, geojson_geometry

CLOCKWISE = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
WITH_HOLE = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
TWO_PARTS = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])

GEOMETRIES = [
    pytest.param(box(0, 0, 1, 1), id="square"),
    pytest.param(CLOCKWISE, id="clockwise"),
    pytest.param(WITH_HOLE, id="hole"),
    pytest.param(TWO_PARTS, id="two-parts"),
    pytest.param(Polygon(), id="empty"),
    pytest.param(shapely.Point(3, 4).buffer(2.0, quad_segs=8), id="disc"),
]


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_exteriors_counter_clockwise_holes_clockwise_rings_closed(geometry):
    written = geojson_geometry(geometry)
    polygons = [written["coordinates"]] if written["type"] == "Polygon" else written["coordinates"]
    for rings in polygons:
        for number, ring in enumerate(rings):
            if not ring:
                continue
            assert ring[0] == ring[-1]
            assert shapely.LinearRing(ring).is_ccw == (number == 0)


def test_many_at_once_equal_each_alone_in_order():
    geometries = [p.values[0] for p in GEOMETRIES] * 2
    assert geojson_geometries(geometries) == [geojson_geometry(g) for g in geometries]
    assert geojson_geometries([]) == []

"""The cell index is complete: extents closer than the sum of their dilations share a cell
at the coarser of their home resolutions (the store's broad phase relies on it)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from unittest import mock

import h3
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from wellclear.model import CircleOutline, LatLng, PolygonOutline, Volume4D
from wellclear.store import cells as cell_index
from wellclear.store.cells import LEVELS, PAD_EDGES, TARGET_CELLS, CoverError, cover_extent
from wellclear.strategic.distance import distance_m

WGS84 = Geod(ellps="WGS84")
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)


def at(origin: LatLng, azimuth_deg: float, distance: float) -> LatLng:
    lng, lat, _ = WGS84.fwd(origin.lng, origin.lat, azimuth_deg, distance)
    return LatLng(lat, lng)


def volume(outline) -> Volume4D:
    return Volume4D(outline, 0.0, 100.0, START, END)


@st.composite
def outlines(draw, origin: LatLng):
    centre = at(origin, draw(st.floats(0, 360)), draw(st.floats(0, 30_000)))
    if draw(st.booleans()):
        return CircleOutline(centre, draw(st.floats(1, 20_000)))
    reach = draw(st.floats(5, 25_000))
    thin = draw(st.floats(0.01, 1.0))  # long thin quadrilaterals as well as squares
    azimuths = (0, 90, 180, 270)
    reaches = (reach, reach * thin, reach, reach * thin)
    return PolygonOutline(tuple(at(centre, a, r) for a, r in zip(azimuths, reaches, strict=True)))


ORIGINS = st.sampled_from([LatLng(36.2, 37.1), LatLng(0.0, 0.0), LatLng(-33.9, 151.2),
                           LatLng(64.1, -21.9), LatLng(58.0, 10.0)])  # fmt: skip


CENTRE_TO_POINT_EDGES = 1.11
"""How far (in average edge lengths of its resolution) an H3 cell's centre may lie from any
of its points: the bound the cover's padding rests on (``store/cells.py``, point 3)."""


@pytest.mark.parametrize("resolution", LEVELS)
def test_no_cell_point_is_farther_from_its_centre_than_the_padding_allows(resolution):
    """Cells around all twelve pentagons (the most distorted) and spread over the sphere: the
    farthest point of a cell from its centre is a vertex (its sides are great-circle arcs)."""
    cells = {c for p in h3.get_pentagons(resolution) for c in h3.grid_disk(p, 12)}
    rng = random.Random(resolution)
    cells |= {
        h3.latlng_to_cell(math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180),
                          resolution)
        for _ in range(4_000)
    }  # fmt: skip
    centre_lat, centre_lng, vertex_lat, vertex_lng = [], [], [], []
    for cell in cells:
        lat, lng = h3.cell_to_latlng(cell)
        for vlat, vlng in h3.cell_to_boundary(cell):
            centre_lat.append(lat)
            centre_lng.append(lng)
            vertex_lat.append(vlat)
            vertex_lng.append(vlng)
    _, _, reach_m = WGS84.inv(centre_lng, centre_lat, vertex_lng, vertex_lat)
    ratio = max(reach_m) / h3.average_hexagon_edge_length(resolution, unit="m")
    assert 1.09 < ratio <= CENTRE_TO_POINT_EDGES < PAD_EDGES - 0.3


TARGETS = st.sampled_from([TARGET_CELLS, 200])  # today's, and the one older covers were made with


def cover_with_target(outline, dilation_m: float, target_cells: int):
    """The cover as computed when ``TARGET_CELLS`` was ``target_cells``: intents indexed
    before it went from 200 to 10 keep their finer homes until ``db reindex``."""
    with mock.patch.object(cell_index, "TARGET_CELLS", target_cells):
        return cover_extent(volume(outline), dilation_m)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), origin=ORIGINS, dilations=st.tuples(st.sampled_from([0.0, 500.0, 4_630.0]),
       st.sampled_from([0.0, 1_000.0, 4_630.0])),
       targets=st.tuples(TARGETS, TARGETS))  # fmt: skip
def test_close_extents_share_a_cell(data, origin, dilations, targets):
    a, b = data.draw(outlines(origin)), data.draw(outlines(origin))
    gap_m = distance_m(a, b)
    if gap_m >= sum(dilations):
        return
    cover_a = cover_with_target(a, dilations[0], targets[0])
    cover_b = cover_with_target(b, dilations[1], targets[1])
    shared_resolution = min(cover_a.home_resolution, cover_b.home_resolution)
    assert cover_a.cells[shared_resolution] & cover_b.cells[shared_resolution]
    assert cover_a.lock_cells & cover_b.lock_cells


@pytest.mark.parametrize(
    ("outline", "dilation_m", "home"),
    [
        (CircleOutline(LatLng(36.2, 37.1), 1.0), 0.0, 9),
        (CircleOutline(LatLng(36.2, 37.1), 50.0), 50.0, 9),
        (CircleOutline(LatLng(36.2, 37.1), 50.0), 500.0, 7),
        (CircleOutline(LatLng(36.2, 37.1), 1_000.0), 4_630.0, 5),
        (CircleOutline(LatLng(36.2, 37.1), 28_000.0), 4_630.0, 5),  # ~2,500 km², the limit
    ],
)
def test_home_resolution_keeps_cells_bounded(outline, dilation_m, home):
    cover = cover_extent(volume(outline), dilation_m)
    assert cover.home_resolution == home
    assert all(
        h3.get_resolution(h3.int_to_str(c)) == r for r, cs in cover.cells.items() for c in cs
    )
    assert 1 <= len(cover.home_cells) <= 400
    assert set(cover.cells) == {r for r in LEVELS if r <= home}


@pytest.mark.parametrize(
    "outline",
    [CircleOutline(LatLng(0.0, 179.99), 5_000.0), CircleOutline(LatLng(89.0, 0.0), 1_000.0)],
)
def test_antimeridian_and_poles_are_refused_not_missed(outline):
    with pytest.raises(CoverError):
        cover_extent(volume(outline), 4_630.0)


@settings(max_examples=200, deadline=None)
@given(
    centre=st.builds(LatLng, st.floats(-80, 80), st.floats(-170, 170)),
    radius_m=st.floats(1, 20_000),
    dilation_m=st.sampled_from([0.0, 500.0, 4_630.0, 9_260.0]),
)
def test_a_circle_cover_holds_every_cell_within_its_dilated_radius(centre, radius_m, dilation_m):
    """Directly: at each indexed level, every cell with a point within radius + dilation of
    the centre (geodesic, WGS84) is in the cover."""
    cover = cover_extent(volume(CircleOutline(centre, radius_m)), dilation_m)
    reach_m = radius_m + dilation_m
    for resolution, cells in cover.cells.items():
        origin = h3.latlng_to_cell(centre.lat, centre.lng, resolution)
        edge_m = h3.average_hexagon_edge_length(resolution, unit="m")
        nearby = h3.grid_disk(origin, int(reach_m / edge_m) + 3)
        lats, lngs, owners = [], [], []
        for cell in nearby:
            ring = h3.cell_to_boundary(cell)
            for (lat1, lng1), (lat2, lng2) in zip(ring, ring[1:] + ring[:1], strict=True):
                for t in (0.0, 0.25, 0.5, 0.75):  # sides sampled; the cell's centre too
                    lats.append(lat1 + (lat2 - lat1) * t)
                    lngs.append(lng1 + (lng2 - lng1) * t)
                    owners.append(cell)
            lat, lng = h3.cell_to_latlng(cell)
            lats.append(lat)
            lngs.append(lng)
            owners.append(cell)
        _, _, distances = WGS84.inv([centre.lng] * len(lats), [centre.lat] * len(lats), lngs, lats)
        near = {h3.str_to_int(owner) for owner, d in zip(owners, distances, strict=True)
                if d <= reach_m}  # fmt: skip
        assert near <= cells, f"level {resolution}: {len(near - cells)} near cells not covered"


@st.composite
def polygons(draw, origin: LatLng):
    """Convex kites, long thin ones, and concave darts (one vertex pulled inside)."""
    centre = at(origin, draw(st.floats(0, 360)), draw(st.floats(0, 20_000)))
    reach = draw(st.floats(50, 15_000))
    turn = draw(st.floats(0, 90))
    if draw(st.booleans()):
        thin = draw(st.floats(0.02, 1.0))
        azimuths, reaches = (0, 90, 180, 270), (reach, reach * thin, reach, reach * thin)
    else:
        azimuths, reaches = (0, 120, 180, 240), (reach, reach, reach * 0.2, reach)
    return PolygonOutline(tuple(at(centre, a + turn, r) for a, r in zip(azimuths, reaches,
                                                                     strict=True)))  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), origin=ORIGINS, dilation_m=st.sampled_from([0.0, 500.0, 4_630.0]))
def test_a_polygon_cover_holds_every_cell_within_its_dilation(data, origin, dilation_m):
    """Directly, without the ring of neighbours the cover once added: at each indexed level,
    every cell with a sampled point within the dilation of the polygon is in the cover.
    Distances are taken in PROJ's azimuthal-equidistant frame about the polygon, which never
    shortens them, to its geodesic edges densified every 100 m (less 25 m for the chords)."""
    outline = data.draw(polygons(origin))
    cover = cover_extent(volume(outline), dilation_m)
    lats = [v.lat for v in outline.vertices]
    lngs = [v.lng for v in outline.vertices]
    lat0, lng0 = sum(lats) / len(lats), sum(lngs) / len(lngs)
    frame = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lng0} +ellps=WGS84", always_xy=True
    )
    ring_lng, ring_lat = [], []
    corners = list(zip(lngs, lats, strict=True))
    for (lng1, lat1), (lng2, lat2) in zip(corners, [*corners[1:], corners[0]], strict=True):
        _, _, edge_m = WGS84.inv(lng1, lat1, lng2, lat2)
        between = WGS84.npts(lng1, lat1, lng2, lat2, int(edge_m // 100)) if edge_m > 200 else []
        ring_lng += [lng1, *(p[0] for p in between)]
        ring_lat += [lat1, *(p[1] for p in between)]
    footprint = shapely.Polygon(np.column_stack(frame.transform(ring_lng, ring_lat)))
    reach_m = max(WGS84.inv([lng0] * len(lats), [lat0] * len(lats), lngs, lats)[2])
    for resolution, cells in cover.cells.items():
        edge_m = h3.average_hexagon_edge_length(resolution, unit="m")
        origin_cell = h3.latlng_to_cell(lat0, lng0, resolution)
        nearby = h3.grid_disk(origin_cell, int((reach_m + dilation_m) / edge_m) + 3)
        points_lat, points_lng, owners = [], [], []
        for cell in nearby:
            ring = h3.cell_to_boundary(cell)
            for (a_lat, a_lng), (b_lat, b_lng) in zip(ring, ring[1:] + ring[:1], strict=True):
                for t in (0.0, 0.25, 0.5, 0.75):
                    points_lat.append(a_lat + (b_lat - a_lat) * t)
                    points_lng.append(a_lng + (b_lng - a_lng) * t)
                    owners.append(cell)
        x, y = frame.transform(points_lng, points_lat)
        gaps = shapely.distance(shapely.points(np.column_stack([x, y])), footprint)
        near = {h3.str_to_int(owner) for owner, gap in zip(owners, gaps, strict=True)
                if gap <= max(dilation_m - 25.0, 0.0)}  # fmt: skip
        assert near <= cells, f"level {resolution}: {len(near - cells)} near cells not covered"


@pytest.mark.parametrize("latitude", [0.5, 35.0, 60.0, 84.0, -84.0])
@pytest.mark.parametrize(("radius_m", "dilation_m"), [(800.0, 4_630.0), (15_000.0, 9_260.0)])
def test_a_disc_polygon_side_read_straight_in_lat_lng_stays_within_the_shift_allowed(
    latitude, radius_m, dilation_m
):
    """Point 2 measured: the middle of each side as H3 reads it (straight in latitude and
    longitude) is within ``SIDE_SHIFT_M`` of the middle of the geodesic side."""
    framed = cell_index._in_frame(volume(CircleOutline(LatLng(latitude, 20.0), radius_m)),
                                  dilation_m)  # fmt: skip
    worst = 0.0
    for resolution in LEVELS:
        (ring,) = cell_index._padded_rings(framed, resolution)
        lon0, lat0 = np.full(len(ring), framed.lon0), np.full(len(ring), framed.lat0)
        lng, lat = cell_index.from_frame(lon0, lat0, ring[:, 0], ring[:, 1])
        following = np.roll(np.arange(len(ring)), -1)
        azimuth, _, length = WGS84.inv(lng, lat, lng[following], lat[following])
        middle_lng, middle_lat, _ = WGS84.fwd(lng, lat, azimuth, length / 2)
        _, _, shift = WGS84.inv(middle_lng, middle_lat, (lng + lng[following]) / 2,
                                (lat + lat[following]) / 2)  # fmt: skip
        worst = max(worst, float(np.max(shift)))
    assert worst <= cell_index.SIDE_SHIFT_M, f"{worst:.2f} m"

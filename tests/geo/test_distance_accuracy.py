"""Engine distances against pyproj.Geod brute force: within 0.1 % or 1 m, up to 1,000 km."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from wellclear.model import CircleOutline, LatLng, PolygonOutline
from wellclear.strategic.distance import distance_m

WGS84 = Geod(ellps="WGS84")
SAMPLE_STEP_M = 20.0


def offset(origin: LatLng, azimuth_deg: float, distance: float) -> LatLng:
    lng, lat, _ = WGS84.fwd(origin.lng, origin.lat, azimuth_deg, distance)
    return LatLng(lat, lng)


def brute_force_m(polygon: PolygonOutline, disc: CircleOutline) -> float:
    """Min geodesic distance from the disc to points sampled every 20 m along geodesic edges."""
    best = np.inf
    ring = list(polygon.vertices)
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        length = WGS84.inv(a.lng, a.lat, b.lng, b.lat)[2]
        inner = WGS84.npts(a.lng, a.lat, b.lng, b.lat, max(int(length / SAMPLE_STEP_M), 1))
        lng = np.array([a.lng, *(p[0] for p in inner), b.lng])
        lat = np.array([a.lat, *(p[1] for p in inner), b.lat])
        centre = disc.center
        _, _, d = WGS84.inv(np.full_like(lng, centre.lng), np.full_like(lat, centre.lat), lng, lat)
        best = min(best, float(np.min(d)))
    return max(best - disc.radius_m, 0.0)


@settings(max_examples=25, deadline=None)
@given(
    lat=st.floats(-70, 70),
    lng=st.floats(-170, 170),
    away_m=st.floats(2_000, 1_000_000),
    bearing=st.floats(0, 360),
    half_side_m=st.floats(500, 20_000),
    radius_m=st.floats(10, 5_000),
)
def test_polygon_to_disc_distance_matches_geod(lat, lng, away_m, bearing, half_side_m, radius_m):
    centre = LatLng(lat, lng)
    square = PolygonOutline(
        tuple(offset(centre, az, half_side_m * 2**0.5) for az in (45, 135, 225, 315))
    )
    disc = CircleOutline(offset(centre, bearing, away_m + half_side_m * 1.5 + radius_m), radius_m)
    expected = brute_force_m(square, disc)
    tolerance = max(1.0, 0.001 * expected)
    assert abs(distance_m(square, disc) - expected) < tolerance


def test_long_edge_is_a_geodesic_not_a_straight_lon_lat_line():
    """A 100 km east-west edge at 36°N bulges ~140 m poleward of the lon/lat straight line."""
    west, east = LatLng(36.0, 37.0), LatLng(36.0, 38.1)
    polygon = PolygonOutline((west, east, LatLng(35.5, 37.55)))
    mid_lng, mid_lat, _ = WGS84.fwd(37.55, 36.0, 0.0, 2_000.0)
    probe = CircleOutline(LatLng(mid_lat, mid_lng), 1.0)
    geodesic_mid = WGS84.npts(west.lng, west.lat, east.lng, east.lat, 1)[0]
    expected = WGS84.inv(mid_lng, mid_lat, *geodesic_mid)[2] - 1.0
    assert abs(distance_m(polygon, probe) - expected) < 1.0
    assert expected < 2_000.0 - 100.0  # the geodesic edge is well north of 36°N

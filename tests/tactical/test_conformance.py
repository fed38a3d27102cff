"""Conformance and incursion rules, one table row per case; geodesic distances vs pyproj."""

# ruff: noqa: E501  (table rows stay one per line, so each case reads as one row)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pyproj import Geod

from wellclear.model import (
    CircleOutline,
    Intent,
    Kind,
    LatLng,
    PolygonOutline,
    State,
    Volume4D,
)
from wellclear.tactical.conformance import (
    Deviation,
    Monitored,
    Positions,
    Tolerance,
    incursions,
    nonconforming,
)

GEOD = Geod(ellps="WGS84")
T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
NOW_S = (T0 + timedelta(minutes=30)).timestamp()

# A flight box with one long edge: 100 km along the geodesic from SW to SE at 36°N, where a
# straight lon/lat edge would lie ~140 m off the geodesic one.
SW, SE = LatLng(36.0, 37.0), LatLng(36.0, 38.1126)
NE, NW = LatLng(36.3, 38.1126), LatLng(36.3, 37.0)
BOX = PolygonOutline((SW, SE, NE, NW))
FLIGHT = Intent(
    "blue-1",
    "blue",
    Kind.FLIGHT,
    (Volume4D(BOX, 1_000.0, 2_000.0, T0, T0 + timedelta(hours=1)),),
    tracks=("4CA2D6", "klm12"),
)
HOSPITAL = CircleOutline(LatLng(35.5, 37.5), 2_000.0)  # a red site, open-ended, 0-500 m
SITE = Intent("red-h", "red", Kind.SITE, (Volume4D(HOSPITAL, 0.0, 500.0, T0, None),))
DEPOT = CircleOutline(LatLng(35.6, 37.5), 1_000.0)  # a blue site
OWN_SITE = Intent("blue-d", "blue", Kind.SITE, (Volume4D(DEPOT, 0.0, 3_000.0, T0, None),))
MONITORED = Monitored.of([FLIGHT, SITE, OWN_SITE])


def edge_point(outside_m: float) -> tuple[float, float]:
    """Lat, lon ``outside_m`` south of the middle of the long geodesic edge SW-SE."""
    azimuth, _, length = GEOD.inv(SW.lng, SW.lat, SE.lng, SE.lat)
    lon, lat, back = GEOD.fwd(SW.lng, SW.lat, azimuth, length / 2)
    lon, lat, _ = GEOD.fwd(lon, lat, back - 90.0, outside_m)  # right of eastbound: south
    return lat, lon


def from_centre(circle: CircleOutline, distance_m: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(circle.center.lng, circle.center.lat, 33.0, distance_m)
    return lat, lon


def positions(*tracks: tuple[str, str, tuple[float, float], float]) -> Positions:
    return Positions(
        ids=tuple(t[0] for t in tracks),
        callsigns=tuple(t[1] for t in tracks),
        lat_deg=np.array([t[2][0] for t in tracks], dtype=np.float64),
        lon_deg=np.array([t[2][1] for t in tracks], dtype=np.float64),
        alt_m=np.array([t[3] for t in tracks], dtype=np.float64),
    )


INSIDE = (36.15, 37.5)

# case, track id, callsign, position, altitude m, seconds after NOW_S, expected reason
CONFORMANCE = [
    ("inside", "4CA2D6", "", INSIDE, 1_500.0, 0.0, None),
    ("on the edge", "4CA2D6", "", edge_point(0.0), 1_500.0, 0.0, None),
    ("out by less than tolerance", "4CA2D6", "", edge_point(90.0), 1_500.0, 0.0, None),
    ("out by more than tolerance", "4CA2D6", "", edge_point(110.0), 1_500.0, 0.0, Deviation.HORIZONTAL),
    ("far away", "4CA2D6", "", (30.0, 30.0), 1_500.0, 0.0, Deviation.HORIZONTAL),
    ("tied by callsign", "AAAAAA", "KLM12", edge_point(500.0), 1_500.0, 0.0, Deviation.HORIZONTAL),
    ("above by less than tolerance", "4CA2D6", "", INSIDE, 2_030.0, 0.0, None),
    ("above by more than tolerance", "4CA2D6", "", INSIDE, 2_031.0, 0.0, Deviation.VERTICAL),
    ("below the floor", "4CA2D6", "", INSIDE, 900.0, 0.0, Deviation.VERTICAL),
    ("at the end of the window", "4CA2D6", "", INSIDE, 1_500.0, 1_800.0, None),
    ("after the window", "4CA2D6", "", INSIDE, 1_500.0, 1_801.0, Deviation.TIME),
    ("before the window", "4CA2D6", "", INSIDE, 1_500.0, -1_801.0, Deviation.TIME),
    ("time before space", "4CA2D6", "", (30.0, 30.0), 5_000.0, 7_200.0, Deviation.TIME),
    ("untied track anywhere", "ABCDEF", "DLH9", (30.0, 30.0), 9_000.0, 0.0, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ident", "callsign", "where", "alt_m", "later_s", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in CONFORMANCE],
)
def test_conformance(
    ident: str,
    callsign: str,
    where: tuple[float, float],
    alt_m: float,
    later_s: float,
    expected: Deviation | None,
) -> None:
    found = nonconforming(MONITORED, positions((ident, callsign, where, alt_m)), NOW_S + later_s)
    assert found.reasons() == ([] if expected is None else [expected])
    if expected is not None:
        assert (found.track.tolist(), found.intent.tolist()) == ([0], [0])


@pytest.mark.parametrize("outside_m", [20.0, 150.0, 1_000.0])
def test_distance_to_a_long_geodesic_edge_is_geodesic(outside_m: float) -> None:
    found = nonconforming(
        MONITORED, positions(("4CA2D6", "", edge_point(outside_m), 1_500.0)), NOW_S, Tolerance(0.0)
    )
    assert found.horizontal_m[0] == pytest.approx(outside_m, abs=0.05)


def test_distance_to_a_circle_is_to_the_exact_geodesic_disc() -> None:
    flying = Intent(
        "c", "blue", Kind.FLIGHT, (Volume4D(HOSPITAL, 0, 100, T0, None),), tracks=("A",)
    )
    where = from_centre(HOSPITAL, 2_123.4)
    found = nonconforming(Monitored.of([flying]), positions(("A", "", where, 50.0)), NOW_S)
    assert found.horizontal_m[0] == pytest.approx(123.4, abs=1e-3)


def test_conforming_to_any_of_several_intents() -> None:
    elsewhere = Intent(
        "blue-2",
        "blue",
        Kind.OPERATION,
        (Volume4D(HOSPITAL, 0, 100, T0, None),),
        tracks=("4CA2D6",),
    )
    watch = Monitored.of([FLIGHT, elsewhere])
    near_hospital = from_centre(HOSPITAL, 1_000.0)
    assert (
        nonconforming(watch, positions(("4CA2D6", "", near_hospital, 50.0)), NOW_S).track.size == 0
    )
    assert nonconforming(watch, positions(("4CA2D6", "", INSIDE, 1_500.0)), NOW_S).track.size == 0
    lost = nonconforming(watch, positions(("4CA2D6", "", near_hospital, 1_500.0)), NOW_S)
    assert lost.reasons() == [Deviation.VERTICAL]  # the hospital disc is nearest horizontally
    assert lost.intent.tolist() == [1]


def test_ended_intents_are_not_monitored() -> None:
    ended = Intent(FLIGHT.id, "blue", Kind.FLIGHT, FLIGHT.extents, state=State.ENDED, tracks=("A",))
    closed = Intent("x", "red", Kind.SITE, SITE.extents, state=State.ENDED)
    watch = Monitored.of([ended, closed])
    where = positions(("A", "", from_centre(HOSPITAL, 0.0), 100.0))
    assert nonconforming(watch, where, NOW_S).track.size == 0
    assert incursions(watch, where, NOW_S).track.size == 0


# case, track id, position, altitude m, seconds after NOW_S, expected (intent id) or None
INCURSIONS = [
    ("inside a site", "ABCDEF", from_centre(HOSPITAL, 1_990.0), 100.0, 0.0, "red-h"),
    ("just outside a site", "ABCDEF", from_centre(HOSPITAL, 2_010.0), 100.0, 0.0, None),
    ("above a site", "ABCDEF", from_centre(HOSPITAL, 10.0), 501.0, 0.0, None),
    ("on the site's ceiling", "ABCDEF", from_centre(HOSPITAL, 10.0), 500.0, 0.0, "red-h"),
    ("before the site opens", "ABCDEF", from_centre(HOSPITAL, 10.0), 100.0, -1_801.0, None),
    ("open-ended site years later", "ABCDEF", from_centre(HOSPITAL, 10.0), 100.0, 1e8, "red-h"),
    ("untied track in a blue site", "ABCDEF", from_centre(DEPOT, 10.0), 100.0, 0.0, "blue-d"),
    ("own party's site", "4CA2D6", from_centre(DEPOT, 10.0), 100.0, 0.0, None),
    ("other party's site", "4CA2D6", from_centre(HOSPITAL, 10.0), 100.0, 0.0, "red-h"),
    ("inside a flight only", "ABCDEF", INSIDE, 1_500.0, 0.0, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ident", "where", "alt_m", "later_s", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in INCURSIONS],
)
def test_incursion(
    ident: str, where: tuple[float, float], alt_m: float, later_s: float, expected: str | None
) -> None:
    found = incursions(MONITORED, positions((ident, "", where, alt_m)), NOW_S + later_s)
    assert [MONITORED.intents[k].id for k in found.intent.tolist()] == (
        [] if expected is None else [expected]
    )


def test_restriction_polygon_incursion_depth() -> None:
    keep_out = Intent("red-r", "red", Kind.RESTRICTION, (Volume4D(BOX, 0, 20_000, T0, None),))
    watch = Monitored.of([keep_out])
    inside_edge = edge_point(-250.0)
    found = incursions(watch, positions(("ABCDEF", "", inside_edge, 9_000.0)), NOW_S)
    assert found.depth_m[0] == pytest.approx(250.0, abs=0.05)
    assert incursions(watch, positions(("ABCDEF", "", edge_point(5.0), 9e3)), NOW_S).track.size == 0


def test_many_tracks_match_one_by_one() -> None:
    rng = np.random.default_rng(3)
    n = 400
    centre = rng.choice([35.5, 35.6], n)  # around the hospital and the depot
    lat = centre + rng.uniform(-0.03, 0.03, n)
    lon = 37.5 + rng.uniform(-0.03, 0.03, n)
    alt = rng.uniform(0.0, 2_500.0, n)
    ids = tuple(("4CA2D6" if k % 3 else f"{k:06X}") for k in range(n))
    many = Positions(ids, ("",) * n, lat, lon, alt)
    batch = incursions(MONITORED, many, NOW_S)

    def one(k: int) -> Positions:
        return Positions(ids[k : k + 1], ("",), lat[k : k + 1], lon[k : k + 1], alt[k : k + 1])

    alone = [k for k in range(n) if incursions(MONITORED, one(k), NOW_S).track.size]
    assert sorted(set(batch.track.tolist())) == alone
    assert 0 < len(alone) < n
    off = nonconforming(MONITORED, many, NOW_S)
    assert set(off.track.tolist()) <= {k for k in range(n) if k % 3}

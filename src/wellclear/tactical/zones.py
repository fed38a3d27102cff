"""Intent extents as columns, and geodesic signed distances from track positions to them.

Where a track is relative to a 4D extent: how far outside its footprint (negative: how
deep inside), above or below its altitude band, and before or after its time window.

Horizontal distances are geodesic on WGS84. Circles are exact geodesic discs: the
distance to a disc is the geodesic distance to its centre less its radius. A polygon is
measured in the azimuthal-equidistant frame centred at the track's own position
(``geo.frames``): distances from the frame centre are exact geodesic distances, so the
nearest point of the outline in the frame is at its true distance. Polygon edges are
geodesics (F3548), densified every ``DENSIFY_STEP_M`` so that frame chords follow them to
centimetres for tracks within a few hundred kilometres.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely

from wellclear.geo.frames import densify_rings, geodesic_m, to_frame
from wellclear.model import CircleOutline, Intent, Kind, PolygonOutline, Volume4D
from wellclear.tactical.states import BoolArray, FloatArray, IntArray

DENSIFY_STEP_M = 10_000.0
KINDS: tuple[Kind, ...] = tuple(Kind)
_MEAN_RADIUS_M = 6_371_008.8
_SPHERE_SLACK = 0.99  # the mean sphere is within 0.7 % of WGS84 geodesics
_METRES_PER_DEGREE_MIN = 110_000.0  # shortest degree of latitude is 110,574 m


class ExtentColumns(NamedTuple):
    """One row per extent of the given intents; polygon rings flat, delimited by offsets.

    Circles keep one ring vertex, their centre, and ``radius_m > 0``; polygons have
    ``radius_m == 0``. ``reach_m`` bounds the distance from the centre to the footprint.
    """

    intent: IntArray  # position of the intent in the sequence given
    number: IntArray  # the extent's position in its intent
    kind: IntArray  # index into KINDS
    start_s: FloatArray
    end_s: FloatArray  # +inf when open-ended
    floor_m: FloatArray
    ceiling_m: FloatArray
    radius_m: FloatArray
    center_lon: FloatArray
    center_lat: FloatArray
    reach_m: FloatArray
    ring_offsets: IntArray
    ring_lon: FloatArray
    ring_lat: FloatArray

    @property
    def size(self) -> int:
        return int(self.intent.shape[0])


def _ring(extent: Volume4D) -> tuple[list[float], list[float], float]:
    outline = extent.outline
    if isinstance(outline, CircleOutline):
        return [outline.center.lng], [outline.center.lat], outline.radius_m
    assert isinstance(outline, PolygonOutline)
    return [v.lng for v in outline.vertices], [v.lat for v in outline.vertices], 0.0


def extent_columns(intents: Sequence[Intent]) -> ExtentColumns:
    """Flatten every extent of ``intents`` into columns.

    >>> from datetime import UTC, datetime
    >>> from wellclear.model import LatLng
    >>> disc = CircleOutline(LatLng(36.2, 37.1), 500.0)
    >>> start = datetime(2026, 5, 1, tzinfo=UTC)
    >>> site = Intent("h1", "un", Kind.SITE, (Volume4D(disc, 0.0, 100.0, start, None),))
    >>> cols = extent_columns([site])
    >>> cols.size, KINDS[int(cols.kind[0])].value, float(cols.end_s[0])
    (1, 'site', inf)
    >>> round(float(cols.reach_m[0]), 3)  # radius, plus a metre of slack
    501.0
    """
    rows: list[tuple[int, int, int, float, float, float, float, float]] = []
    lons: list[float] = []
    lats: list[float] = []
    counts: list[int] = []
    for position, each in enumerate(intents):
        for place, extent in enumerate(each.extents):
            lon, lat, radius_m = _ring(extent)
            lons += lon
            lats += lat
            counts.append(len(lon))
            rows.append((position, place, KINDS.index(each.kind), extent.start_s,
                         extent.end_s, extent.floor_m, extent.ceiling_m, radius_m))  # fmt: skip
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
    offsets, ring_lon, ring_lat = densify_rings(
        offsets, np.asarray(lons, np.float64), np.asarray(lats, np.float64), DENSIFY_STEP_M
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    intent, number, kind = (np.asarray(c, dtype=np.intp) for c in columns[:3])
    start, end, floor, ceiling, radius = (np.asarray(c, dtype=np.float64) for c in columns[3:])
    center_lon, center_lat, reach = _centres(offsets, ring_lon, ring_lat, radius)
    return ExtentColumns(intent, number, kind, start, end, floor, ceiling, radius,
                         center_lon, center_lat, reach, offsets.astype(np.intp), ring_lon,
                         ring_lat)  # fmt: skip


def _centres(
    offsets: IntArray, ring_lon: FloatArray, ring_lat: FloatArray, radius_m: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vertex-mean centres (longitudes unwrapped about the first vertex) and reaches."""
    n = offsets.shape[0] - 1
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    counts = np.diff(offsets)
    owner = np.repeat(np.arange(n), counts)
    first = ring_lon[offsets[:-1]][owner]
    unwrapped = first + (ring_lon - first + 180.0) % 360.0 - 180.0
    center_lon = (np.bincount(owner, unwrapped, n) / counts + 180.0) % 360.0 - 180.0
    center_lat = np.bincount(owner, ring_lat, n) / counts
    to_vertex = geodesic_m(center_lon[owner], center_lat[owner], ring_lon, ring_lat)
    reach = np.zeros(n)
    np.maximum.at(reach, owner, to_vertex)
    return center_lon, center_lat, reach + radius_m + 1.0


def sphere_distance_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Haversine distance on the mean sphere (for conservative screens only)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * _MEAN_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))))


def near_pairs(
    columns: ExtentColumns,
    rows: IntArray,
    lat_deg: FloatArray,
    lon_deg: FloatArray,
    margin_m: float,
) -> tuple[IntArray, IntArray]:
    """(track, row) pairs whose track may lie within ``margin_m`` of the row's footprint.

    Tracks are swept by latitude against each row's bounding disc, then screened on the
    sphere; work follows the tracks in each row's latitude band, never tracks × rows.
    """
    order = np.argsort(lat_deg, kind="stable")
    sorted_lat = lat_deg[order]
    reach_deg = (columns.reach_m[rows] + margin_m) / _METRES_PER_DEGREE_MIN
    lo = np.searchsorted(sorted_lat, columns.center_lat[rows] - reach_deg, side="left")
    hi = np.searchsorted(sorted_lat, columns.center_lat[rows] + reach_deg, side="right")
    counts = hi - lo
    row = np.repeat(rows, counts)
    start = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    track = order[np.arange(row.shape[0]) + start]
    gap_m = _SPHERE_SLACK * sphere_distance_m(
        columns.center_lon[row], columns.center_lat[row], lon_deg[track], lat_deg[track]
    )
    keep = gap_m - columns.reach_m[row] <= margin_m
    return track[keep].astype(np.intp), row[keep].astype(np.intp)


def signed_distance_m(
    columns: ExtentColumns, rows: IntArray, lat_deg: FloatArray, lon_deg: FloatArray
) -> FloatArray:
    """Geodesic distance from each point to the footprint of its row; negative inside.

    >>> from datetime import UTC, datetime
    >>> from wellclear.model import LatLng
    >>> start = datetime(2026, 5, 1, tzinfo=UTC)
    >>> square = PolygonOutline((LatLng(0, 0), LatLng(0, 1), LatLng(1, 1), LatLng(1, 0)))
    >>> disc = CircleOutline(LatLng(0.0, 0.0), 1_000.0)
    >>> cols = extent_columns([Intent("a", "p", Kind.SITE, (
    ...     Volume4D(square, 0.0, 100.0, start, None), Volume4D(disc, 0.0, 100.0, start, None)))])
    >>> d = signed_distance_m(cols, np.array([0, 0, 1]), np.array([0.5, -0.01, 0.0]),
    ...                       np.array([0.5, 0.5, 0.01]))
    >>> [round(float(x), 1) for x in d]  # inside, 1,105.7 m south, 113.2 m outside the disc
    [-55287.2, 1105.7, 113.2]
    """
    result = np.empty(rows.shape[0])
    disc = columns.radius_m[rows] > 0
    if disc.any():
        r = rows[disc]
        centre_m = geodesic_m(columns.center_lon[r], columns.center_lat[r], lon_deg[disc],
                              lat_deg[disc])  # fmt: skip
        result[disc] = centre_m - columns.radius_m[r]
    if (~disc).any():
        result[~disc] = _polygon_distance_m(columns, rows[~disc], lat_deg[~disc], lon_deg[~disc])
    return result


def _polygon_distance_m(
    columns: ExtentColumns, rows: IntArray, lat_deg: FloatArray, lon_deg: FloatArray
) -> FloatArray:
    starts, ends = columns.ring_offsets[rows], columns.ring_offsets[rows + 1]
    counts = ends - starts
    owner = np.repeat(np.arange(rows.shape[0]), counts)
    vertex = np.arange(owner.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    vertex += np.repeat(starts, counts)
    x, y = to_frame(lon_deg[owner], lat_deg[owner], columns.ring_lon[vertex],
                    columns.ring_lat[vertex])  # fmt: skip
    rings = shapely.linearrings(np.stack([x, y], axis=1), indices=owner)
    polygons = shapely.polygons(rings)
    origin = shapely.points(np.zeros((rows.shape[0], 2)))
    edge_m = np.asarray(shapely.distance(rings, origin), dtype=np.float64)
    inside: BoolArray = shapely.contains_xy(polygons, 0.0, 0.0)
    return np.where(inside, -edge_m, edge_m)


def vertical_outside_m(columns: ExtentColumns, rows: IntArray, alt_m: FloatArray) -> FloatArray:
    """How far each altitude is below the floor or above the ceiling of its row (0 within)."""
    below = columns.floor_m[rows] - alt_m
    above = alt_m - columns.ceiling_m[rows]
    return np.maximum(np.maximum(below, above), 0.0)


def time_outside_s(columns: ExtentColumns, rows: IntArray, now_s: float) -> FloatArray:
    """How long before the start or after the end of its row's window ``now_s`` is (0 within)."""
    before = columns.start_s[rows] - now_s
    after = now_s - columns.end_s[rows]
    return np.maximum(np.maximum(before, after), 0.0)

"""Exact phase: geodesic-accurate horizontal tests and conflict footprints for extent pairs.

Each pair is measured in its own azimuthal-equidistant frame (``geo.frames``), which never
shortens distances and stretches them by at most ``frame_stretch(ρ)``. Pairs that the first
frame cannot decide are measured again in a frame centred between the nearest points found,
and their distance is then the geodesic between those two points of the shapes: an upper
bound of the true distance, too long by at most the stretch at the true nearest points
(below 1e-6 of the distance for separations up to 100 km).

Circles are exact geodesic discs: the distance to a disc is the distance to its centre less
its radius, so a pair of discs is measured by the geodesic between their centres alone and
its footprint drawn in numpy (``discs``) rather than by GEOS. Polygon edges are geodesics,
densified (``extents.DENSIFY_STEP_M``) so that frame chords follow them to well under a
metre.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import shapely
from numpy.typing import NDArray

from wellclear.geo.antimeridian import onto_the_globe, unwrap_about
from wellclear.geo.frames import (
    SPHERE_ERROR,
    frame_stretch,
    from_frame,
    geodesic_m,
    midpoint,
    spherical_distance_m,
    to_frame,
)
from wellclear.strategic.discs import lens_rings
from wellclear.strategic.extents import ExtentTable
from wellclear.strategic.rules import TOLERANCE_M

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
GeometryArray = NDArray[Any]

CHORD_SLACK_M = 1.0
QUAD_SEGMENTS = 8
# Buffers with vertices on the arc cut inside it; growing the distance by 1/cos(π/4q)
# makes the polygon circumscribe the true buffer, so a region is never empty for a conflict.
CIRCUMSCRIBE = 1.0 / np.cos(np.pi / (4 * QUAD_SEGMENTS))


class Frame(NamedTuple):
    """One azimuthal-equidistant frame centre per pair."""

    lon0: FloatArray
    lat0: FloatArray


class Measured(NamedTuple):
    """Horizontal verdict for each pair given to :func:`measure`."""

    conflicting: BoolArray
    distance_m: FloatArray  # min geodesic distance between footprints, 0 when they overlap
    frame: Frame
    geoms_a: GeometryArray  # cores in the frame: polygons, or disc centres as points;
    geoms_b: GeometryArray  # None for pairs of discs, measured without shapes
    discs: BoolArray  # both extents circles

    def where(self, keep: BoolArray) -> Measured:
        """The verdicts of the pairs ``keep`` selects."""
        return Measured(
            self.conflicting[keep], self.distance_m[keep],
            Frame(self.frame.lon0[keep], self.frame.lat0[keep]),
            self.geoms_a[keep], self.geoms_b[keep], self.discs[keep],
        )  # fmt: skip


def possibly_close(table: ExtentTable, i: IntArray, j: IntArray, h_m: FloatArray) -> BoolArray:
    """False where the bounding discs prove the pair apart by at least ``h_m`` (cheap)."""
    centre_m = spherical_distance_m(
        table.center_lon[i], table.center_lat[i], table.center_lon[j], table.center_lat[j]
    )
    return np.asarray((1 - SPHERE_ERROR) * centre_m - table.reach_m[i] - table.reach_m[j] < h_m)


def _project(table: ExtentTable, rows: IntArray, frame: Frame) -> GeometryArray:
    """Shapely geometries of the rows' rings (points for circles) in each pair's frame."""
    starts, ends = table.ring_offsets[rows], table.ring_offsets[rows + 1]
    counts = ends - starts
    owner = np.repeat(np.arange(len(rows)), counts)
    vertex = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    vertex += np.repeat(starts, counts)
    x, y = to_frame(
        frame.lon0[owner], frame.lat0[owner], table.ring_lon[vertex], table.ring_lat[vertex]
    )
    xy = np.stack([x, y], axis=1)
    geoms = np.empty(len(rows), dtype=object)
    is_point = counts == 1
    geoms[is_point] = shapely.points(xy[is_point[owner]])
    if (~is_point).any():
        polygon_number = np.cumsum(~is_point) - 1  # contiguous ids, as shapely requires
        ring_owner = polygon_number[owner[~is_point[owner]]]
        rings = shapely.linearrings(xy[~is_point[owner]], indices=ring_owner)
        geoms[~is_point] = shapely.polygons(rings)
    return geoms


def _frame_between_centres(table: ExtentTable, i: IntArray, j: IntArray) -> Frame:
    lon0, lat0 = midpoint(
        table.center_lon[i], table.center_lat[i], table.center_lon[j], table.center_lat[j]
    )
    return Frame(lon0, lat0)


def _nearest_points(
    frame: Frame, a: GeometryArray, b: GeometryArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Lon/lat of the nearest points of each pair's cores."""
    coords = shapely.get_coordinates(shapely.shortest_line(a, b)).reshape(-1, 2, 2)
    lon0 = np.repeat(frame.lon0, 2)
    lat0 = np.repeat(frame.lat0, 2)
    lon, lat = from_frame(lon0, lat0, coords[:, :, 0].ravel(), coords[:, :, 1].ravel())
    return lon[0::2], lat[0::2], lon[1::2], lat[1::2]


def measure(table: ExtentTable, i: IntArray, j: IntArray, h_m: FloatArray) -> Measured:
    """Decide, pair by pair, whether footprints i and j are closer than ``h_m``.

    With ``h_m == 0`` the footprints conflict only when their interiors overlap.
    """
    frame = _frame_between_centres(table, i, j)
    discs = (table.radius_m[i] > 0) & (table.radius_m[j] > 0)
    signed = np.empty(len(i))
    a, b = np.full(len(i), None, dtype=object), np.full(len(i), None, dtype=object)
    if discs.any():  # the gap between geodesic discs: centre to centre, less both radii
        di, dj = i[discs], j[discs]
        centres_m = geodesic_m(
            table.center_lon[di], table.center_lat[di], table.center_lon[dj], table.center_lat[dj]
        )
        signed[discs] = centres_m - table.radius_m[di] - table.radius_m[dj]
    shapes = ~discs
    if shapes.any():
        part = Frame(frame.lon0[shapes], frame.lat0[shapes])
        signed[shapes], part, a[shapes], b[shapes] = _measure_shapes(
            table, i[shapes], j[shapes], h_m[shapes], part
        )
        frame.lon0[shapes], frame.lat0[shapes] = part
    both_polygons = (table.radius_m[i] == 0) & (table.radius_m[j] == 0)
    overlap = np.where(
        both_polygons & (h_m == 0), _interiors_overlap(a, b, both_polygons & (h_m == 0)), False
    )
    conflicting = np.where(
        h_m > 0, signed < h_m - TOLERANCE_M, overlap | (~both_polygons & (signed < -TOLERANCE_M))
    )
    return Measured(conflicting, np.maximum(signed, 0.0), frame, a, b, discs)


def _measure_shapes(
    table: ExtentTable, i: IntArray, j: IntArray, h_m: FloatArray, frame: Frame
) -> tuple[FloatArray, Frame, GeometryArray, GeometryArray]:
    """Signed gaps of pairs with a polygon, measured in each pair's frame (refined where the
    frame cannot decide), with the frames and cores they were last measured in."""
    a, b = _project(table, i, frame), _project(table, j, frame)
    radii = table.radius_m[i] + table.radius_m[j]
    core_m = shapely.distance(a, b)
    signed = core_m - radii
    centre_gap = spherical_distance_m(
        table.center_lon[i], table.center_lat[i], table.center_lon[j], table.center_lat[j]
    )
    stretch = frame_stretch(centre_gap / 2 + np.maximum(table.reach_m[i], table.reach_m[j]))
    # Cores that touch or overlap in the frame do so on the ellipsoid; a disc's edge may not.
    lowest_undecided = -(radii * stretch + CHORD_SLACK_M)
    highest_undecided = h_m * (1 + stretch) + CHORD_SLACK_M
    refine = (core_m > 0) & (signed > lowest_undecided) & (signed < highest_undecided)
    refine &= ~((radii == 0) & (h_m == 0))  # polygons apart in the frame never overlap
    if refine.any():
        signed, frame, a, b = _refine(table, i, j, refine, signed, frame, a, b)
    return signed, frame, a, b


def _interiors_overlap(a: GeometryArray, b: GeometryArray, mask: BoolArray) -> BoolArray:
    """Interiors overlap by more than the tolerance: both shrunk by half of it still meet."""
    result = np.zeros(len(a), dtype=bool)
    if mask.any():
        shrunk_a = shapely.buffer(a[mask], -TOLERANCE_M / 2)
        shrunk_b = shapely.buffer(b[mask], -TOLERANCE_M / 2)
        result[mask] = shapely.intersects(shrunk_a, shrunk_b)
    return result


def _refine(
    table: ExtentTable, i: IntArray, j: IntArray, refine: BoolArray, signed: FloatArray,
    frame: Frame, a: GeometryArray, b: GeometryArray,
) -> tuple[FloatArray, Frame, GeometryArray, GeometryArray]:  # fmt: skip
    """Second pass for undecided pairs: a frame at their nearest points, geodesic distance."""
    ri, rj = i[refine], j[refine]
    near = _nearest_points(Frame(frame.lon0[refine], frame.lat0[refine]), a[refine], b[refine])
    lon0, lat0 = midpoint(*near)
    local = Frame(lon0, lat0)
    ga, gb = _project(table, ri, local), _project(table, rj, local)
    touching = shapely.distance(ga, gb) == 0
    lon_a, lat_a, lon_b, lat_b = _nearest_points(local, ga, gb)
    core_m = np.where(touching, 0.0, geodesic_m(lon_a, lat_a, lon_b, lat_b))
    signed = signed.copy()
    signed[refine] = core_m - table.radius_m[ri] - table.radius_m[rj]
    frame = Frame(frame.lon0.copy(), frame.lat0.copy())
    frame.lon0[refine], frame.lat0[refine] = lon0, lat0
    a, b = a.copy(), b.copy()
    a[refine], b[refine] = ga, gb
    return signed, frame, a, b


def footprints(
    table: ExtentTable, i: IntArray, j: IntArray, h_m: FloatArray, measured: Measured
) -> GeometryArray:
    """Lon/lat conflict footprints: buffer(e, h/2) ∩ buffer(f, h/2) for each pair (one astride
    the antimeridian is cut there, as GeoJSON wants it)."""
    half = np.where(h_m > 0, h_m / 2 * CIRCUMSCRIBE + CHORD_SLACK_M, 0.0)
    grow_a = half + table.radius_m[i] * CIRCUMSCRIBE
    grow_b = half + table.radius_m[j] * CIRCUMSCRIBE
    regions = np.empty(len(i), dtype=object)
    discs, frame = measured.discs, measured.frame
    if discs.any():
        regions[discs] = _lenses(
            table, i[discs], j[discs], grow_a[discs], grow_b[discs],
            Frame(frame.lon0[discs], frame.lat0[discs]),
        )  # fmt: skip
    shapes = ~discs
    if shapes.any():
        a = shapely.buffer(measured.geoms_a[shapes], grow_a[shapes], quad_segs=QUAD_SEGMENTS)
        b = shapely.buffer(measured.geoms_b[shapes], grow_b[shapes], quad_segs=QUAD_SEGMENTS)
        region = shapely.intersection(a, b)  # buffers are valid, so is their intersection
        regions[shapes] = _unproject(region, Frame(frame.lon0[shapes], frame.lat0[shapes]))
    return onto_the_globe(regions)


def _lenses(
    table: ExtentTable, i: IntArray, j: IntArray, grow_a: FloatArray, grow_b: FloatArray,
    frame: Frame,
) -> GeometryArray:  # fmt: skip
    """Where two grown discs meet, drawn in numpy in each pair's frame, then unprojected."""
    twice = (np.concatenate([frame.lon0, frame.lon0]), np.concatenate([frame.lat0, frame.lat0]))
    x, y = to_frame(
        *twice,
        np.concatenate([table.center_lon[i], table.center_lon[j]]),
        np.concatenate([table.center_lat[i], table.center_lat[j]]),
    )
    centres = np.column_stack([x, y])
    xy, pair = lens_rings(centres[: len(i)], grow_a, centres[len(i) :], grow_b, 4 * QUAD_SEGMENTS)
    lon, lat = from_frame(frame.lon0[pair], frame.lat0[pair], xy[:, 0], xy[:, 1])
    lon = unwrap_about(lon, frame.lon0[pair])
    rings = shapely.linearrings(np.column_stack([lon, lat]), indices=pair)
    result: GeometryArray = shapely.polygons(rings)
    return result


def _unproject(geoms: GeometryArray, frame: Frame) -> GeometryArray:
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = from_frame(frame.lon0[owner], frame.lat0[owner], coords[:, 0], coords[:, 1])
    lon = unwrap_about(lon, frame.lon0[owner])
    result: GeometryArray = shapely.set_coordinates(geoms.copy(), np.stack([lon, lat], axis=1))
    return result


def footprint_distance_m(table: ExtentTable, row_a: int, row_b: int) -> float:
    """Geodesic distance between two footprints of ``table`` (0 when they touch or overlap).

    Decided to within the bounds of :func:`measure`, with ``h`` taken as the distance itself.
    """
    i, j = np.array([row_a]), np.array([row_b])
    probe = measure(table, i, j, np.array([np.inf]))
    return float(probe.distance_m[0])

"""H3 cells covering an extent's footprint, dilated: the store's broad phase and lock keys.

Completeness argument (a missed candidate is a safety bug):

1. Two extents conflict only if their footprints come closer than the pair's horizontal
   separation ``h``; ``h`` is at most the largest separation either kind is checked with, so
   each footprint dilated by half its kind's largest separation meets the other's at some
   point ``p`` (with ``h = 0``, footprints whose interiors overlap share interior points).
2. Each footprint is dilated in a local azimuthal-equidistant frame. Frame distances are
   never shorter than true ones and at most ``1 + frame_stretch`` longer, so dilating by
   ``(d + pad) · (1 + stretch) + margin`` in the frame contains everything within true
   distance ``d + pad``. A circle's frame is centred on it, so its dilation is a disc
   there, drawn as the polygon around that disc (tangent sides). Reading a side of length
   ``L`` as straight in latitude and longitude (as H3 does) moves it by at most
   ``k · L² · tan(φ) / 8R``, ``φ`` the highest latitude it reaches and ``k = 4√6/9`` (1 for
   an east-west side, at most 1.089 at a heading of ~55°), on a sphere. A disc's sides are
   short enough to keep that, with 10 % more for the ellipsoid and the frame (4 % measured
   at 84°), under ``SIDE_SHIFT_M`` (6 m, less than a quarter of ``margin``): at most 4.7 km
   at 85°, 19 km at 35° (where the ``MIN_SIDES`` suffice; ``tests/store/test_cells.py``
   measures the shift against WGS84 geodesics). Other footprints are cut
   to ``MAX_SIDE_M`` or a third of an edge at the finer levels: a 5 km side moves up to
   ~6.4 m at 85°, still far inside ``margin``.
3. ``pad`` is 1.5 average edge lengths of the resolution. An H3 cell's centre lies within
   1.11 average edge lengths of any of its points (1.1044 over every cell of resolutions 3
   and 4, 1.1062 over samples of the finer levels and around all twelve pentagons; the
   farthest point is a vertex, the sides being great-circle arcs; ``tests/store/
   test_cells.py`` checks the bound at every level), so every cell that holds a point of
   the dilated footprint has its centre inside the padded polygon, and
   ``h3shape_to_cells`` (centre containment) returns it. The 0.39 edge lengths to spare
   are the margin; a ring of neighbours on top of that, as a belt, doubled the cells (the
   store's rows, its commit and its candidate query) and cost a fifth of a filing's CPU.
4. An extent is indexed at a *home* resolution chosen from its size (a handful of cells,
   :data:`TARGET_CELLS`) and at every coarser resolution of :data:`LEVELS`. Two extents
   with homes ``r ≤ s`` both hold cells at ``r`` covering ``p``, so they share one.

Footprints whose dilated cover would cross the antimeridian or come near a pole are
refused (:class:`CoverError`) rather than indexed incompletely.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from h3.api import basic_int as h3  # type: ignore[import-untyped]
from numpy.typing import NDArray
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from wellclear.geo.frames import (
    EARTH_RADIUS_M,
    densify_rings,
    frame_stretch_at,
    from_frame,
    to_frame,
)
from wellclear.model import CircleOutline, LatLng, Volume4D

FloatArray = NDArray[np.float64]

LEVELS = (5, 7, 9)
"""Resolutions an extent may be indexed at, coarse to fine (average edge 9.9 km, 1.4 km, 201 m)."""
LOCK_RESOLUTION = LEVELS[0]
"""Writers lock the cells of this resolution that they cover (every extent holds some)."""
TARGET_CELLS = 10
"""At most this many cells at the home resolution (else the next coarser level). Each row is
a write to a random page of the cells index, so a filing's commit grows with its rows, while
a coarser home only widens the candidate query, whose time and altitude filters run in that
index. A 1 km flight with 5 NM separation: 7 rows at resolution 5 instead of 38 at 7 and 5,
-20 % instructions per filing, spread and hot alike (``benchmarks/instructions.py``)."""
PAD_EDGES = 1.5
MARGIN_M = 25.0
MARGIN_FRACTION = 1e-3
DENSIFY_STEP_M = 2_000.0
MAX_LATITUDE_DEG = 85.0
MIN_SIDES = 16
MAX_SIDE_M = 5_000.0  # H3 costs time per vertex: 2 km sides made a cover a quarter slower
SIDE_SHIFT_M = 6.0  # at most this between a side as drawn and as H3 reads it (point 2)
WORST_HEADING = 4 * math.sqrt(6) / 9  # the shift at the worst heading over an east-west one
SHIFT_SLACK = 1.1  # the ellipsoid, and frame sides not quite geodesics: +4 % measured at 84°


class CoverError(ValueError):
    """An extent whose cells cannot be computed safely (antimeridian, poles)."""


@dataclass(frozen=True, slots=True)
class ExtentCover:
    """The cells covering one dilated extent at its home resolution and every coarser level."""

    home_resolution: int
    cells: dict[int, frozenset[int]]

    @property
    def home_cells(self) -> frozenset[int]:
        return self.cells[self.home_resolution]

    @property
    def lock_cells(self) -> frozenset[int]:
        return self.cells[LOCK_RESOLUTION]


@dataclass(frozen=True, slots=True)
class _Framed:
    """A footprint in its local frame (metres, about ``lon0, lat0``) and how far to grow it."""

    lon0: float
    lat0: float
    shape: BaseGeometry | None  # None: a circle, its centre the frame's, grown by its radius
    grow_m: float

    @property
    def outer_m(self) -> float:
        """How far from the frame's centre the grown footprint reaches."""
        if self.shape is None:
            return self.grow_m
        xmin, ymin, xmax, ymax = self.shape.bounds
        return math.hypot(max(abs(xmin), abs(xmax)), max(abs(ymin), abs(ymax))) + self.grow_m


def cover_extent(extent: Volume4D, dilation_m: float) -> ExtentCover:
    """The cells covering ``extent``'s footprint dilated by ``dilation_m``.

    >>> from datetime import UTC, datetime
    >>> from wellclear.model import LatLng
    >>> start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)
    >>> site = Volume4D(CircleOutline(LatLng(36.2, 37.1), 50.0), 0.0, 100.0, start, end)
    >>> cover = cover_extent(site, 500.0)
    >>> cover.home_resolution, 1 <= len(cover.home_cells) <= 10, len(cover.lock_cells) >= 1
    (7, True, True)
    """
    framed = _in_frame(extent, dilation_m)
    home = _home_resolution(framed)
    cells = {res: _cells_at(framed, res) for res in LEVELS if res <= home}
    return ExtentCover(home, cells)


def _in_frame(extent: Volume4D, dilation_m: float) -> _Framed:
    outline = extent.outline
    if isinstance(outline, CircleOutline):
        centre = outline.center
        return _Framed(centre.lng, centre.lat, None, outline.radius_m + dilation_m)
    lon, lat = _densified_ring(outline.vertices)
    lon0, lat0 = _centre(lon, lat)
    x, y = to_frame(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
    footprint = shapely.make_valid(Polygon(np.column_stack([x, y])))
    return _Framed(lon0, lat0, footprint, dilation_m)


def _densified_ring(vertices: Sequence[LatLng]) -> tuple[FloatArray, FloatArray]:
    lon = np.array([v.lng for v in vertices], dtype=np.float64)
    lat = np.array([v.lat for v in vertices], dtype=np.float64)
    offsets = np.array([0, len(vertices)], dtype=np.int64)
    _, lon, lat = densify_rings(offsets, lon, lat, DENSIFY_STEP_M)
    return lon, lat


def _centre(lon: FloatArray, lat: FloatArray) -> tuple[float, float]:
    first = lon[0]
    unwrapped = first + (lon - first + 180.0) % 360.0 - 180.0
    return float((unwrapped.mean() + 180.0) % 360.0 - 180.0), float(lat.mean())


@functools.cache
def _edge_m(resolution: int) -> float:
    return float(h3.average_hexagon_edge_length(resolution, unit="m"))


@functools.cache
def _cell_area_m2(resolution: int) -> float:
    return float(h3.average_hexagon_area(resolution, unit="m^2"))


def _buffer_m(framed: _Framed, resolution: int) -> float:
    """Frame buffer distance that holds everything within true ``grow + pad`` of the shape."""
    pad_m = PAD_EDGES * _edge_m(resolution)
    stretch = 1.0 + frame_stretch_at(framed.outer_m + pad_m)
    return (framed.grow_m + pad_m) * stretch * (1 + MARGIN_FRACTION) + MARGIN_M


def _home_resolution(framed: _Framed) -> int:
    """The finest level whose cells over the shape number about ``TARGET_CELLS`` at most."""
    for resolution in reversed(LEVELS):
        distance_m = _buffer_m(framed, resolution)
        if framed.shape is None:  # a disc: its area needs no polygon
            padded_m2 = math.pi * distance_m**2
        else:
            padded_m2 = framed.shape.buffer(distance_m).area
        if padded_m2 / _cell_area_m2(resolution) <= TARGET_CELLS:
            return resolution
    return LEVELS[0]


def _cells_at(framed: _Framed, resolution: int) -> frozenset[int]:
    cells: set[int] = set()
    for ring in _padded_rings(framed, resolution):
        lon0, lat0 = np.full(len(ring), framed.lon0), np.full(len(ring), framed.lat0)
        lng, lat = from_frame(lon0, lat0, ring[:, 0], ring[:, 1])
        _require_indexable(lng, lat)
        polygon = h3.LatLngPoly(list(zip(lat.tolist(), lng.tolist(), strict=True)))
        cells.update(h3.h3shape_to_cells(polygon, resolution))
    return frozenset(cells)


def _padded_rings(framed: _Framed, resolution: int) -> list[FloatArray]:
    """The padded footprint's outer rings in the frame (open: the first point not repeated),
    no side longer than ``MAX_SIDE_M`` (see the module's point 2)."""
    distance_m = _buffer_m(framed, resolution)
    if framed.shape is None:
        # A disc: the polygon drawn around it (sides tangent to the circle) holds all of it.
        # H3's cell search costs time in proportion to the vertices, so no more sides than
        # the latitude asks (a buffered point, segmentized, had four times as many; sides
        # of 5 km anywhere, a quarter more than the latitude asks at 35°).
        side_m = _longest_side_m(framed.lat0, distance_m)
        sides = max(MIN_SIDES, math.ceil(math.pi / math.atan(side_m / (2 * distance_m))))
        reach_m = distance_m / math.cos(math.pi / sides)
        angles = np.arange(sides) * (2 * math.pi / sides)
        return [np.column_stack([reach_m * np.sin(angles), reach_m * np.cos(angles)])]
    padded = framed.shape.buffer(distance_m, quad_segs=16)
    step_m = min(_edge_m(resolution) / 3, MAX_SIDE_M)
    return [
        np.asarray(shapely.segmentize(part.exterior, step_m).coords)[:-1]
        for part in getattr(padded, "geoms", [padded])
    ]


def _longest_side_m(lat0: float, reach_m: float) -> float:
    """The longest side that H3, reading it straight in latitude and longitude, moves by at
    most ``SIDE_SHIFT_M`` anywhere within ``reach_m`` of latitude ``lat0``, whatever its
    heading (point 2).

    >>> round(_longest_side_m(85.0, 0.0)), round(_longest_side_m(35.0, 20_000.0))
    (4727, 19030)
    """
    highest = min(abs(lat0) + math.degrees(reach_m * 1.05 / EARTH_RADIUS_M), MAX_LATITUDE_DEG)
    tangent = math.tan(math.radians(highest))
    if tangent <= 0.0:
        return math.inf
    return math.sqrt(8 * EARTH_RADIUS_M * SIDE_SHIFT_M / (SHIFT_SLACK * WORST_HEADING * tangent))


def _require_indexable(lng: FloatArray, lat: FloatArray) -> None:
    if max(lat.max(), -lat.min()) > MAX_LATITUDE_DEG:
        raise CoverError(f"comes within reach of a pole (beyond {MAX_LATITUDE_DEG}° latitude)")
    widest_step = max(np.abs(lng[1:] - lng[:-1]).max(), abs(lng[0] - lng[-1]))  # ring closed
    if widest_step > 180.0:
        raise CoverError("comes within reach of the antimeridian (180° longitude)")

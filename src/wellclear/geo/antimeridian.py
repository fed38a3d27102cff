"""Lon/lat regions on the globe as RFC 7946 §3.1.9 wants them: cut at the antimeridian.

pyproj answers longitudes in [-180°, 180°], so the points of a region drawn about a centre
near ±180° land on both ends of that range: a ring through them spans the globe the wrong
way round. Longitudes are first made continuous about the centre (``unwrap_about``), and a
region that then reaches past ±180° is cut there into parts on either side
(``onto_the_globe``).

Near a pole two more things happen. A region around the pole has longitudes going all the
way round: it becomes the polygon bounded by its ring and the pole's parallel, from -180° to
180°. And the straight lon/lat edges between a ring's points, many degrees of longitude
apart there, can cross each other: such a ring is made valid (GEOS ``make_valid``).

>>> import numpy as np
>>> unwrap_about(np.array([179.9, -179.9]), np.array([179.95, 179.95])).tolist()
[179.9, 180.1]
>>> cut = onto_the_globe(np.array([shapely.box(179.0, 0.0, 181.0, 1.0)], dtype=object))
>>> sorted(part.bounds for part in cut[0].geoms)
[(-180.0, 0.0, -179.0, 1.0), (179.0, 0.0, 180.0, 1.0)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
GeometryArray = NDArray[Any]

NEAR_POLE_DEG = 80.0  # beyond this latitude a region is checked for the pole and crossings
# (west, east) bounds of each side, and the shift that brings it into [-180°, 180°]
_SIDES = ((-180.0, 180.0, 0.0), (180.0, 540.0, -360.0), (-540.0, -180.0, 360.0))


def unwrap_about(lon: FloatArray, centre: FloatArray) -> FloatArray:
    """``lon`` moved by 360° where it lies more than 180° from its ``centre`` (the others,
    nearly all, left bit for bit as they are)."""
    far = np.abs(lon - centre) > 180.0
    if not far.any():
        return lon
    return np.where(far, lon + np.copysign(360.0, centre - lon), lon)


def onto_the_globe(geoms: GeometryArray) -> GeometryArray:
    """Each region reaching past ±180° or near a pole made a valid lon/lat geometry within
    [-180°, 180°] (see the module); the others, nearly all, are returned as they are."""
    west, south, east, north = shapely.bounds(geoms).T
    redrawn = (west < -180.0) | (east > 180.0)
    near_pole = np.flatnonzero((np.maximum(-south, north) > NEAR_POLE_DEG) & ~redrawn)
    if len(near_pole):  # round the pole (unwrapped: wider than half a turn), or crossed
        wide = east[near_pole] - west[near_pole] > 180.0
        redrawn[near_pole] = wide | ~shapely.is_valid(geoms[near_pole])
    redraw = np.flatnonzero(redrawn)
    if len(redraw) == 0:
        return geoms
    geoms = geoms.copy()
    for k in redraw:
        geoms[k] = _redrawn(geoms[k])
    return geoms


def _redrawn(geom: shapely.Geometry) -> shapely.Geometry:
    parts: list[shapely.Geometry] = []
    for polygon in _polygons(geom):
        parts.extend(_cut(_around_pole(polygon) or _valid(polygon)))
    return shapely.union_all(parts) if len(parts) > 1 else parts[0] if parts else geom


def _polygons(geom: shapely.Geometry) -> list[shapely.Geometry]:
    return [part for part in shapely.get_parts(geom) if part.geom_type == "Polygon"]


def _around_pole(polygon: shapely.Geometry) -> shapely.Geometry | None:
    """The region bounded by this ring and the pole's parallel, when the ring goes round the
    pole (its longitude steps add up to a full turn); else None. Holes are filled: the region
    only grows, as a conflict region may."""
    lon, lat = np.asarray(polygon.exterior.coords).T
    steps = (np.diff(lon) + 180.0) % 360.0 - 180.0
    if abs(steps.sum()) < 180.0:
        return None
    first = (lon[0] + 180.0) % 360.0 - 180.0
    around = np.concatenate([[first], first + np.cumsum(steps)])  # first to first ± 360°
    around[-1] = first + np.copysign(360.0, steps.sum())  # exactly: the cut parts meet there
    pole = 90.0 if lat.mean() > 0 else -90.0
    ring = [*zip(around, lat, strict=True), (around[-1], pole), (first, pole)]
    return _valid(shapely.Polygon(ring))


def _valid(polygon: shapely.Geometry) -> shapely.Geometry:
    return polygon if polygon.is_valid else shapely.make_valid(polygon)


def _cut(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygons of ``geom`` on each side of ±180°, each moved into [-180°, 180°]."""
    reach_west, _, reach_east, _ = geom.bounds
    if reach_west >= -180.0 and reach_east <= 180.0:
        return _polygons(geom)
    parts: list[shapely.Geometry] = []
    for west, east, shift in _SIDES:
        if reach_east <= west or reach_west >= east:
            continue  # not reaching this side
        side = shapely.intersection(geom, shapely.box(west, -90.0, east, 90.0))
        parts.extend(
            shapely.transform(part, lambda xy, s=shift: _on_the_seam(xy + np.array([s, 0.0])))
            for part in _polygons(side)
            if _wider_than_rounding(part)
        )
    return parts


def _on_the_seam(xy: FloatArray) -> FloatArray:
    """Points GEOS placed a rounding error off ±180° (where an edge meets the cut) put on it."""
    lon = xy[:, 0]
    seam = np.abs(np.abs(lon) - 180.0) < 1e-9
    if seam.any():
        xy = xy.copy()
        xy[seam, 0] = np.copysign(180.0, lon[seam])
    return xy


def _wider_than_rounding(part: shapely.Geometry) -> bool:
    """Not a sliver left by a vertex a rounding error past ±180° (nanometres wide)."""
    west, _, east, _ = part.bounds
    return bool(east - west > 1e-9)

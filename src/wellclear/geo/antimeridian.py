"""Lon/lat geometry astride the antimeridian (±180° longitude), as RFC 7946 §3.1.9 asks.

pyproj answers longitudes in [-180°, 180°], so the points of a region drawn about a centre
near ±180° land on both ends of that range: a ring through them spans the globe the wrong
way round. Longitudes are first made continuous about the centre (``unwrap_about``), and a
region that then reaches past ±180° is cut there into parts on either side
(``cut_at_antimeridian``).

>>> import numpy as np
>>> unwrap_about(np.array([179.9, -179.9]), np.array([179.95, 179.95])).tolist()
[179.9, 180.1]
>>> cut = cut_at_antimeridian(np.array([shapely.box(179.0, 0.0, 181.0, 1.0)], dtype=object))
>>> [part.bounds for part in cut[0].geoms]
[(179.0, 0.0, 180.0, 1.0), (-180.0, 0.0, -179.0, 1.0)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
GeometryArray = NDArray[Any]

# (west, east) bounds of each side, and the shift that brings it into [-180°, 180°]
_SIDES = ((-180.0, 180.0, 0.0), (180.0, 540.0, -360.0), (-540.0, -180.0, 360.0))


def unwrap_about(lon: FloatArray, centre: FloatArray) -> FloatArray:
    """``lon`` moved by 360° where it lies more than 180° from its ``centre`` (the others,
    nearly all, left bit for bit as they are)."""
    far = np.abs(lon - centre) > 180.0
    if not far.any():
        return lon
    return np.where(far, lon + np.copysign(360.0, centre - lon), lon)


def cut_at_antimeridian(geoms: GeometryArray) -> GeometryArray:
    """Each geometry reaching past ±180° cut there, the part beyond moved back by 360° (a
    multi-polygon); the others are returned as they are.

    A region around a pole has no lon/lat polygon of this kind (its longitudes go all the way
    round): it is returned with its longitudes wrapped into [-180°, 180°], as pyproj drew it.
    """
    west, _, east, _ = shapely.bounds(geoms).T
    astride = np.flatnonzero((west < -180.0) | (east > 180.0))
    if len(astride) == 0:
        return geoms
    geoms = geoms.copy()
    for k in astride:
        polar = east[k] - west[k] > 180.0
        geoms[k] = shapely.transform(geoms[k], _wrapped) if polar else _cut(geoms[k])
    return geoms


def _wrapped(xy: FloatArray) -> FloatArray:
    lon = xy[:, 0]
    beyond = np.abs(lon) > 180.0
    return np.column_stack([np.where(beyond, lon - np.copysign(360.0, lon), lon), xy[:, 1]])


def _cut(geom: shapely.Geometry) -> shapely.Geometry:
    parts: list[shapely.Geometry] = []
    for west, east, shift in _SIDES:
        side = shapely.intersection(geom, shapely.box(west, -90.0, east, 90.0))
        parts.extend(
            shapely.transform(part, lambda xy, s=shift: xy + np.array([s, 0.0]))
            for part in shapely.get_parts(side)
            if part.geom_type == "Polygon" and _wider_than_rounding(part)
        )
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def _wider_than_rounding(part: shapely.Geometry) -> bool:
    """Not a sliver left by a vertex a rounding error past ±180° (nanometres wide)."""
    west, _, east, _ = part.bounds
    return bool(east - west > 1e-9)

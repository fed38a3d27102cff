"""Pairs of discs in numpy: their gap and the lens where their buffers meet.

Most extents filed are circles, and a pair of discs needs no GEOS: the geodesic gap between
two geodesic discs is the distance between their centres less both radii, and the region
where two discs meet is a lens bounded by two circular arcs.

A lens is drawn as a polygon whose vertices lie on the two circles, each side spanning at
most ``2π / segments`` of its circle, as GEOS draws a buffer with ``segments / 4`` quadrant
segments. Every side is a chord, so the polygon holds the discs of radius
``radius · cos(π / segments)`` intersected: callers grow radii by the inverse of that
factor, as they do for GEOS buffers, and the lens then holds the true region.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def lens_rings(
    centre_a: FloatArray, radius_a: FloatArray, centre_b: FloatArray, radius_b: FloatArray,
    segments: int,
) -> tuple[FloatArray, IntArray]:  # fmt: skip
    """Open rings (counter-clockwise) of each pair's intersection of two discs.

    ``centre_a`` and ``centre_b`` are ``(n, 2)`` arrays of planar centres. Returns the ring
    vertices ``(m, 2)`` and each vertex's pair, in pair order. A disc inside the other gives
    the smaller disc. Each ring has at least 4 vertices; discs that do not meet give a ring of
    no area (callers pass only discs that meet).

    >>> xy, pair = lens_rings(np.array([[0.0, 0.0]]), np.array([1.0]),
    ...                       np.array([[1.0, 0.0]]), np.array([1.0]), 32)
    >>> len(xy), bool((np.hypot(*xy.T) <= 1 + 1e-12).all())
    (22, True)
    >>> import shapely  # the true lens has area 2π/3 - √3/2 = 1.2284
    >>> round(shapely.Polygon(xy).area, 4)
    1.2157
    >>> xy, pair = lens_rings(np.array([[0.0, 0.0]]), np.array([5.0]),
    ...                       np.array([[1.0, 0.0]]), np.array([1.0]), 32)
    >>> len(xy), round(float(xy[:, 0].min()), 6), round(float(xy[:, 0].max()), 6)
    (32, 0.0, 2.0)
    """
    apart = centre_b - centre_a
    gap = np.hypot(apart[:, 0], apart[:, 1])
    towards_b = np.arctan2(apart[:, 1], apart[:, 0])
    b_inside = gap + radius_b <= radius_a
    a_inside = ~b_inside & (gap + radius_a <= radius_b)
    lens = ~(b_inside | a_inside)
    # Distance from a's centre to the chord through both corners, then each arc's half-angle.
    safe_gap = np.where(lens, gap, 1.0)
    to_chord = (safe_gap**2 + radius_a**2 - radius_b**2) / (2 * safe_gap)
    half_a = np.arccos(np.clip(to_chord / radius_a, -1.0, 1.0))
    half_b = np.arccos(np.clip((safe_gap - to_chord) / radius_b, -1.0, 1.0))
    step = 2 * np.pi / segments
    on_a = lens | a_inside  # the lens's first arc, or the smaller disc whole
    arcs = _Arcs(
        pair=np.arange(len(gap)),
        centre=np.where(on_a[:, None], centre_a, centre_b),
        radius=np.where(on_a, radius_a, radius_b),
        start=np.where(lens, towards_b - half_a, 0.0),
        span=np.where(lens, 2 * half_a, 2 * np.pi),
        sides=np.where(lens, _sides(2 * half_a, step), segments),
        first=np.zeros(len(gap), dtype=np.int64),
        last=np.where(lens, _sides(2 * half_a, step), segments - 1),
    )
    # The lens's second arc, on b, from the corner a's arc ends at back to where it began;
    # both corners are already on a's arc, so only its inner vertices are added.
    on_b = np.flatnonzero(lens)
    sides_b = _sides(2 * half_b[on_b], step)
    second = _Arcs(
        pair=on_b,
        centre=centre_b[on_b],
        radius=radius_b[on_b],
        start=towards_b[on_b] + np.pi - half_b[on_b],
        span=2 * half_b[on_b],
        sides=sides_b,
        first=np.ones(len(on_b), dtype=np.int64),
        last=sides_b - 1,
    )
    return _vertices(_Arcs.concatenate(arcs, second))


def _sides(span: FloatArray, step: float) -> IntArray:
    """Sides for an arc so none spans more than ``step``; at least two, so a ring of two arcs
    has four distinct vertices even for a sliver."""
    return np.maximum(np.ceil(span / step - 1e-9), 2).astype(np.int64)


class _Arcs(NamedTuple):
    """Arcs of circles, vertex ``k`` of each at angle ``start + span · k / sides``, for
    ``first <= k <= last``."""

    pair: IntArray
    centre: FloatArray
    radius: FloatArray
    start: FloatArray
    span: FloatArray
    sides: IntArray
    first: IntArray
    last: IntArray

    @staticmethod
    def concatenate(first: _Arcs, second: _Arcs) -> _Arcs:
        """Both sets of arcs, ordered by pair (``first``'s arc of a pair before ``second``'s)."""
        order = np.argsort(np.concatenate([first.pair, second.pair]), kind="stable")
        return _Arcs(*(np.concatenate([a, b])[order] for a, b in zip(first, second, strict=True)))


def _vertices(arcs: _Arcs) -> tuple[FloatArray, IntArray]:
    counts = arcs.last - arcs.first + 1
    arc = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + arcs.first[arc]
    angle = arcs.start[arc] + arcs.span[arc] * k / arcs.sides[arc]
    x = arcs.centre[arc, 0] + arcs.radius[arc] * np.cos(angle)
    y = arcs.centre[arc, 1] + arcs.radius[arc] * np.sin(angle)
    return np.column_stack([x, y]), arcs.pair[arc]

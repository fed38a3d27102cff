"""Validation and construction of intent outlines on WGS84.

Checks return the reasons a shape is unusable as plain English, ``()`` when it is
fine; the parsers attach the file and path. Polygons are open rings (F3548: the
last vertex is not the first) in either orientation; their edges are geodesics.

Self-intersection is tested on the lon/lat ring with straight edges. Within the
vertex limit and the area limit the geodesic edges bow by at most a few hundred
metres from those straight edges, so only rings that nearly touch themselves
could be judged differently.

Shapes that cross the antimeridian (±180° longitude) are refused: the strategic
engine works on lon/lat geometries that would wrap the wrong way round the
globe. Such a shape must be split at 180°.

>>> square = [LatLng(0, 0), LatLng(0, 1), LatLng(1, 1), LatLng(1, 0)]
>>> polygon_problems(square)
()
>>> polygon_problems(square[:2])
('needs at least 3 vertices, not 2',)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString

from wellclear.geo.frames import WGS84, from_frame, to_frame
from wellclear.model import CircleOutline, LatLng, Outline, PolygonOutline

CORRIDOR_STEP_M = 5_000.0
"""Longest step between the points of a densified corridor line."""

ARC_SAGITTA_M = 0.5
"""Worst gap between a corridor's rounded parts and the true arc, for widths up to ~13 km.

Wider corridors are capped at 64 segments per quarter circle: ~1 m at 26 km wide.
"""

_CIRCLE_SAMPLES = 72


def polygon_problems(vertices: Sequence[LatLng]) -> tuple[str, ...]:
    """Why an open ring of vertices is not a usable polygon; ``()`` when it is.

    Edge ``i`` runs from vertex ``i`` to vertex ``i + 1`` (the last edge closes
    the ring back to vertex 0).

    >>> a, b, c, d = LatLng(0, 0), LatLng(0, 1), LatLng(1, 1), LatLng(1, 0)
    >>> polygon_problems([a, b, c, d, a])
    ('the ring is closed: the last vertex repeats the first; F3548 rings are open, drop it',)
    >>> polygon_problems([a, b, c, b])
    ('vertices 1 and 3 are the same point',)
    >>> polygon_problems([a, c, b, d])  # a bow tie
    ('edges 0 and 2 cross',)
    >>> polygon_problems([LatLng(0, 179), LatLng(0, -179), LatLng(1, -179)])
    ('edges 0, 2 cross the antimeridian (±180° longitude); split the shape there',)
    """
    if len(vertices) < 3:
        return (f"needs at least 3 vertices, not {len(vertices)}",)
    if vertices[0] == vertices[-1]:
        return (
            "the ring is closed: the last vertex repeats the first; F3548 rings are open, drop it",
        )
    problems = _duplicate_vertices(vertices)
    if problems:
        return problems
    problems = _antimeridian_edges(vertices)
    if problems:
        return problems
    return _edge_intersections(vertices)


def circle_problems(circle: CircleOutline) -> tuple[str, ...]:
    """Why a circle is not a usable disc; ``()`` when it is.

    >>> circle_problems(CircleOutline(LatLng(36.2, 37.1), 500.0))
    ()
    >>> circle_problems(CircleOutline(LatLng(36.2, 37.1), 0.0))
    ('radius must be more than 0 m, not 0.0',)
    >>> circle_problems(CircleOutline(LatLng(0.0, 179.99), 5_000.0))
    ('the circle crosses the antimeridian (±180° longitude); split the shape there',)
    """
    if not (math.isfinite(circle.radius_m) and circle.radius_m > 0):
        return (f"radius must be more than 0 m, not {circle.radius_m}",)
    if _circle_crosses_antimeridian(circle):
        return ("the circle crosses the antimeridian (±180° longitude); split the shape there",)
    return ()


def outline_problems(outline: Outline) -> tuple[str, ...]:
    """Why a polygon or circle outline is unusable; ``()`` when it is fine."""
    if isinstance(outline, CircleOutline):
        return circle_problems(outline)
    return polygon_problems(outline.vertices)


def polygon_area_m2(vertices: Sequence[LatLng]) -> float:
    """Geodesic area of a valid open ring, whatever its orientation.

    >>> square = [LatLng(0, 0), LatLng(0, 1), LatLng(1, 1), LatLng(1, 0)]
    >>> round(polygon_area_m2(square) / 1e6)
    12309
    >>> polygon_area_m2(square) == polygon_area_m2(square[::-1])
    True
    """
    area_m2, _ = WGS84.polygon_area_perimeter([v.lng for v in vertices], [v.lat for v in vertices])
    return abs(float(area_m2))


def circle_area_m2(radius_m: float) -> float:
    """Area of a disc, π r² (the geodesic disc differs by less than 0.01 % below 100 km).

    >>> round(circle_area_m2(1_000.0))
    3141593
    """
    return math.pi * radius_m**2


def outline_area_m2(outline: Outline) -> float:
    """Area of a valid outline in square metres."""
    if isinstance(outline, CircleOutline):
        return circle_area_m2(outline.radius_m)
    return polygon_area_m2(outline.vertices)


def densify(points: Sequence[LatLng], max_step_m: float = CORRIDOR_STEP_M) -> list[LatLng]:
    """The line through ``points`` with geodesic points added so no step exceeds ``max_step_m``.

    Repeated consecutive points are dropped.

    >>> line = densify([LatLng(0, 0), LatLng(0, 0), LatLng(0, 0.1)], max_step_m=5_000)
    >>> len(line), line[-1]
    (4, LatLng(lat=0, lng=0.1))
    """
    line = [points[0]]
    for a, b in itertools.pairwise(points):
        if a == b:
            continue
        _, _, length_m = WGS84.inv(a.lng, a.lat, b.lng, b.lat)
        steps = math.ceil(length_m / max_step_m)
        between = WGS84.npts(a.lng, a.lat, b.lng, b.lat, steps - 1) if steps > 1 else []
        line.extend(LatLng(lat, lng) for lng, lat in between)
        line.append(b)
    return line


def corridor(points: Sequence[LatLng], width_m: float) -> PolygonOutline:
    """The route polygon of everything within ``width_m / 2`` of the line through ``points``.

    The line is densified geodesically, projected to a local azimuthal
    equidistant frame centred at its middle, buffered with round caps and joins,
    and projected back. Vertices lie within ~1 m of the true offset for
    corridors within a few hundred kilometres of their middle. Loops in the
    line that enclose an area are filled (the corridor only grows).

    >>> route = corridor([LatLng(36.0, 37.0), LatLng(36.0, 37.1)], width_m=1_000.0)
    >>> len(route.vertices) > 8 and polygon_problems(route.vertices) == ()
    True
    >>> round(polygon_area_m2(route.vertices) / 1e6, 1)  # 9 km x 1 km plus two half discs
    9.8
    """
    if not (math.isfinite(width_m) and width_m > 0):
        raise ValueError(f"width_m must be more than 0, not {width_m}")
    line = densify(points)
    if len(line) < 2:
        raise ValueError("a corridor needs at least 2 different points")
    centre = _middle(line)
    lon0 = np.full(len(line), centre.lng)
    lat0 = np.full(len(line), centre.lat)
    x, y = to_frame(lon0, lat0, np.array([p.lng for p in line]), np.array([p.lat for p in line]))
    half_m = width_m / 2
    area = LineString(np.column_stack([x, y])).buffer(
        half_m, quad_segs=_quad_segs(half_m), cap_style="round", join_style="round"
    )
    ring = np.asarray(area.exterior.coords)[:-1]
    lng, lat = from_frame(
        np.full(len(ring), centre.lng), np.full(len(ring), centre.lat), ring[:, 0], ring[:, 1]
    )
    return PolygonOutline(tuple(LatLng(float(a), float(o)) for a, o in zip(lat, lng, strict=True)))


def _duplicate_vertices(vertices: Sequence[LatLng]) -> tuple[str, ...]:
    first_seen: dict[LatLng, int] = {}
    problems = []
    for i, vertex in enumerate(vertices):
        if vertex in first_seen:
            problems.append(f"vertices {first_seen[vertex]} and {i} are the same point")
        else:
            first_seen[vertex] = i
    return tuple(problems)


def _antimeridian_edges(vertices: Sequence[LatLng]) -> tuple[str, ...]:
    crossing = [str(i) for i, (a, b) in enumerate(_edges(vertices)) if abs(b.lng - a.lng) > 180]
    if not crossing:
        return ()
    edges = (
        f"edge {crossing[0]} crosses"
        if len(crossing) == 1
        else f"edges {', '.join(crossing)} cross"
    )
    return (f"{edges} the antimeridian (±180° longitude); split the shape there",)


def _edge_intersections(vertices: Sequence[LatLng]) -> tuple[str, ...]:
    n = len(vertices)
    coords = np.array([[v.lng, v.lat] for v in vertices])
    edges = shapely.linestrings(np.stack([coords, np.roll(coords, -1, axis=0)], axis=1))
    hits = shapely.STRtree(edges).query(edges, predicate="intersects")
    problems = []
    for i, j in sorted({(int(i), int(j)) for i, j in hits.T if i < j}):
        adjacent = j == i + 1 or (i == 0 and j == n - 1)
        overlap = shapely.intersection(edges[i], edges[j]).geom_type != "Point"
        if overlap:
            problems.append(f"edges {i} and {j} overlap")
        elif not adjacent:
            verb = "cross" if shapely.crosses(edges[i], edges[j]) else "touch"
            problems.append(f"edges {i} and {j} {verb}")
    return tuple(problems)


def _edges(vertices: Sequence[LatLng]) -> list[tuple[LatLng, LatLng]]:
    return list(zip(vertices, [*vertices[1:], vertices[0]], strict=True))


def _circle_crosses_antimeridian(circle: CircleOutline) -> bool:
    if _clearly_inside_the_strip(circle):
        return False
    azimuths = np.linspace(0.0, 360.0, _CIRCLE_SAMPLES, endpoint=False)
    lng, _, _ = WGS84.fwd(
        np.full(_CIRCLE_SAMPLES, circle.center.lng),
        np.full(_CIRCLE_SAMPLES, circle.center.lat),
        azimuths,
        np.full(_CIRCLE_SAMPLES, circle.radius_m),
    )
    east_of_centre = (np.asarray(lng) - circle.center.lng + 180.0) % 360.0 - 180.0
    unwrapped = circle.center.lng + east_of_centre
    # A disc over a pole or past ±180 leaves the [-180, 180] strip once unwrapped.
    return bool(np.any(np.abs(unwrapped) > 180.0) or circle.radius_m >= _pole_distance_m(circle))


def _clearly_inside_the_strip(circle: CircleOutline) -> bool:
    """True when the disc cannot reach ±180° or a pole, by bounds alone (most discs): a
    degree of latitude is at least 110,574 m, and of longitude at latitude φ at least
    111,319 m · cos φ, so within ``radius`` of the centre neither changes more than this."""
    lat_deg = abs(circle.center.lat) + circle.radius_m / 110_574.0
    if lat_deg >= 89.0:
        return False
    lng_deg = circle.radius_m / (111_319.0 * math.cos(math.radians(lat_deg)))
    return abs(circle.center.lng) + lng_deg < 179.99


def _pole_distance_m(circle: CircleOutline) -> float:
    pole_lat = 90.0 if circle.center.lat >= 0 else -90.0
    _, _, distance_m = WGS84.inv(circle.center.lng, circle.center.lat, circle.center.lng, pole_lat)
    return float(distance_m)


def _middle(line: Sequence[LatLng]) -> LatLng:
    """The point halfway along the line, by geodesic length."""
    lengths_m = [WGS84.inv(a.lng, a.lat, b.lng, b.lat)[2] for a, b in itertools.pairwise(line)]
    remaining_m = sum(lengths_m) / 2
    for (a, b), length_m in zip(itertools.pairwise(line), lengths_m, strict=True):
        if remaining_m <= length_m:
            azimuth, _, _ = WGS84.inv(a.lng, a.lat, b.lng, b.lat)
            lng, lat, _ = WGS84.fwd(a.lng, a.lat, azimuth, remaining_m)
            return LatLng(float(lat), float(lng))
        remaining_m -= length_m
    return line[-1]


def _quad_segs(radius_m: float) -> int:
    """Segments per quarter circle so a chord strays at most ARC_SAGITTA_M from the arc."""
    if radius_m <= ARC_SAGITTA_M:
        return 8
    step_rad = 2 * math.acos(1 - ARC_SAGITTA_M / radius_m)
    return max(8, min(64, math.ceil((math.pi / 2) / step_rad)))

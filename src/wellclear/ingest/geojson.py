"""Intents from a GeoJSON FeatureCollection (RFC 7946).

Each Feature is one or more extents of one intent; its ``properties`` carry
``id``, ``party``, ``kind``, ``priority`` (default 0), ``state`` (default
"accepted"), ``time_start``, ``time_end`` (RFC 3339; omitted only for sites and
restrictions), ``altitude_lower_m`` and ``altitude_upper_m`` (metres above the
WGS84 ellipsoid). Features sharing an ``id`` form one intent; their party,
kind, priority and state must agree. The Feature's own ``id`` member is used
when ``properties.id`` is absent.

Geometries, with positions ``[lng, lat]`` (a third value is ignored):

- ``Polygon``: one extent; its ring must be closed (RFC 7946) and is stored
  open, without the closing position. Holes are refused.
- ``MultiPolygon``: one extent per polygon.
- ``Point`` with ``properties.radius_m``: a circle.
- ``LineString`` with ``properties.width_m``: a corridor of that full width.

Other properties and foreign members are ignored. Problems use the JSON path of
the value (``features[4].properties.time_end``,
``features[2].geometry.coordinates[0][5][1]``) and, once the intent's id is
known, reasons start with ``intent "<id>": ``, as in :mod:`wellclear.ingest.intents`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wellclear.geo.shapes import corridor
from wellclear.ingest import _fields as f
from wellclear.ingest._extent import (
    DEFAULT_LIMITS,
    ExtentPaths,
    Limits,
    check_band_and_window,
    check_outline,
    intent_subject,
)
from wellclear.ingest._fields import Problems, index, key
from wellclear.model import (
    CircleOutline,
    Intent,
    Kind,
    LatLng,
    Outline,
    PolygonOutline,
    State,
    Volume4D,
)

_AGREED = ("party", "kind", "priority", "state")


@dataclass(frozen=True, slots=True)
class _Feature:
    """One feature read: its intent fields and its extents (``None`` if any part was refused)."""

    index: int
    id: str | None
    party: str | None
    kind: Kind | None
    priority: int | None
    state: State | None
    extents: tuple[Volume4D, ...] | None


def parse_geojson(text: str, source: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Intent, ...]:
    """Intents from GeoJSON text; raises :class:`~wellclear.errors.InvalidInput` with every problem.

    >>> parse_geojson('{"type": "FeatureCollection", "features": []}', "empty.geojson")
    ()
    """
    problems = Problems(source, limits.max_problems)
    document = f.parse_json(problems, text)
    problems.raise_if_any()
    intents = intents_from_geojson(problems, document, limits)
    problems.raise_if_any()
    return intents


def intents_from_geojson(
    problems: Problems, document: object, limits: Limits
) -> tuple[Intent, ...]:
    """The intents of a parsed GeoJSON document (problems are recorded, not raised)."""
    top = f.read_object(problems, document, "")
    if top is None:
        return ()
    if top.get("type") != "FeatureCollection":
        problems.add("type", f'must be "FeatureCollection", not {f.show(top.get("type"))}')
        return ()
    raw = f.member(problems, top, "features", "")
    items = f.read_list(problems, raw, "features", empty_ok=True)
    groups: dict[str, list[_Feature]] = {}
    for i, item in enumerate(items or ()):
        feature = _feature(problems, item, i, limits)
        if feature is not None and feature.id is not None:
            groups.setdefault(feature.id, []).append(feature)
    intents = (_intent(problems, group, limits) for group in groups.values())
    return tuple(intent for intent in intents if intent is not None)


def _intent(problems: Problems, group: list[_Feature], limits: Limits) -> Intent | None:
    first = group[0]
    with problems.about(intent_subject(first.id)):
        agreements = [_agrees(problems, first, other) for other in group[1:]]  # report every one
        agreed = all(agreements)
        extents = [e for feature in group for e in feature.extents or ()]
        if len(extents) > limits.max_extents:
            problems.add(
                index("features", group[-1].index),
                f"the intent has {len(extents)} extents; at most {limits.max_extents} are allowed",
            )
            return None
    complete = all(feature.extents is not None for feature in group)
    intent_id, party, kind, priority, state = (
        first.id,
        first.party,
        first.kind,
        first.priority,
        first.state,
    )
    if not (agreed and complete) or intent_id is None or party is None or kind is None:
        return None
    if priority is None or state is None:
        return None
    return Intent(intent_id, party, kind, tuple(extents), priority, state)


def _agrees(problems: Problems, first: _Feature, other: _Feature) -> bool:
    same = True
    for name in _AGREED:
        mine, theirs = getattr(first, name), getattr(other, name)
        if mine is not None and theirs is not None and mine != theirs:
            where = index("features", first.index)
            problems.add(
                key(index("features", other.index), f"properties.{name}"),
                f"is {f.show(theirs)} but {where} of the same intent says {f.show(mine)}",
            )
            same = False
    return same


def _feature(problems: Problems, value: object, i: int, limits: Limits) -> _Feature | None:
    path = index("features", i)
    obj = f.read_object(problems, value, path)
    if obj is None:
        return None
    if obj.get("type") != "Feature":
        problems.add(key(path, "type"), f'must be "Feature", not {f.show(obj.get("type"))}')
        return None
    props_path = key(path, "properties")
    props = f.read_object(problems, f.member(problems, obj, "properties", path), props_path)
    if props is None:
        return None
    intent_id = _feature_id(problems, obj, props, path)
    with problems.about(intent_subject(intent_id)):
        return _feature_body(problems, obj, props, i=i, intent_id=intent_id, limits=limits)


def _feature_id(
    problems: Problems, obj: Mapping[str, object], props: Mapping[str, object], path: str
) -> str | None:
    if props.get("id") is None and isinstance(obj.get("id"), str | int):
        return str(obj["id"])
    props_path = key(path, "properties")
    return f.read_text(problems, f.member(problems, props, "id", props_path), key(props_path, "id"))


def _feature_body(
    problems: Problems,
    obj: Mapping[str, object],
    props: Mapping[str, object],
    *,
    i: int,
    intent_id: str | None,
    limits: Limits,
) -> _Feature:
    path = key(index("features", i), "properties")
    kind = f.read_choice(problems, f.member(problems, props, "kind", path), key(path, "kind"), Kind)
    party = f.read_text(problems, f.member(problems, props, "party", path), key(path, "party"))
    priority = f.read_int(problems, f.optional(props, "priority", 0), key(path, "priority"))
    state = f.read_choice(
        problems, f.optional(props, "state", "accepted"), key(path, "state"), State
    )
    outlines = _outlines(problems, obj, props, index("features", i), limits)
    extents = _extents(problems, props, path, kind, outlines)
    return _Feature(i, intent_id, party, kind, priority, state, extents)


def _extents(
    problems: Problems,
    props: Mapping[str, object],
    path: str,
    kind: Kind | None,
    outlines: list[Outline | None],
) -> tuple[Volume4D, ...] | None:
    names = ("altitude_lower_m", "altitude_upper_m", "time_start", "time_end")
    lower, upper, start_path, end_path = (key(path, name) for name in names)
    floor_m = f.read_number(problems, f.member(problems, props, "altitude_lower_m", path), lower)
    ceiling_m = f.read_number(problems, f.member(problems, props, "altitude_upper_m", path), upper)
    start = f.read_time(problems, f.member(problems, props, "time_start", path), start_path)
    end_missing = props.get("time_end") is None
    end = None if end_missing else f.read_time(problems, props["time_end"], end_path)
    fits = check_band_and_window(
        problems,
        ExtentPaths(lower, upper, start_path, end_path),
        kind=kind,
        floor_m=floor_m,
        ceiling_m=ceiling_m,
        start=start,
        end=end,
        end_missing=end_missing,
    )
    if not fits or floor_m is None or ceiling_m is None or start is None:
        return None
    if (end is None and not end_missing) or not outlines or None in outlines:
        return None
    return tuple(Volume4D(o, floor_m, ceiling_m, start, end) for o in outlines if o is not None)


@dataclass(frozen=True, slots=True)
class _Geometry:
    """A feature's geometry and where its parts are, for the shape readers."""

    coordinates: object
    path: str
    props: Mapping[str, object]
    props_path: str
    limits: Limits

    @property
    def coordinates_path(self) -> str:
        return key(self.path, "coordinates")


def _outlines(
    problems: Problems,
    obj: Mapping[str, object],
    props: Mapping[str, object],
    path: str,
    limits: Limits,
) -> list[Outline | None]:
    """The feature's outlines; ``None`` entries were refused (``[]`` if nothing was read)."""
    geometry_path = key(path, "geometry")
    geometry = f.read_object(problems, f.member(problems, obj, "geometry", path), geometry_path)
    if geometry is None:
        return []
    coords = f.member(problems, geometry, "coordinates", geometry_path)
    if coords is f.MISSING:
        return []
    reader = _READERS.get(str(geometry.get("type")))
    if reader is None:
        expected = "Polygon, MultiPolygon, Point or LineString"
        problems.add(
            key(geometry_path, "type"), f"must be {expected}, not {f.show(geometry.get('type'))}"
        )
        return []
    shape = _Geometry(coords, geometry_path, props, key(path, "properties"), limits)
    return reader(problems, shape)


def _polygons(problems: Problems, shape: _Geometry) -> list[Outline | None]:
    polygon = _polygon(problems, shape.coordinates, shape.coordinates_path, shape.limits)
    return [polygon]


def _multi_polygons(problems: Problems, shape: _Geometry) -> list[Outline | None]:
    path = shape.coordinates_path
    polygons = f.read_list(problems, shape.coordinates, path) or []
    return [_polygon(problems, p, index(path, k), shape.limits) for k, p in enumerate(polygons)]


def _polygon(problems: Problems, value: object, path: str, limits: Limits) -> Outline | None:
    rings = f.read_list(problems, value, path)
    if rings is None:
        return None
    if len(rings) > 1:
        problems.add(path, f"has {len(rings)} rings; holes are not supported, send the outer ring")
        return None
    ring_path = index(path, 0)
    positions = _positions(problems, rings[0], ring_path)
    if positions is None:
        return None
    if positions[0] != positions[-1]:
        problems.add(
            ring_path, "the ring is not closed: RFC 7946 rings end with their first position"
        )
        return None
    return check_outline(problems, PolygonOutline(tuple(positions[:-1])), ring_path, limits)


def _circle(problems: Problems, shape: _Geometry) -> list[Outline | None]:
    return [_circle_outline(problems, shape)]


def _circle_outline(problems: Problems, shape: _Geometry) -> Outline | None:
    center = _position(problems, shape.coordinates, shape.coordinates_path)
    radius_path = key(shape.props_path, "radius_m")
    raw = shape.props.get("radius_m")
    if raw is None:
        problems.add(radius_path, "is required for a Point (the circle's radius in metres)")
        return None
    radius_m = f.read_number(problems, raw, radius_path)
    if radius_m is not None and radius_m <= 0:
        problems.add(radius_path, f"must be more than 0 m, not {radius_m:g}")
        return None
    if center is None or radius_m is None:
        return None
    return check_outline(problems, CircleOutline(center, radius_m), shape.path, shape.limits)


def _corridor(problems: Problems, shape: _Geometry) -> list[Outline | None]:
    return [_corridor_outline(problems, shape)]


def _corridor_outline(problems: Problems, shape: _Geometry) -> Outline | None:
    path = shape.coordinates_path
    points = _positions(problems, shape.coordinates, path, shape.limits.max_vertices)
    width_path = key(shape.props_path, "width_m")
    raw = shape.props.get("width_m")
    if raw is None:
        problems.add(width_path, "is required for a LineString (the corridor's width in metres)")
        return None
    width_m = f.read_number(problems, raw, width_path)
    if width_m is not None and width_m <= 0:
        problems.add(width_path, f"must be more than 0 m, not {width_m:g}")
        return None
    if points is not None and len(set(points)) < 2:
        problems.add(path, "needs at least 2 different positions")
        return None
    if points is None or width_m is None:
        return None
    return check_outline(problems, corridor(points, width_m), shape.path, shape.limits)


def _positions(
    problems: Problems, value: object, path: str, max_items: int | None = None
) -> list[LatLng] | None:
    items = f.read_list(problems, value, path, max_items=max_items)
    if items is None:
        return None
    positions = [_position(problems, item, index(path, i)) for i, item in enumerate(items)]
    return None if None in positions else [p for p in positions if p is not None]


def _position(problems: Problems, value: object, path: str) -> LatLng | None:
    """``[lng, lat]`` or ``[lng, lat, altitude]``; the altitude is ignored."""
    if not isinstance(value, list) or not 2 <= len(value) <= 3:
        got = f"{len(value)} values" if isinstance(value, list) else f.show(value)
        problems.add(path, f"must be a position [lng, lat], not {got}")
        return None
    lng = f.read_longitude(problems, value[0], index(path, 0))
    lat = f.read_latitude(problems, value[1], index(path, 1))
    return None if lat is None or lng is None else LatLng(lat, lng)


_READERS: dict[str, Callable[[Problems, _Geometry], list[Outline | None]]] = {
    "Polygon": _polygons,
    "MultiPolygon": _multi_polygons,
    "Point": _circle,
    "LineString": _corridor,
}

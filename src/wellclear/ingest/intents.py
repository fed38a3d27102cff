"""Intents in ASTM F3548-21 JSON, and the loader that tells F3548 JSON from GeoJSON.

The file is ``{"intents": [...]}``; each intent is ``{"id", "party", "kind",
"priority" (default 0), "state" (default "accepted"), "tracks" (optional: the ICAO
addresses or callsigns of the live tracks that fly it), "extents": [Volume4D...]}``
and each extent is F3548's Volume4D::

    {"volume": {"outline_polygon": {"vertices": [{"lat": 36.2, "lng": 37.1}, ...]},
                "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": 120, "reference": "W84", "units": "FT"}},
     "time_start": {"value": "2026-05-01T10:00:00Z", "format": "RFC3339"},
     "time_end": {"value": "2026-05-01T11:00:00Z", "format": "RFC3339"}}

with ``outline_circle: {"center": {"lat", "lng"}, "radius": {"value", "units": "M"}}``
instead of ``outline_polygon`` for a disc. Unknown fields are refused by name,
so a misspelt ``time_end`` cannot silently make an extent open-ended.

Problems
--------
Every problem names the file as given, the JSON path of the offending value and
the reason. Once an intent's id is known, reasons start with ``intent "<id>": ``
so the path stays a plain JSON path::

    intents.json: intents[3].extents[0].volume.outline_polygon: intent "blue-7": edges 2 and 5 cross

Problems in the whole file are collected (up to ``Limits.max_problems``) and
raised together as one :class:`~wellclear.errors.InvalidInput`; nothing is
returned partially.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from datetime import datetime

from wellclear.geo.units import feet_to_m
from wellclear.ingest import _fields as f
from wellclear.ingest._extent import (
    DEFAULT_LIMITS,
    ExtentPaths,
    Limits,
    check_outline,
    intent_subject,
    make_volume,
)
from wellclear.ingest._fields import Problems, index, key
from wellclear.ingest.geojson import intents_from_geojson
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

_INTENT_FIELDS = frozenset({"id", "party", "kind", "priority", "state", "extents", "tracks"})
_MAX_TRACKS = 1000
_VOLUME4D_FIELDS = frozenset({"volume", "time_start", "time_end"})
_VOLUME_FIELDS = frozenset(
    {"outline_polygon", "outline_circle", "altitude_lower", "altitude_upper"}
)
_ALTITUDE_UNITS_M = {"M": 1.0, "FT": feet_to_m(1.0)}


def load_intents(path: pathlib.Path, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Intent, ...]:
    """Intents from an F3548 JSON or a GeoJSON file, told apart by content.

    A top-level ``"type": "FeatureCollection"`` is GeoJSON; ``{"intents": [...]}``
    is F3548 JSON. Raises :class:`InvalidInput` with every problem found.
    """
    source = str(path)
    text = f.read_text_file(path)
    problems = Problems(source, limits.max_problems)
    document = f.parse_json(problems, text)
    problems.raise_if_any()
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        intents = intents_from_geojson(problems, document, limits)
    elif isinstance(document, dict) and "intents" in document:
        intents = intents_from_document(problems, document, limits)
    else:
        problems.add(
            "",
            'expected a GeoJSON FeatureCollection or an object with "intents", '
            f"not {f.json_type(document)}",
        )
        intents = ()
    problems.raise_if_any()
    return intents


def parse_intents_json(
    text: str, source: str, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Intent, ...]:
    """Intents from F3548 JSON text; raises :class:`InvalidInput` with every problem.

    >>> parse_intents_json('{"intents": []}', "empty.json")
    ()
    >>> parse_intents_json('{"intents": [{"id": "a"}]}', "x.json")
    Traceback (most recent call last):
    ...
    wellclear.errors.InvalidInput: x.json: intents[0].party: intent "a": is required
    x.json: intents[0].kind: intent "a": is required
    x.json: intents[0].extents: intent "a": is required
    """
    problems = Problems(source, limits.max_problems)
    document = f.parse_json(problems, text)
    problems.raise_if_any()
    return parse_intents_document(document, source, limits=limits)


def parse_intents_document(
    document: object, source: str, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Intent, ...]:
    """Intents from an F3548 document already read from JSON (by ``read_json``, so that a
    ``NaN`` is reported where it stands); raises :class:`InvalidInput` with every problem.

    >>> from wellclear.ingest import read_json
    >>> parse_intents_document(read_json('{"intents": []}'), "body")
    ()
    """
    problems = Problems(source, limits.max_problems)
    intents = intents_from_document(problems, document, limits)
    problems.raise_if_any()
    return intents


def intents_from_document(
    problems: Problems, document: object, limits: Limits
) -> tuple[Intent, ...]:
    """The intents of a parsed F3548 JSON document (problems are recorded, not raised)."""
    top = f.read_object(problems, document, "", frozenset({"intents"}))
    if top is None:
        return ()
    items = f.read_list(problems, f.member(problems, top, "intents", ""), "intents", empty_ok=True)
    intents: list[Intent] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(items or ()):
        intent = _intent(problems, item, i, limits, first_index)
        if intent is not None:
            intents.append(intent)
    return tuple(intents)


def _intent(
    problems: Problems, value: object, i: int, limits: Limits, first_index: dict[str, int]
) -> Intent | None:
    path = index("intents", i)
    obj = f.read_object(problems, value, path, _INTENT_FIELDS)
    if obj is None:
        return None
    intent_id = f.read_text(problems, f.member(problems, obj, "id", path), key(path, "id"))
    with problems.about(intent_subject(intent_id)):
        if intent_id is not None:
            if intent_id in first_index:
                where = index("intents", first_index[intent_id])
                problems.add(key(path, "id"), f"the same id is used by {where}")
            first_index.setdefault(intent_id, i)
        return _intent_body(problems, obj, path, limits, intent_id)


def _intent_body(
    problems: Problems, obj: Mapping[str, object], path: str, limits: Limits, intent_id: str | None
) -> Intent | None:
    party = f.read_text(problems, f.member(problems, obj, "party", path), key(path, "party"))
    kind = f.read_choice(problems, f.member(problems, obj, "kind", path), key(path, "kind"), Kind)
    priority = f.read_int(problems, f.optional(obj, "priority", 0), key(path, "priority"))
    state = f.read_choice(problems, f.optional(obj, "state", "accepted"), key(path, "state"), State)
    extents_path = key(path, "extents")
    raw = f.member(problems, obj, "extents", path)
    items = (
        f.read_list(problems, raw, extents_path, max_items=limits.max_extents)
        if raw is not None
        else None
    )
    extents = [
        _volume4d(problems, item, index(extents_path, j), kind, limits)
        for j, item in enumerate(items or ())
    ]
    volumes = tuple(e for e in extents if e is not None)
    tracks = _tracks(problems, obj.get("tracks"), key(path, "tracks"))
    if intent_id is None or party is None or kind is None or priority is None or state is None:
        return None
    if not volumes or len(volumes) < len(extents) or tracks is None:
        return None
    return Intent(intent_id, party, kind, volumes, priority, state, tracks)


def _tracks(problems: Problems, value: object, path: str) -> tuple[str, ...] | None:
    """Optional list of track ids or callsigns, stripped; ``()`` when absent."""
    if value is None:
        return ()
    items = f.read_list(problems, value, path, max_items=_MAX_TRACKS, empty_ok=True)
    if items is None:
        return None
    texts = [f.read_text(problems, item, index(path, i)) for i, item in enumerate(items)]
    if None in texts:
        return None
    return tuple(t.strip() for t in texts if t is not None)


def _volume4d(
    problems: Problems, value: object, path: str, kind: Kind | None, limits: Limits
) -> Volume4D | None:
    obj = f.read_object(problems, value, path, _VOLUME4D_FIELDS)
    if obj is None:
        return None
    volume_path = key(path, "volume")
    volume = f.read_object(
        problems, f.member(problems, obj, "volume", path), volume_path, _VOLUME_FIELDS
    )
    outline = None if volume is None else _outline(problems, volume, volume_path, limits)
    lower_path, upper_path = key(volume_path, "altitude_lower"), key(volume_path, "altitude_upper")
    floor_m = (
        None
        if volume is None
        else _altitude(
            problems, f.member(problems, volume, "altitude_lower", volume_path), lower_path
        )
    )
    ceiling_m = (
        None
        if volume is None
        else _altitude(
            problems, f.member(problems, volume, "altitude_upper", volume_path), upper_path
        )
    )
    start_path, end_path = key(path, "time_start"), key(path, "time_end")
    paths = ExtentPaths(lower_path, upper_path, start_path, end_path)
    end_missing = obj.get("time_end") is None
    return make_volume(
        problems,
        paths,
        kind=kind,
        outline=outline,
        floor_m=floor_m,
        ceiling_m=ceiling_m,
        start=_time(problems, f.member(problems, obj, "time_start", path), start_path),
        end=None if end_missing else _time(problems, obj["time_end"], end_path),
        end_missing=end_missing,
    )


def _outline(
    problems: Problems, volume: Mapping[str, object], path: str, limits: Limits
) -> Outline | None:
    polygon, circle = volume.get("outline_polygon"), volume.get("outline_circle")
    if polygon is not None and circle is not None:
        problems.add(path, "has both outline_polygon and outline_circle; give exactly one")
        return None
    if polygon is None and circle is None:
        problems.add(path, "needs an outline_polygon or an outline_circle")
        return None
    outline_path = key(path, "outline_polygon" if polygon is not None else "outline_circle")
    outline: Outline | None = (
        _polygon(problems, polygon, outline_path, limits)
        if polygon is not None
        else _circle(problems, circle, outline_path)
    )
    return None if outline is None else check_outline(problems, outline, outline_path, limits)


def _polygon(problems: Problems, value: object, path: str, limits: Limits) -> PolygonOutline | None:
    obj = f.read_object(problems, value, path, frozenset({"vertices"}))
    if obj is None:
        return None
    vertices_path = key(path, "vertices")
    raw = f.member(problems, obj, "vertices", path)
    items = f.read_list(problems, raw, vertices_path, max_items=limits.max_vertices)
    if items is None:
        return None
    vertices = [_latlng(problems, item, index(vertices_path, i)) for i, item in enumerate(items)]
    if None in vertices:
        return None
    return PolygonOutline(tuple(v for v in vertices if v))


def _circle(problems: Problems, value: object, path: str) -> CircleOutline | None:
    obj = f.read_object(problems, value, path, frozenset({"center", "radius"}))
    if obj is None:
        return None
    center = _latlng(problems, f.member(problems, obj, "center", path), key(path, "center"))
    radius_path = key(path, "radius")
    radius = f.read_object(
        problems,
        f.member(problems, obj, "radius", path),
        radius_path,
        frozenset({"value", "units"}),
    )
    if radius is None:
        return None
    value_path = key(radius_path, "value")
    radius_m = f.read_number(problems, f.member(problems, radius, "value", radius_path), value_path)
    units_path = key(radius_path, "units")
    units = f.read_literal(
        problems, f.member(problems, radius, "units", radius_path), units_path, ("M",), " (metres)"
    )
    if radius_m is not None and radius_m <= 0:
        problems.add(value_path, f"must be more than 0 m, not {radius_m:g}")
        return None
    if center is None or radius_m is None or units is None:
        return None
    return CircleOutline(center, radius_m)


def _latlng(problems: Problems, value: object, path: str) -> LatLng | None:
    obj = f.read_object(problems, value, path, frozenset({"lat", "lng"}))
    if obj is None:
        return None
    lat = f.read_latitude(problems, f.member(problems, obj, "lat", path), key(path, "lat"))
    lng = f.read_longitude(problems, f.member(problems, obj, "lng", path), key(path, "lng"))
    return None if lat is None or lng is None else LatLng(lat, lng)


def _altitude(problems: Problems, value: object, path: str) -> float | None:
    """Metres above the WGS84 ellipsoid."""
    obj = f.read_object(problems, value, path, frozenset({"value", "reference", "units"}))
    if obj is None:
        return None
    number = f.read_number(problems, f.member(problems, obj, "value", path), key(path, "value"))
    reference = f.read_literal(
        problems,
        f.member(problems, obj, "reference", path),
        key(path, "reference"),
        ("W84",),
        " (height above the WGS84 ellipsoid)",
    )
    units = f.read_literal(
        problems, f.member(problems, obj, "units", path), key(path, "units"), ("M", "FT")
    )
    if number is None or reference is None or units is None:
        return None
    return number * _ALTITUDE_UNITS_M[units]


def _time(problems: Problems, value: object, path: str) -> datetime | None:
    obj = f.read_object(problems, value, path, frozenset({"value", "format"}))
    if obj is None:
        return None
    time_format = f.read_literal(
        problems, f.member(problems, obj, "format", path), key(path, "format"), ("RFC3339",)
    )
    moment = f.read_time(problems, f.member(problems, obj, "value", path), key(path, "value"))
    return None if time_format is None else moment

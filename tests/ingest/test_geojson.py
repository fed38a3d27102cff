"""GeoJSON intents: each geometry type, grouping by id, then a table of refusals."""

# ruff: noqa: E501  (table rows stay one per line, so each case reads as one row)

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from ingest_samples import (
    SQUARE,
    Json,
    feature_collection,
    geojson_doc,
    geojson_feature,
    problems_of,
)

from wellclear.geo.shapes import polygon_problems
from wellclear.ingest import Limits, parse_geojson
from wellclear.model import CircleOutline, Intent, Kind, LatLng, PolygonOutline

F = "features[0]"
PR = f"{F}.properties"
G = f"{F}.geometry"
R = f"{G}.coordinates[0]"
ID = 'intent "blue-7": '

A, B, C, D = ([lng, lat] for lat, lng in SQUARE)


def parse(doc: object, limits: Limits | None = None) -> tuple[Intent, ...]:
    return parse_geojson(json.dumps(doc), "plan.geojson", limits=limits or Limits())


def props(**changes: object) -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        properties = doc["features"][0]["properties"]
        for name, value in changes.items():
            if value is ...:
                del properties[name]
            else:
                properties[name] = value

    return mutate


def geometry(geometry_type: str, coordinates: object, **changes: object) -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        doc["features"][0]["geometry"] = {"type": geometry_type, "coordinates": coordinates}
        props(**changes)(doc)

    return mutate


def ring(*positions: list[float]) -> Callable[[Json], None]:
    return geometry("Polygon", [list(positions)])


def second_feature(**changes: object) -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        other = geojson_feature()
        other["properties"].update(changes)
        doc["features"].append(other)

    return mutate


BIG = [[37, 36], [38, 36], [38, 37], [37, 37], [37, 36]]
POINT = [37.1, 36.2]

# id, mutation, limits, expected path, expected start of the reason
REFUSED = [
    ("missing properties", lambda d: d["features"][0].pop("properties"), None, PR, "is required"),
    ("missing id", props(id=...), None, f"{PR}.id", "is required"),
    ("unknown kind", props(kind="boat"), None, f"{PR}.kind", f"{ID}must be one of flight, operation"),
    ("missing party", props(party=...), None, f"{PR}.party", f"{ID}is required"),
    ("priority boolean", props(priority=False), None, f"{PR}.priority", f"{ID}must be a number, not true/false"),
    ("missing time_start", props(time_start=...), None, f"{PR}.time_start", f"{ID}is required"),
    ("naive time_end", props(time_end="2026-05-01T11:00:00"), None, f"{PR}.time_end", f'{ID}"2026-05-01T11:00:00" has no time zone'),
    ("end before start", props(time_end="2026-05-01T09:00:00Z"), None, f"{PR}.time_end", f"{ID}2026-05-01T09:00:00+00:00 is not after time_start"),
    ("operation without end", props(time_end=...), None, f"{PR}.time_end", f"{ID}is required for an operation"),
    ("altitude string", props(altitude_lower_m="0"), None, f"{PR}.altitude_lower_m", f"{ID}must be a number, not a string"),
    ("lower above upper", props(altitude_lower_m=500), None, f"{PR}.altitude_lower_m", f"{ID}is 500 m, above altitude_upper_m (300 m)"),
    ("feature type", lambda d: d["features"][0].update(type="Polygon"), None, f"{F}.type", 'must be "Feature", not "Polygon"'),
    ("collection type", lambda d: d.update(type="Feature"), None, "type", 'must be "FeatureCollection", not "Feature"'),
    ("features missing", lambda d: d.pop("features"), None, "features", "is required"),
    ("geometry missing", lambda d: d["features"][0].pop("geometry"), None, G, f"{ID}is required"),
    ("geometry type", geometry("GeometryCollection", []), None, f"{G}.type", f'{ID}must be Polygon, MultiPolygon, Point or LineString, not "GeometryCollection"'),
    ("ring not closed", ring(A, B, C, D), None, R, f"{ID}the ring is not closed: RFC 7946 rings end with their first position"),
    ("hole", geometry("Polygon", [[A, B, C, D, A], [A, B, C, A]]), None, f"{G}.coordinates", f"{ID}has 2 rings; holes are not supported"),
    ("latitude 95", ring(A, B, [37.11, 95], D, A), None, f"{R}[2][1]", f"{ID}latitude 95.0 is outside [-90, 90]"),
    ("longitude 200", ring(A, [200, 36.2], C, D, A), None, f"{R}[1][0]", f"{ID}longitude 200.0 is outside [-180, 180]"),
    ("coordinate string", ring(A, B, C, ["37.1", 36.21], A), None, f"{R}[3][0]", f"{ID}must be a number, not a string"),
    ("short position", ring(A, B, C, [37.1], A), None, f"{R}[3]", f"{ID}must be a position [lng, lat], not 1 values"),
    ("two vertices", ring(A, B, A), None, R, f"{ID}needs at least 3 vertices, not 2"),
    ("duplicate vertex", ring(A, B, C, D, B, A), None, R, f"{ID}vertices 1 and 4 are the same point"),
    ("bow tie", ring(A, C, B, D, A), None, R, f"{ID}edges 0 and 2 cross"),
    ("too many vertices", lambda d: None, Limits(max_vertices=3), R, f"{ID}has 4 vertices; at most 3 are allowed"),
    ("area over limit", geometry("Polygon", [BIG]), None, R, f"{ID}covers 9,942 km², more than the 2,500 km² allowed"),
    ("antimeridian", ring([179.9, 0], [-179.9, 0], [-179.9, 0.1], [179.9, 0]), None, R, f"{ID}edges 0, 2 cross the antimeridian"),
    ("bad second polygon", geometry("MultiPolygon", [[[A, B, C, D, A]], [[A, C, B, D, A]]]), None, f"{G}.coordinates[1][0]", f"{ID}edges 0 and 2 cross"),
    ("point without radius", geometry("Point", POINT), None, f"{PR}.radius_m", f"{ID}is required for a Point"),
    ("radius zero", geometry("Point", POINT, radius_m=0), None, f"{PR}.radius_m", f"{ID}must be more than 0 m, not 0"),
    ("radius boolean", geometry("Point", POINT, radius_m=True), None, f"{PR}.radius_m", f"{ID}must be a number, not true/false"),
    ("circle area", geometry("Point", POINT, radius_m=30_000), None, G, f"{ID}covers 2,827 km²"),
    ("line without width", geometry("LineString", [A, C]), None, f"{PR}.width_m", f"{ID}is required for a LineString"),
    ("negative width", geometry("LineString", [A, C], width_m=-1), None, f"{PR}.width_m", f"{ID}must be more than 0 m, not -1"),
    ("line of one point", geometry("LineString", [A, A], width_m=100), None, f"{G}.coordinates", f"{ID}needs at least 2 different positions"),
    ("line too long", geometry("LineString", [[30, 30], [40, 40]], width_m=10_000), None, G, f"{ID}covers"),
    ("party disagrees", second_feature(party="red"), None, "features[1].properties.party", f'{ID}is "red" but features[0] of the same intent says "blue"'),
    ("kind disagrees", second_feature(kind="flight"), None, "features[1].properties.kind", f'{ID}is "flight" but features[0]'),
    ("too many extents", second_feature(), Limits(max_extents=1), "features[1]", f"{ID}the intent has 2 extents; at most 1 are allowed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "limits", "path", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSED],
)
def test_refused(
    mutate: Callable[[Json], None], limits: Limits | None, path: str, reason: str
) -> None:
    doc = geojson_doc()
    mutate(doc)
    problems = problems_of(lambda: parse(doc, limits or Limits()))
    assert [(p.source, p.path) for p in problems] == [("plan.geojson", path)], problems
    assert problems[0].reason.startswith(reason), problems[0].reason


def test_polygon_ring_is_stored_open_and_altitudes_ignored() -> None:
    doc = geojson_doc()
    doc["features"][0]["geometry"]["coordinates"] = [[[*A, 5.0], B, C, D, [*A, 9.0]]]
    (intent,) = parse(doc)
    assert intent.extents[0].outline == PolygonOutline(
        tuple(LatLng(lat, lng) for lat, lng in SQUARE)
    )
    assert (intent.extents[0].floor_m, intent.extents[0].ceiling_m) == (0.0, 300.0)


def test_multipolygon_gives_one_extent_per_polygon() -> None:
    doc = geojson_doc()
    geometry("MultiPolygon", [[[A, B, C, D, A]], [[A, C, D, A]]])(doc)
    (intent,) = parse(doc)
    assert [len(e.outline.vertices) for e in intent.extents] == [4, 3]  # type: ignore[union-attr]


def test_point_is_a_circle() -> None:
    doc = geojson_doc()
    geometry("Point", [*POINT, 100.0], radius_m=250)(doc)
    (intent,) = parse(doc)
    assert intent.extents[0].outline == CircleOutline(LatLng(36.2, 37.1), 250.0)


def test_line_is_a_corridor_and_a_site_may_be_open_ended() -> None:
    doc = geojson_doc()
    geometry("LineString", [A, C, D], width_m=200, kind="site", time_end=...)(doc)
    (intent,) = parse(doc)
    outline = intent.extents[0].outline
    assert isinstance(outline, PolygonOutline)
    assert polygon_problems(outline.vertices) == ()
    assert (intent.kind, intent.extents[0].end) == (Kind.SITE, None)


def test_features_with_one_id_form_one_intent_in_first_seen_order() -> None:
    doc = feature_collection(geojson_feature("a"), geojson_feature("b"), geojson_feature("a"))
    doc["features"][1]["properties"]["priority"] = 2
    intents = parse(doc)
    assert [(i.id, len(i.extents), i.priority) for i in intents] == [("a", 2, 0), ("b", 1, 2)]


def test_feature_member_id_is_used_without_properties_id() -> None:
    doc = geojson_doc()
    del doc["features"][0]["properties"]["id"]
    doc["features"][0]["id"] = 42
    assert [i.id for i in parse(doc)] == ["42"]


def test_foreign_members_and_other_properties_are_ignored() -> None:
    doc: Any = geojson_doc()
    doc["bbox"] = [37, 36, 38, 37]
    doc["features"][0]["properties"]["name"] = "survey"
    assert len(parse(doc)) == 1


def test_nan_radius_is_refused_where_it_is() -> None:
    doc = geojson_doc()
    geometry("Point", POINT, radius_m=0.5)(doc)
    text = json.dumps(doc).replace('"radius_m": 0.5', '"radius_m": NaN')
    (problem,) = problems_of(lambda: parse_geojson(text, "plan.geojson"))
    assert (problem.path, problem.reason) == (
        f"{PR}.radius_m",
        f"{ID}must be a finite number, not NaN",
    )


def test_problems_in_several_features_are_all_reported() -> None:
    doc = feature_collection(geojson_feature("a"), geojson_feature("b"))
    doc["features"][0]["properties"]["kind"] = "boat"
    doc["features"][1]["geometry"]["coordinates"][0][2] = [37.11, 91]
    problems = problems_of(lambda: parse(doc))
    assert [p.path for p in problems] == [
        f"{PR}.kind",
        "features[1].geometry.coordinates[0][2][1]",
    ]

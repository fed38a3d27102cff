"""F3548 JSON intents: the valid shapes, then one table row per way to get it wrong."""

# ruff: noqa: E501  (table rows stay one per line, so each case reads as one row)

from __future__ import annotations

import json
import math
import pathlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest_samples import (
    END,
    SQUARE,
    START,
    Json,
    f3548_intent,
    f3548_volume4d,
    feature_collection,
    geojson_feature,
    intents_doc,
    problems_of,
)

from wellclear.errors import InvalidInput
from wellclear.ingest import Limits, load_intents, parse_intents_json
from wellclear.model import CircleOutline, Kind, LatLng, PolygonOutline, State

P = "intents[0]"
E = f"{P}.extents[0]"
V = f"{E}.volume"
OP = f"{V}.outline_polygon"
OC = f"{V}.outline_circle"
ID = 'intent "blue-7": '


def parse(doc: object, limits: Limits | None = None) -> Any:
    return parse_intents_json(json.dumps(doc), "intents.json", limits=limits or Limits())


def at(doc: Json, *steps: str | int) -> Any:
    for step in steps:
        doc = doc[step]  # type: ignore[index]
    return doc


def setting(*steps: str | int, value: object) -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        at(doc, *steps[:-1])[steps[-1]] = value

    return mutate


def deleting(*steps: str | int) -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        del at(doc, *steps[:-1])[steps[-1]]

    return mutate


EXT = ("intents", 0, "extents", 0)
VOL = (*EXT, "volume")
VERTICES = (*VOL, "outline_polygon", "vertices")


def vertices(*points: tuple[float, float]) -> list[Json]:
    return [{"lat": lat, "lng": lng} for lat, lng in points]


A, B, C, D = SQUARE
CIRCLE = {"center": {"lat": 36.2, "lng": 37.1}, "radius": {"value": 500, "units": "M"}}


def with_circle(radius: object = 500, units: object = "M") -> Callable[[Json], None]:
    def mutate(doc: Json) -> None:
        volume = at(doc, *VOL)
        del volume["outline_polygon"]
        center = {"lat": 36.2, "lng": 37.1}
        volume["outline_circle"] = {"center": center, "radius": {"value": radius, "units": units}}

    return mutate


def two_extents(doc: Json) -> None:
    at(doc, "intents", 0)["extents"].append(f3548_volume4d())


# id, mutation, limits, expected path, expected start of the reason
REFUSED = [
    ("missing id", deleting("intents", 0, "id"), None, f"{P}.id", "is required"),
    ("empty id", setting("intents", 0, "id", value=" "), None, f"{P}.id", "must not be empty"),
    ("missing party", deleting("intents", 0, "party"), None, f"{P}.party", f"{ID}is required"),
    ("null party", setting("intents", 0, "party", value=None), None, f"{P}.party", f"{ID}is required"),
    ("party number", setting("intents", 0, "party", value=7), None, f"{P}.party", f"{ID}must be a string, not a number"),
    ("unknown kind", setting("intents", 0, "kind", value="boat"), None, f"{P}.kind", f"{ID}must be one of flight, operation, movement, site, restriction, not \"boat\""),
    ("priority string", setting("intents", 0, "priority", value="high"), None, f"{P}.priority", f"{ID}must be a number, not a string"),
    ("priority boolean", setting("intents", 0, "priority", value=True), None, f"{P}.priority", f"{ID}must be a number, not true/false"),
    ("priority fraction", setting("intents", 0, "priority", value=1.5), None, f"{P}.priority", f"{ID}must be a whole number, not 1.5"),
    ("unknown state", setting("intents", 0, "state", value="flying"), None, f"{P}.state", f"{ID}must be one of accepted"),
    ("unknown intent field", setting("intents", 0, "colour", value="red"), None, f"{P}.colour", "unknown field; expected one of extents, id, kind"),
    ("no extents", setting("intents", 0, "extents", value=[]), None, f"{P}.extents", f"{ID}must not be empty"),
    ("extents object", setting("intents", 0, "extents", value={}), None, f"{P}.extents", f"{ID}must be an array, not an object"),
    ("extent number", setting(*EXT, value=3), None, E, f"{ID}must be an object, not a number"),
    ("too many extents", two_extents, Limits(max_extents=1), f"{P}.extents", f"{ID}has 2 items; at most 1 are allowed"),
    ("misspelt time_end", lambda d: (at(d, *EXT).update(time_ends=at(d, *EXT).pop("time_end")), at(d, "intents", 0).update(kind="site")), None, f"{E}.time_ends", f"{ID}unknown field"),
    ("missing volume", deleting(*EXT, "volume"), None, f"{E}.volume", f"{ID}is required"),
    ("no outline", deleting(*VOL, "outline_polygon"), None, V, f"{ID}needs an outline_polygon or an outline_circle"),
    ("two outlines", setting(*VOL, "outline_circle", value=CIRCLE), None, V, f"{ID}has both outline_polygon and outline_circle"),
    ("units KM", setting(*VOL, "altitude_lower", "units", value="KM"), None, f"{V}.altitude_lower.units", f'{ID}must be "M" or "FT", not "KM"'),
    ("units missing", deleting(*VOL, "altitude_lower", "units"), None, f"{V}.altitude_lower.units", f"{ID}is required"),
    ("reference AGL", setting(*VOL, "altitude_upper", "reference", value="AGL"), None, f"{V}.altitude_upper.reference", f'{ID}must be "W84" (height above the WGS84 ellipsoid), not "AGL"'),
    ("altitude string", setting(*VOL, "altitude_upper", "value", value="100"), None, f"{V}.altitude_upper.value", f"{ID}must be a number, not a string"),
    ("missing altitude", deleting(*VOL, "altitude_upper"), None, f"{V}.altitude_upper", f"{ID}is required"),
    ("lower above upper", setting(*VOL, "altitude_lower", "value", value=500), None, f"{V}.altitude_lower", f"{ID}is 500 m, above altitude_upper (304.8 m)"),
    ("latitude 95", setting(*VERTICES, 2, "lat", value=95), None, f"{OP}.vertices[2].lat", f"{ID}latitude 95.0 is outside [-90, 90]"),
    ("longitude -181", setting(*VERTICES, 1, "lng", value=-181), None, f"{OP}.vertices[1].lng", f"{ID}longitude -181.0 is outside [-180, 180]"),
    ("latitude boolean", setting(*VERTICES, 0, "lat", value=False), None, f"{OP}.vertices[0].lat", f"{ID}must be a number, not true/false"),
    ("latitude 1e999", setting(*VERTICES, 0, "lat", value=math.inf), None, f"{OP}.vertices[0].lat", f"{ID}must be a finite number, not Infinity"),
    ("vertex null", setting(*VERTICES, 0, value=None), None, f"{OP}.vertices[0]", f"{ID}must be an object, not null"),
    ("vertex extra key", setting(*VERTICES, 0, "alt", value=3), None, f"{OP}.vertices[0].alt", f"{ID}unknown field; expected one of lat, lng"),
    ("two vertices", setting(*VERTICES, value=vertices(A, B)), None, OP, f"{ID}needs at least 3 vertices, not 2"),
    ("closed ring", setting(*VERTICES, value=vertices(A, B, C, D, A)), None, OP, f"{ID}the ring is closed: the last vertex repeats the first"),
    ("duplicate vertex", setting(*VERTICES, value=vertices(A, B, C, D, B)), None, OP, f"{ID}vertices 1 and 4 are the same point"),
    ("bow tie", setting(*VERTICES, value=vertices(A, C, B, D)), None, OP, f"{ID}edges 0 and 2 cross"),
    ("too many vertices", lambda d: None, Limits(max_vertices=3), f"{OP}.vertices", f"{ID}has 4 items; at most 3 are allowed"),
    ("antimeridian", setting(*VERTICES, value=vertices((0, 179.9), (0, -179.9), (0.1, -179.9))), None, OP, f"{ID}edges 0, 2 cross the antimeridian (±180° longitude); split the shape there"),
    ("area over limit", setting(*VERTICES, value=vertices((36, 37), (36, 38), (37, 38), (37, 37))), None, OP, f"{ID}covers 9,942 km², more than the 2,500 km² allowed"),
    ("radius zero", with_circle(radius=0), None, f"{OC}.radius.value", f"{ID}must be more than 0 m, not 0"),
    ("radius negative", with_circle(radius=-5), None, f"{OC}.radius.value", f"{ID}must be more than 0 m, not -5"),
    ("radius in feet", with_circle(units="FT"), None, f"{OC}.radius.units", f'{ID}must be "M" (metres), not "FT"'),
    ("radius string", with_circle(radius="5"), None, f"{OC}.radius.value", f"{ID}must be a number, not a string"),
    ("circle area over limit", with_circle(radius=30_000), None, OC, f"{ID}covers 2,827 km², more than the 2,500 km² allowed"),
    ("circle over antimeridian", lambda d: (with_circle(radius=5_000)(d), at(d, *VOL, "outline_circle")["center"].update(lng=179.99)), None, OC, f"{ID}the circle crosses the antimeridian"),
    ("end before start", setting(*EXT, "time_end", "value", value="2026-05-01T09:00:00Z"), None, f"{E}.time_end", f"{ID}2026-05-01T09:00:00+00:00 is not after time_start"),
    ("end equals start", setting(*EXT, "time_end", "value", value=START), None, f"{E}.time_end", f"{ID}2026-05-01T10:00:00+00:00 is not after time_start"),
    ("naive start", setting(*EXT, "time_start", "value", value="2026-05-01T10:00:00"), None, f"{E}.time_start.value", f'{ID}"2026-05-01T10:00:00" has no time zone'),
    ("not a time", setting(*EXT, "time_start", "value", value="tomorrow"), None, f"{E}.time_start.value", f'{ID}"tomorrow" is not an RFC 3339 time'),
    ("30 February", setting(*EXT, "time_start", "value", value="2026-02-30T10:00:00Z"), None, f"{E}.time_start.value", f'{ID}"2026-02-30T10:00:00Z" is not a valid time'),
    ("time format", setting(*EXT, "time_start", "format", value="ISO8601"), None, f"{E}.time_start.format", f'{ID}must be "RFC3339", not "ISO8601"'),
    ("operation without end", deleting(*EXT, "time_end"), None, f"{E}.time_end", f"{ID}is required for an operation; only sites and restrictions may be open-ended"),
    ("flight without end", lambda d: (deleting(*EXT, "time_end")(d), at(d, "intents", 0).update(kind="flight")), None, f"{E}.time_end", f"{ID}is required for a flight"),
    ("tracks not a list", setting("intents", 0, "tracks", value="4CA2D6"), None, f"{P}.tracks", f"{ID}must be an array, not a string"),
    ("track number", setting("intents", 0, "tracks", value=["4CA2D6", 7]), None, f"{P}.tracks[1]", f"{ID}must be a string, not a number"),
    ("track blank", setting("intents", 0, "tracks", value=[" "]), None, f"{P}.tracks[0]", f"{ID}must not be empty"),
    ("intents not a list", setting("intents", value="all"), None, "intents", "must be an array, not a string"),
    ("unknown top-level field", setting("version", value=2), None, "version", "unknown field; expected one of intents"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "limits", "path", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSED],
)
def test_refused(
    mutate: Callable[[Json], None], limits: Limits | None, path: str, reason: str
) -> None:
    doc = intents_doc()
    mutate(doc)
    problems = problems_of(lambda: parse(doc, limits or Limits()))
    assert [(p.source, p.path) for p in problems] == [("intents.json", path)], problems
    assert problems[0].reason.startswith(reason), problems[0].reason


def test_polygon_intent_is_read() -> None:
    (intent,) = parse(intents_doc())
    assert (intent.id, intent.party, intent.kind, intent.priority, intent.state) == (
        "blue-7",
        "blue",
        Kind.OPERATION,
        0,
        State.ACCEPTED,
    )
    (extent,) = intent.extents
    assert extent.outline == PolygonOutline(tuple(LatLng(lat, lng) for lat, lng in SQUARE))
    assert (extent.floor_m, extent.ceiling_m) == (0.0, pytest.approx(304.8))
    assert extent.start == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert extent.end == datetime(2026, 5, 1, 11, tzinfo=UTC)


def test_circle_offsets_and_open_ended_site() -> None:
    doc = intents_doc()
    with_circle(radius=250.5)(doc)
    intent = at(doc, "intents", 0)
    intent.update(kind="site", priority=3, state="activated")
    extent = intent["extents"][0]
    del extent["time_end"]
    extent["time_start"]["value"] = "2026-05-01T12:30:00.25+02:30"
    (parsed,) = parse(doc)
    assert (parsed.kind, parsed.priority, parsed.state) == (Kind.SITE, 3, State.ACTIVATED)
    assert parsed.extents[0].outline == CircleOutline(LatLng(36.2, 37.1), 250.5)
    assert parsed.extents[0].start == datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert parsed.extents[0].end is None


@pytest.mark.parametrize(
    ("tracks", "expected"),
    [(None, ()), ([], ()), ([" 4ca2d6", "KLM12 "], ("4ca2d6", "KLM12"))],
)
def test_tracks_tied_to_an_intent(tracks: object, expected: tuple[str, ...]) -> None:
    doc = intents_doc()
    if tracks is not None:
        at(doc, "intents", 0)["tracks"] = tracks
    (intent,) = parse(doc)
    assert intent.tracks == expected


def test_empty_list_is_no_intents() -> None:
    assert parse({"intents": []}) == ()


def test_duplicate_ids_name_the_first_use() -> None:
    doc = {"intents": [f3548_intent("a"), f3548_intent("b"), f3548_intent("a")]}
    (problem,) = problems_of(lambda: parse(doc))
    assert (problem.path, problem.reason) == (
        "intents[2].id",
        'intent "a": the same id is used by intents[0]',
    )


def test_every_problem_in_every_intent_is_reported_and_nothing_returned() -> None:
    good, bad_kind, bad_time = f3548_intent("good"), f3548_intent("k"), f3548_intent("t")
    bad_kind["kind"] = "boat"
    bad_time["extents"][0]["time_start"]["value"] = "noon"
    bad_time["extents"][0]["volume"]["altitude_lower"]["units"] = "KM"
    problems = problems_of(lambda: parse({"intents": [good, bad_kind, bad_time]}))
    assert [p.path for p in problems] == [
        "intents[1].kind",
        "intents[2].extents[0].volume.altitude_lower.units",
        "intents[2].extents[0].time_start.value",
    ]


def test_problems_are_capped_with_a_count_of_the_rest() -> None:
    doc = {
        "intents": [
            {"id": f"i{n}", "party": "p", "kind": "boat", "extents": [3]} for n in range(60)
        ]
    }
    problems = problems_of(lambda: parse(doc, Limits(max_problems=100)))
    assert len(problems) == 101
    assert problems[-1].reason == "20 more problems not shown"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param('{"intents": [', "not valid JSON at line 1, column 14: Expecting value", id="truncated"),
        pytest.param('{"intents": []\n,}', "not valid JSON at line 2, column 2: Expecting property name", id="trailing comma"),
        pytest.param("", "not valid JSON at line 1, column 1: Expecting value", id="empty"),
    ],
)  # fmt: skip
def test_malformed_json_names_line_and_column(text: str, reason: str) -> None:
    (problem,) = problems_of(lambda: parse_intents_json(text, "intents.json"))
    assert (problem.source, problem.path) == ("intents.json", "")
    assert problem.reason.startswith(reason)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_literals_are_refused_where_they_are(literal: str) -> None:
    text = json.dumps(intents_doc()).replace('"value": 0,', f'"value": {literal},', 1)
    (problem,) = problems_of(lambda: parse_intents_json(text, "intents.json"))
    assert problem.path == f"{V}.altitude_lower.value"
    assert problem.reason == f"{ID}must be a finite number, not {literal}"


def test_feet_are_converted_to_metres() -> None:
    doc = intents_doc()
    at(doc, *VOL, "altitude_lower").update(value=100, units="FT")
    (intent,) = parse(doc)
    assert intent.extents[0].floor_m == pytest.approx(30.48)


class TestLoadIntents:
    def test_f3548_file(self, tmp_path: pathlib.Path) -> None:
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(intents_doc()))
        assert [i.id for i in load_intents(path)] == ["blue-7"]

    def test_geojson_file(self, tmp_path: pathlib.Path) -> None:
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(feature_collection(geojson_feature("g"))))
        assert [i.id for i in load_intents(path)] == ["g"]

    def test_problems_name_the_file_as_given(self, tmp_path: pathlib.Path) -> None:
        path = tmp_path / "plan.json"
        doc = intents_doc()
        at(doc, "intents", 0)["kind"] = "boat"
        path.write_text(json.dumps(doc))
        (problem,) = problems_of(lambda: load_intents(path))
        assert (problem.source, problem.path) == (str(path), f"{P}.kind")

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("[]", 'expected a GeoJSON FeatureCollection or an object with "intents", not an array'),
            ('{"type": "Feature"}', 'expected a GeoJSON FeatureCollection or an object with "intents", not an object'),
            ("{", "not valid JSON at line 1, column 2"),
        ],
    )  # fmt: skip
    def test_neither_format(self, tmp_path: pathlib.Path, text: str, reason: str) -> None:
        path = tmp_path / "plan.json"
        path.write_text(text)
        (problem,) = problems_of(lambda: load_intents(path))
        assert problem.reason.startswith(reason)

    def test_missing_file(self, tmp_path: pathlib.Path) -> None:
        path = tmp_path / "nowhere.json"
        with pytest.raises(
            InvalidInput, match=r"nowhere\.json: cannot read the file: No such file"
        ):
            load_intents(path)


def test_times_keep_the_instant_across_offsets() -> None:
    doc = intents_doc()
    at(doc, *EXT, "time_start")["value"] = "2026-05-01T05:00:00-05:00"
    at(doc, *EXT, "time_end")["value"] = END.replace("Z", "z")
    (intent,) = parse(doc)
    assert intent.extents[0].start == datetime.fromisoformat(START)

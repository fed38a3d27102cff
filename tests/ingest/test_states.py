"""The input of ``wellclear detect``: JSON and CSV snapshots, units, and every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wellclear.errors import InvalidInput
from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS, NM_M
from wellclear.ingest.states import load, parse_csv, parse_json

AIRCRAFT = {"id": "A", "lat": 52.0, "lon": 5.0, "alt_ft": 31000, "trk_deg": 90, "gs_kt": 450}


def doc(*aircraft: dict, **extra: object) -> str:
    return json.dumps({"aircraft": list(aircraft), **extra})


def test_units_are_converted_to_si() -> None:
    snap = parse_json(doc({**AIRCRAFT, "vs_fpm": -1500}))
    sv = snap.states
    assert sv.alt_m[0] == pytest.approx(31000 * FT_M)
    assert sv.gs_mps[0] == pytest.approx(450 * KT_MPS)
    assert sv.vs_mps[0] == pytest.approx(-1500 * FPM_MPS)
    assert sv.rpz_m[0] == pytest.approx(5 * NM_M)
    assert sv.hpz_m[0] == pytest.approx(304.8)


def test_params_then_per_aircraft_then_override() -> None:
    text = doc(
        AIRCRAFT,
        {**AIRCRAFT, "id": "B", "rpz_nm": 3, "dtlookahead_s": 60},
        params={"rpz_nm": 10, "hpz_ft": 2000, "dtlookahead_s": 120},
    )
    sv = parse_json(text).states
    assert sv.rpz_m.tolist() == pytest.approx([10 * NM_M, 3 * NM_M])
    assert sv.hpz_m.tolist() == pytest.approx([2000 * FT_M] * 2)
    assert sv.lookahead_s.tolist() == [120.0, 60.0]
    forced = parse_json(text, override={"rpz_nm": 7}).states
    assert forced.rpz_m.tolist() == pytest.approx([7 * NM_M, 3 * NM_M])


@pytest.mark.parametrize(
    ("aircraft", "path", "reason"),
    [
        ({**AIRCRAFT, "lat": 91}, "aircraft[0].lat", "within [-90, 90]"),
        ({**AIRCRAFT, "lat": "52"}, "aircraft[0].lat", "must be a number"),
        ({**AIRCRAFT, "gs_kt": True}, "aircraft[0].gs_kt", "must be a number"),
        ({**AIRCRAFT, "gs_kt": -3}, "aircraft[0].gs_kt", "within [0, 5000]"),
        ({k: v for k, v in AIRCRAFT.items() if k != "alt_ft"}, "aircraft[0].alt_ft", "required"),
        ({**AIRCRAFT, "id": ""}, "aircraft[0].id", "non-empty"),
        ({**AIRCRAFT, "rpz_nm": -1}, "aircraft[0].rpz_nm", "within"),
        ([1, 2], "aircraft[0]", "must be an object"),
    ],
)
def test_problems_carry_json_paths(aircraft, path: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_json(doc(aircraft), "s.json")
    problem = caught.value.problems[0]
    assert (problem.source, problem.path) == ("s.json", path)
    assert reason in problem.reason


def test_every_problem_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_json(doc(AIRCRAFT, AIRCRAFT, {**AIRCRAFT, "id": "C", "lon": 200}, params={"x": 1}))
    paths = [p.path for p in caught.value.problems]
    assert paths == ["params.x", "aircraft[1].id", "aircraft[2].lon"]
    assert "duplicate of aircraft[0].id" in caught.value.problems[1].reason


@pytest.mark.parametrize("text", ["", "[]", '{"aircraft": 3}', "{nope"])
def test_whole_file_errors(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_json(text)


def test_csv() -> None:
    text = (
        "id,lat,lon,alt_ft,trk_deg,gs_kt,vs_fpm\n"
        "A,52,5,31000,90,450,\n"
        "B,52.1, 5 ,31000,270,450,500\n"
    )
    snap = parse_csv(text)
    assert snap.ids == ("A", "B")
    assert snap.states.vs_mps.tolist() == pytest.approx([0.0, 500 * FPM_MPS])
    with pytest.raises(InvalidInput) as caught:
        parse_csv("id,lat,lon,alt_ft,trk_deg,gs_kt\nA,x,5,1,1,1\n", "s.csv")
    assert str(caught.value.problems[0]) == "s.csv: line 2, column lat: must be a number, not 'x'"
    with pytest.raises(InvalidInput, match="missing column"):
        parse_csv("id,lat\nA,1\n")


def test_load_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("id,lat,lon,alt_ft,trk_deg,gs_kt\nA,52,5,31000,90,450\n")
    (tmp_path / "s.json").write_text(doc(AIRCRAFT))
    assert load(tmp_path / "s.csv").ids == load(tmp_path / "s.json").ids == ("A",)
    with pytest.raises(InvalidInput, match="cannot read"):
        load(tmp_path / "missing.json")

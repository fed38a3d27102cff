"""``wellclear detect`` end to end through the command line: output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wellclear.cli import app

HEAD_ON = {
    "params": {"rpz_nm": 5, "hpz_ft": 1000, "dtlookahead_s": 300},
    "aircraft": [
        {"id": "KLM12", "lat": 52.0, "lon": 5.0, "alt_ft": 31000, "trk_deg": 0, "gs_kt": 400},
        {"id": "BAW4", "lat": 52.18, "lon": 5.0, "alt_ft": 31000, "trk_deg": 180, "gs_kt": 400},
        {"id": "DLH9", "lat": 53.0, "lon": 6.0, "alt_ft": 20000, "trk_deg": 90, "gs_kt": 300},
    ],
}


def run(tmp_path: Path, document: object, *args: str, name: str = "states.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return CliRunner().invoke(app, ["detect", str(path), *args])


def test_json_output_and_exit_1(tmp_path: Path) -> None:
    result = run(tmp_path, HEAD_ON, "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"conflicts", "counts", "timing_s"}
    (conflict,) = out["conflicts"]
    assert conflict["pair"] == ["BAW4", "KLM12"]
    assert set(conflict) == {"pair", "tcpa_s", "dcpa_m", "tlos_s", "level", "los"}
    assert conflict["level"] == "warning"
    assert conflict["los"] is False
    assert abs(conflict["tcpa_s"] - 48.6) < 0.1
    assert abs(conflict["tlos_s"] - 26.1) < 0.1
    assert out["counts"]["aircraft"] == 3
    assert out["counts"]["conflicts"] == 1


def test_clean_exit_0_and_table(tmp_path: Path) -> None:
    doc = {**HEAD_ON, "aircraft": HEAD_ON["aircraft"][::2]}
    result = run(tmp_path, doc)
    assert result.exit_code == 0, result.output
    assert "2 aircraft" in result.stdout
    assert "0 conflicts" in result.stdout


def test_options_override_file_params(tmp_path: Path) -> None:
    result = run(tmp_path, HEAD_ON, "--json", "--lookahead-s", "20")
    assert result.exit_code == 0, result.output


def test_table_lists_pairs(tmp_path: Path) -> None:
    result = run(tmp_path, HEAD_ON)
    assert result.exit_code == 1
    assert "KLM12" in result.stdout
    assert "warning" in result.stdout


def test_bad_input_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path, {"aircraft": [{"id": "A", "lat": 99}]})
    assert result.exit_code == 2
    assert "aircraft[0].lat" in result.stderr


def test_csv_input(tmp_path: Path) -> None:
    text = "id,lat,lon,alt_ft,trk_deg,gs_kt\nA,52.0,5,31000,0,400\nB,52.18,5,31000,180,400\n"
    result = run(tmp_path, text, "--json", name="s.csv")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["conflicts"][0]["pair"] == ["A", "B"]

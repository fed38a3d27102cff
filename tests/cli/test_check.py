"""`wellclear check` as a user runs it: a real subprocess, real files, exit codes 0/1/2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "aleppo.json"
WELLCLEAR = [sys.executable, "-m", "wellclear.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [*WELLCLEAR, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_json_output_and_regions_file(tmp_path):
    regions = tmp_path / "out" / "regions.geojson"
    result = run("check", EXAMPLE, "--json", "--regions-out", regions)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["counts"]["conflicts"] == 4
    first = document["conflicts"][0]
    assert first["pair"] == sorted(first["pair"])
    assert set(first["region"]) == {
        "footprint", "altitude_lower_m", "altitude_upper_m", "time_start", "time_end"
    }  # fmt: skip
    assert first["region"]["footprint"]["type"] in {"Polygon", "MultiPolygon"}
    features = json.loads(regions.read_text())["features"]
    assert len(features) == document["counts"]["regions"]
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]  # RFC 7946: closed rings


def test_clean_input_exits_zero(tmp_path):
    document = json.loads(EXAMPLE.read_text())
    document["intents"] = [i for i in document["intents"] if i["party"] == "blue-air"]
    clean = tmp_path / "blue.json"
    clean.write_text(json.dumps(document))
    result = run("check", clean)
    assert result.returncode == 0
    assert "No conflicts among 3 intents" in result.stdout


def test_bad_input_lists_every_problem_exits_two_and_writes_nothing(tmp_path):
    document = json.loads(EXAMPLE.read_text())
    document["intents"][0]["kind"] = "boat"
    document["intents"][1]["extents"][0]["volume"]["outline_circle"]["radius"]["value"] = -5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    regions = tmp_path / "regions.geojson"
    result = run("check", bad, "--regions-out", regions)
    assert result.returncode == 2
    assert "bad.json: intents[0].kind" in result.stderr
    assert "intents[1].extents[0].volume.outline_circle" in result.stderr
    assert not regions.exists()
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "missing.json"), "missing.json"),
        (("check", EXAMPLE, "--policy", "nope.toml"), "nope.toml"),
    ],
)
def test_missing_files_exit_two(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_policy_file_changes_the_answer(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[[pair]]\nkinds = ["operation", "site"]\nhorizontal_m = 500\n'
        'vertical_m = "ignore"\ntime_s = 0\nmode = "notify"\n'
    )
    result = run("check", EXAMPLE, "--policy", policy, "--json")
    assert result.returncode == 0  # the hospital is 700 m away: clear of 500 m
    assert json.loads(result.stdout)["conflicts"] == []


def test_console_script_is_installed():
    assert shutil.which("wellclear") or Path(sys.executable).with_name("wellclear").exists()

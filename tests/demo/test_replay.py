"""Replaying recorded OpenSky traffic: reading the samples and pacing them on a clock."""

from __future__ import annotations

import gzip
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from wellclear.demo import replay
from wellclear.tactical import AlertThresholds, detect, state_vectors

SLICE = Path(__file__).parent / "data" / "quickstart_1100s_180s.json.gz"
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TRAFFIC_INSTALLED = importlib.util.find_spec("traffic") is not None


def test_recording_keeps_airborne_complete_states_in_time_order():
    recording = replay.load_recording(SLICE)
    with gzip.open(SLICE, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    airborne = [
        r for r in raw
        if not r.get("onground") and None not in (r["latitude"], r["altitude"], r["groundspeed"],
                                                  r["track"])
    ]  # fmt: skip
    assert recording.t_s.size == len(airborne)
    assert np.all(np.diff(recording.t_s) >= 0)
    assert recording.first == datetime(2021, 10, 7, 12, 18, 21, tzinfo=UTC)
    assert recording.duration_s == pytest.approx(179.0, abs=1.0)
    assert recording.aircraft == len({r["icao24"] for r in airborne})
    assert all(a == a.upper() for a in recording.icao24)


def test_states_between_give_each_aircraft_newest_state_on_the_scenario_clock():
    recording = replay.load_recording(SLICE)
    states = recording.states_between(9.0, 10.0, START)  # recorded second 10
    assert states
    assert len({s["id"] for s in states}) == len(states)
    assert {s["at"] for s in states} == {"2026-11-28T09:00:10Z"}
    window = recording.states_between(-1.0, 30.0, START)
    for state in window:  # the newest of each aircraft in the window
        rows = [k for k, a in enumerate(recording.icao24) if a == state["id"]]
        newest = max(k for k in rows if recording.t_s[k] <= 30.0)
        assert state["lat"] == round(float(recording.lat[newest]), 6)


def test_the_slice_has_converging_pairs_for_the_tactical_engine():
    recording = replay.load_recording(SLICE)
    states = recording.states_between(60.0, 90.0, START)
    c = {k: np.array([s[k] for s in states]) for k in ("lat", "lon", "alt_ft", "trk_deg",
                                                         "gs_kt", "vs_fpm")}  # fmt: skip
    found = detect(
        state_vectors(lat_deg=c["lat"], lon_deg=c["lon"], alt_m=c["alt_ft"] * 0.3048,
                      trk_deg=c["trk_deg"], gs_mps=c["gs_kt"] * 1852 / 3600,
                      vs_mps=c["vs_fpm"] * 0.3048 / 60),
        AlertThresholds(),
    )  # fmt: skip
    assert found.size >= 1


def test_a_file_path_is_a_sample_too():
    assert replay.find_sample(str(SLICE)) == SLICE


@pytest.mark.skipif(TRAFFIC_INSTALLED, reason="traffic is installed: the error cannot happen")
def test_without_traffic_the_error_says_how_to_install_it():
    with pytest.raises(replay.SampleUnavailable, match=r"pip install '\.\[replay\]'"):
        replay.find_sample("quickstart")


@pytest.mark.skipif(not TRAFFIC_INSTALLED, reason="PyPI traffic not installed ('.[replay]')")
def test_installed_traffic_ships_the_quickstart_sample():
    recording = replay.load_recording(replay.find_sample(replay.DEFAULT_SAMPLE))
    assert recording.aircraft > 100

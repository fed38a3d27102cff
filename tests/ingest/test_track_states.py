"""The ``POST /v1/tracks`` body parser: every bad field named, never a crash."""

from __future__ import annotations

import json

import pytest

from wellclear.errors import InvalidInput
from wellclear.ingest.track_states import parse_track_states

GOOD = {"id": "4CA2D6", "lat": 36.2, "lon": 37.1, "alt_ft": 10_000, "trk_deg": 90, "gs_kt": 300}


def test_a_good_state_parses():
    (state,) = parse_track_states(json.dumps({"states": [GOOD]}))
    assert (state.id, state.lat_deg, state.trk_deg) == ("4CA2D6", 36.2, 90.0)


def test_problems_past_the_cap_still_give_a_clear_error():
    """Regression (found by fuzzing): once the problem list is full, later bad states
    were taken as good and tripped an assertion (HTTP 500)."""
    bad = {"id": "x", "lat": {"a": 1}, "lon": 1.0, "trk_deg": 1.0, "gs_kt": 1.0, "vs_fpm": True}
    states = [bad] * 30 + [{**GOOD, "alt_ft": [], "lat": {}}]
    with pytest.raises(InvalidInput) as raised:
        parse_track_states(json.dumps({"states": states}))
    assert "states[0].lat: must be a number" in str(raised.value)

"""The demo scenario does what its docstring promises, checked with the engines themselves."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from wellclear.demo import scenario
from wellclear.demo.wire import intent_body
from wellclear.ingest import default_policy, parse_intents_json
from wellclear.model import Kind, Mode
from wellclear.strategic import find_conflicts
from wellclear.tactical import AlertThresholds, detect, state_vectors
from wellclear.tactical.conformance import Monitored, Positions, Tolerance, nonconforming

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
WORLD = scenario.build(START)

EXPECTED_CONFLICTS = {
    ("blue-isr-north", "red-strike-east"): (Mode.NOTIFY, 2_000.0),
    ("ngo-hospital-university", "red-training-north"): (Mode.NOTIFY, 700.0),
    ("red-patrol-hama", "un-convoy-m5"): (Mode.NOTIFY, None),  # the M5 bends there
    ("blue-range-kuweires", "red-strike-kuweires"): (Mode.REJECT, 0.0),
    ("blue-isr-north", "red-32"): (Mode.REJECT, 0.0),
}


def test_parties_are_four_operators_and_one_observer():
    roles = {p.name: p.role for p in scenario.PARTIES}
    assert roles == {
        "blue-air": "operator", "red-air": "operator", "un-convoys": "operator",
        "ngo-sites": "operator", "joint-cell": "observer",
    }  # fmt: skip
    assert {f.intent.party for f in WORLD.filings} == set(roles) - {"joint-cell"}


def test_strategic_conflicts_are_exactly_the_planned_ones():
    conflicts = find_conflicts([f.intent for f in WORLD.filings], default_policy())
    found = {c.intents: (c.rule.mode, c.min_distance_m) for c in conflicts}
    assert set(found) == set(EXPECTED_CONFLICTS)
    for pair, (mode, distance_m) in EXPECTED_CONFLICTS.items():
        assert found[pair][0] is mode
        if distance_m is not None:
            assert found[pair][1] == pytest.approx(distance_m, abs=1.0)
    assert found[("red-patrol-hama", "un-convoy-m5")][1] < 2_000.0


def test_refused_filings_are_the_reject_conflicts_with_earlier_intents():
    refused = {f.intent.id for f in WORLD.filings if f.refused}
    assert refused == {"red-strike-kuweires", "red-32"}
    order = [f.intent.id for f in WORLD.filings]
    for (a, b), (mode, _) in EXPECTED_CONFLICTS.items():
        later = max(a, b, key=order.index)
        assert (later in refused) == (mode is Mode.REJECT)
    # A refused intent is never flown.
    assert {f.intent_id for f in WORLD.flights} == {"un-drone-1", "blue-11", "blue-12", "red-31"}


@pytest.mark.parametrize("filing", WORLD.filings, ids=lambda f: f.intent.id)
def test_each_filing_is_a_valid_f3548_body(filing):
    intent = filing.intent
    body = intent_body(intent)
    wrapped = {"intents": [{**body, "id": intent.id, "party": intent.party}]}
    (parsed,) = parse_intents_json(json.dumps(wrapped), "body")
    assert (parsed.kind, parsed.priority, parsed.tracks) == (
        intent.kind, intent.priority, intent.tracks,
    )  # fmt: skip
    assert len(parsed.extents) == len(intent.extents)
    for ours, theirs in zip(intent.extents, parsed.extents, strict=True):
        assert (theirs.floor_m, theirs.ceiling_m, theirs.start, theirs.end) == (
            ours.floor_m, ours.ceiling_m, ours.start, ours.end,
        )  # fmt: skip


def states_at(t_s: float) -> tuple[list[str], list[scenario.Flight], dict[str, np.ndarray]]:
    names, flights, rows = [], [], []
    for flight in WORLD.flights:
        state = flight.path.state_at(t_s)
        if state is not None:
            names.append(flight.path.plan.callsign)
            flights.append(flight)
            rows.append((state.lat, state.lon, state.alt_m, state.trk_deg, state.gs_mps,
                         state.vs_mps))  # fmt: skip
    columns = np.array(rows).T
    keys = ("lat", "lon", "alt", "trk", "gs", "vs")
    return names, flights, dict(zip(keys, columns, strict=True))


def tactical_pairs(t_s: float) -> dict[tuple[str, str], str]:
    names, _, c = states_at(t_s)
    found = detect(
        state_vectors(lat_deg=c["lat"], lon_deg=c["lon"], alt_m=c["alt"], trk_deg=c["trk"],
                      gs_mps=c["gs"], vs_mps=c["vs"]),
        AlertThresholds(),
    )  # fmt: skip
    levels = found.levels()
    return {
        tuple(sorted((names[int(found.i[k])], names[int(found.j[k])]))): levels[k].value
        for k in range(found.size)
    }


def test_blue11_and_red31_converge_and_the_alert_rises_within_200_s():
    before = tactical_pairs(scenario.DRIFT_AT_S - 1.0)
    assert before == {}
    levels = [tactical_pairs(t).get(("BLUE11", "RED31")) for t in range(20, 201, 5)]
    seen = [lv for lv in levels if lv is not None]
    assert seen[0] == "preventive"
    assert "corrective" in seen
    assert seen[-1] == "warning"


def test_no_other_pair_ever_converges():
    end_s = int(WORLD.end_s)
    for t_s in range(0, end_s, 10):
        assert set(tactical_pairs(float(t_s))) <= {("BLUE11", "RED31")}, t_s


def nonconforming_at(t_s: float) -> set[str]:
    names, flights, c = states_at(t_s)
    intents = {f.intent.id: f.intent for f in WORLD.filings}
    monitored = Monitored.of([intents[f.intent_id] for f in flights])
    icao = tuple(f.path.plan.icao24 for f in flights)
    where = Positions(icao, tuple(names), c["lat"], c["lon"], c["alt"])
    off = nonconforming(monitored, where, START.timestamp() + t_s, Tolerance())
    return {names[int(k)] for k in off.track}


def test_red31_drifts_out_of_its_intent_and_back_everyone_else_conforms():
    drifting = [t for t in range(0, int(WORLD.end_s), 5) if nonconforming_at(float(t))]
    assert all(nonconforming_at(float(t)) == {"RED31"} for t in drifting)
    assert scenario.DRIFT_AT_S < drifting[0] <= 60  # off its corridor within a minute
    assert drifting[-1] < 400  # and back on it afterwards
    assert drifting == list(range(drifting[0], drifting[-1] + 1, 5))


def test_flights_are_tied_to_their_tracks_and_last_long_enough_to_watch():
    for flight in WORLD.flights:
        intent = next(f.intent for f in WORLD.filings if f.intent.id == flight.intent_id)
        assert intent.kind is Kind.FLIGHT
        assert intent.tracks == (flight.path.plan.callsign, flight.path.plan.icao24)
    assert WORLD.end_s > 40 * 60

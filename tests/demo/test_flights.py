"""Flight kinematics: speeds and vertical rates are OpenAP's, positions follow the geodesic."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from openap import WRAP, aero
from pyproj import Geod

from wellclear.demo.flights import FlightPlan, Waypoint, fly, planned_extents
from wellclear.demo.performance import MALE_DRONE, openap_performance
from wellclear.model import Intent, Kind, LatLng
from wellclear.tactical.conformance import Monitored, Positions, Tolerance, nonconforming

WGS84 = Geod(ellps="WGS84")
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def typical(type_code: str, parameter: str) -> float:
    """A WRAP parameter's default, read straight from OpenAP (not through our module)."""
    return float(getattr(WRAP(type_code.lower()), parameter)()["default"])


def level_plan(type_code: str, alt_m: float, distance_m: float = 100_000.0) -> FlightPlan:
    start = LatLng(36.0, 37.0)
    lng, lat, _ = WGS84.fwd(start.lng, start.lat, 30.0, distance_m)
    route = (Waypoint(start, alt_m), Waypoint(LatLng(lat, lng), alt_m))
    return FlightPlan("T1", "ABC123", openap_performance(type_code), route)


@pytest.mark.parametrize(
    ("type_code", "alt_m"),
    [("A320", 10_920.0), ("A320", 4_800.0), ("A332", 4_800.0), ("B738", 7_000.0)],
)
def test_level_flight_covers_openaps_cruise_speed(type_code, alt_m):
    # Level: true airspeed of the cruise CAS, or of the cruise Mach above the crossover.
    expected_mps = min(
        float(aero.cas2tas(typical(type_code, "cruise_mean_vcas"), alt_m)),
        float(aero.mach2tas(typical(type_code, "cruise_mach"), alt_m)),
    )
    path = fly(level_plan(type_code, alt_m))
    start = path.state_at(0.0)
    assert start is not None
    for t_s in (60.0, 200.5, 333.25):
        state = path.state_at(t_s)
        assert state is not None
        _, _, flown_m = WGS84.inv(start.lon, start.lat, state.lon, state.lat)
        assert flown_m == pytest.approx(expected_mps * t_s, rel=1e-6)
        assert state.gs_mps == pytest.approx(expected_mps)
        assert state.vs_mps == 0.0
        assert state.alt_m == alt_m
        end = level_plan(type_code, alt_m).route[-1].at
        azimuth, _, _ = WGS84.inv(state.lon, state.lat, end.lng, end.lat)
        assert state.trk_deg == pytest.approx(azimuth, abs=0.01)  # the geodesic's, there


def test_above_the_crossover_the_mach_number_binds():
    # At 11,500 m the A320's cruise CAS (133 m/s) would be faster than Mach 0.78.
    perf = openap_performance("A320")
    cas_tas = float(aero.cas2tas(perf.cruise_cas_mps, 11_500.0))
    mach_tas = float(aero.mach2tas(perf.cruise_mach, 11_500.0))
    assert mach_tas < cas_tas
    assert fly(level_plan("A320", 11_500.0)).gs_mps[0] == pytest.approx(mach_tas)


@pytest.mark.parametrize("type_code", ["A320", "A321", "A332", "B738"])
def test_climb_holds_openaps_climb_rate_and_levels_off_at_the_target(type_code):
    plan = FlightPlan(
        "T1", "ABC123", openap_performance(type_code),
        (Waypoint(LatLng(36.18, 37.22), 410.0), Waypoint(LatLng(34.5, 39.5), 7_000.0)),
    )  # fmt: skip
    rate_mps = typical(type_code, "climb_vs_concas")
    path = fly(plan)
    climbing = path.vs_mps > 0
    assert np.all(path.vs_mps[climbing] == rate_mps)
    # Altitude after t seconds is the start plus the rate times t, until the target.
    for t_s in (10.0, 100.0, 300.0):
        state = path.state_at(t_s)
        assert state is not None
        assert state.alt_m == pytest.approx(min(410.0 + rate_mps * t_s, 7_000.0))
    top_s = (7_000.0 - 410.0) / rate_mps
    assert int(climbing.sum()) == int(np.ceil(top_s))
    assert np.all(path.alt_m <= 7_000.0)
    assert path.alt_m[-1] == 7_000.0
    # Climb speed: the climb CAS (or Mach) as true airspeed at the current altitude.
    k = 100
    expected = min(
        float(aero.cas2tas(typical(type_code, "climb_const_vcas"), path.alt_m[k])),
        float(aero.mach2tas(typical(type_code, "climb_const_mach"), path.alt_m[k])),
    )
    assert path.gs_mps[k] == pytest.approx(expected)


def test_descent_holds_openaps_descent_rate():
    plan = FlightPlan(
        "T1", "ABC123", openap_performance("A320"),
        (Waypoint(LatLng(36.0, 37.0), 6_000.0), Waypoint(LatLng(36.5, 37.0), 6_000.0),
         Waypoint(LatLng(37.0, 37.0), 3_000.0)),
    )  # fmt: skip
    path = fly(plan)
    descending = path.vs_mps < 0
    assert descending.any()
    assert np.all(path.vs_mps[descending] == typical("A320", "descent_vs_concas"))
    assert np.all(np.diff(path.alt_m) <= 0)
    assert path.alt_m[-1] == 3_000.0


def test_drone_flies_its_stated_figures():
    path = fly(level_plan("A320", 1_500.0)).plan
    drone = fly(FlightPlan("D1", "ABC124", MALE_DRONE, path.route))
    expected_mps = float(aero.cas2tas(170.0 * 1852.0 / 3600.0, 1_500.0))
    assert drone.gs_mps[0] == pytest.approx(expected_mps)


def test_before_departure_and_after_the_last_waypoint_there_is_no_state():
    plan = level_plan("A320", 4_800.0, distance_m=20_000.0)
    path = fly(FlightPlan(plan.callsign, plan.icao24, plan.performance, plan.route, 60.0))
    assert path.state_at(59.9) is None
    assert path.state_at(60.0) is not None
    assert path.state_at(path.end_s) is not None
    assert path.state_at(path.end_s + 0.1) is None
    last = path.state_at(path.end_s)
    assert last is not None
    end = plan.route[-1].at
    assert (last.lat, last.lon) == pytest.approx((end.lat, end.lng), abs=1e-9)


def test_route_through_several_legs_turns_at_each_waypoint():
    a, b, c = LatLng(36.0, 37.0), LatLng(36.3, 37.0), LatLng(36.3, 37.4)
    perf = openap_performance("A320")
    path = fly(FlightPlan("T1", "ABC123", perf, tuple(Waypoint(p, 4_800.0) for p in (a, b, c))))
    first_leg, second_leg = path.leg == 0, path.leg == 1
    assert np.allclose(path.trk_deg[first_leg], 0.0, atol=1e-6)
    assert np.allclose(path.trk_deg[second_leg], 90.0, atol=0.2)
    _, _, ab_m = WGS84.inv(a.lng, a.lat, b.lng, b.lat)
    _, _, bc_m = WGS84.inv(b.lng, b.lat, c.lng, c.lat)
    # The whole route at one speed: its length over the cruise speed (to the step).
    assert path.end_s == pytest.approx((ab_m + bc_m) / perf.cruise_tas_mps(4_800.0), abs=1.0)


def test_a_flight_flying_its_plan_conforms_to_the_intent_it_files():
    plan = FlightPlan(
        "T1", "ABC123", openap_performance("B738"),
        (Waypoint(LatLng(36.18, 37.22), 410.0), Waypoint(LatLng(35.9, 37.7), 7_000.0),
         Waypoint(LatLng(35.6, 38.5), 7_000.0)),
    )  # fmt: skip
    path = fly(plan)
    extents = planned_extents(path, START)
    assert len(extents) == 2
    intent = Intent("i1", "p", Kind.FLIGHT, extents, tracks=("T1",))
    monitored = Monitored.of([intent])
    for k in range(0, len(path.t_s), 7):
        where = Positions(
            ("ABC123",), ("T1",), path.lat[k : k + 1], path.lon[k : k + 1], path.alt_m[k : k + 1]
        )
        now_s = START.timestamp() + float(path.t_s[k])
        assert nonconforming(monitored, where, now_s, Tolerance()).track.size == 0, k

"""The demo's scenario around Aleppo, as data: parties, what each files, and what they fly.

Every place is a named coordinate (WGS84) and every shape is built from it with geodesic
offsets, so the distances that decide each conflict are stated here in metres. Times are
relative to the scenario's start (the moment the demo starts). In filing order:

=====================  =========  ============  =========================================
intent                 party      kind          what the default policy makes of it
=====================  =========  ============  =========================================
ngo-hospital-*         ngo-sites  site (4)      hospitals and aid warehouses, open-ended
ngo-warehouse-*
un-convoy-m5           un-convoys movement      Damascus → Aleppo on the M5, 1 km wide
un-drone-1             un-convoys flight        a drone watching the M5 north of Hama
blue-range-kuweires    blue-air   restriction   live-fire range at Kuweires: keep out
blue-isr-north         blue-air   operation     ISR orbit north of Aleppo
blue-11, blue-12       blue-air   flight        tied to tracks BLUE11, BLUE12
red-strike-east        red-air    operation     2 km from blue's ISR disc: notify both
red-training-north     red-air    operation     700 m from the university hospital: notify
red-patrol-hama        red-air    operation     500 m from the convoy route: notify
red-31                 red-air    flight        tied to RED31 (which will drift off it)
red-strike-kuweires    red-air    operation     inside blue's range: **refused** (409)
red-32                 red-air    flight        through blue's ISR orbit: **refused** (409)
=====================  =========  ============  =========================================

Live: BLUE11 flies north and RED31 south on corridors 15 km apart at the same level (no
strategic conflict: 11 km between the corridors' edges, more than 5 NM). At
:data:`DRIFT_AT_S` RED31 turns 20° right of its route towards BLUE11's corridor: it leaves
its own (nonconforming) and the two converge (a tactical alert, preventive then corrective
then warning as they close; they pass 1.9 km apart at 4:13). RED31 rejoins its route
afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyproj import Geod

from wellclear.demo.flights import FlightPlan, Trajectory, Waypoint, fly, planned_extents
from wellclear.demo.performance import MALE_DRONE, openap_performance
from wellclear.geo.shapes import corridor
from wellclear.model import CircleOutline, Intent, Kind, LatLng, PolygonOutline, Volume4D

WGS84 = Geod(ellps="WGS84")

# --- places (WGS84; a few hundred metres of map accuracy is all the demo needs) ------------------
ALEPPO_AIRPORT = LatLng(36.1807, 37.2244)  # OSAP, elevation 385 m
ALEPPO_AIRPORT_W84_M = 410.0  # field elevation plus the geoid undulation (~25 m) there
UNIVERSITY_HOSPITAL = LatLng(36.2100, 37.1300)
RAZI_HOSPITAL = LatLng(36.2060, 37.1720)
RAMOUSEH_WAREHOUSE = LatLng(36.1560, 37.1470)
SHEIKH_NAJJAR_WAREHOUSE = LatLng(36.2720, 37.2670)
KUWEIRES = LatLng(36.1869, 37.5833)  # Kuweires air base, east of Aleppo
ISR_CENTRE = LatLng(36.3500, 37.1000)
HAMA = LatLng(35.1318, 36.7578)
HAMA_SOUTH = LatLng(34.9530, 36.7360)  # on the M5, 20 km south of Hama
M5 = (  # the M5 highway: Damascus, Homs, Hama, Saraqib, Aleppo
    LatLng(33.5138, 36.2765), LatLng(34.7324, 36.7137), HAMA,
    LatLng(35.9300, 36.9500), LatLng(36.1700, 37.1100),
)  # fmt: skip

DRIFT_AT_S = 20.0  # RED31 turns off its route this long after the start...
DRIFT_DEG = 20.0  # ...this far to the right (towards BLUE11's corridor)...
DRIFT_M = 40_000.0  # ...for this distance, then turns back to rejoin its route 15 km on
FLIGHT_LEVEL_M = 4_800.0  # FL150-ish above the ellipsoid
ISR_LEVEL_M = 3_300.0  # BLUE11's orbit: 550 m below red's strike box, inside blue's ISR band
ISR_ORBITS = 8


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    role: str  # operator | observer
    about: str


PARTIES = (
    Party("blue-air", "operator", "an air force: ISR orbit, two flights, a firing range"),
    Party("red-air", "operator", "another air force: strike, training, patrol, a flight"),
    Party("un-convoys", "operator", "UN convoy movements and their escort drone"),
    Party("ngo-sites", "operator", "hospitals and aid warehouses to protect"),
    Party("joint-cell", "observer", "the coordination cell: sees everything"),
)


@dataclass(frozen=True, slots=True)
class Filing:
    """One intent a party files, and what the default policy should make of it."""

    intent: Intent
    refused: bool
    why: str


@dataclass(frozen=True, slots=True)
class Flight:
    """An aircraft the demo flies and reports: ``path`` is what it actually flies."""

    party: str
    intent_id: str
    path: Trajectory


@dataclass(frozen=True, slots=True)
class Scenario:
    start: datetime
    filings: tuple[Filing, ...]
    flights: tuple[Flight, ...]

    @property
    def end_s(self) -> float:
        """When the last aircraft leaves (seconds from the start)."""
        return max(f.path.end_s for f in self.flights)


def offset(origin: LatLng, azimuth_deg: float, distance_m: float) -> LatLng:
    lng, lat, _ = WGS84.fwd(origin.lng, origin.lat, azimuth_deg, distance_m)
    return LatLng(round(lat, 7), round(lng, 7))


def square(centre: LatLng, half_side_m: float) -> PolygonOutline:
    return PolygonOutline(
        tuple(offset(centre, az, half_side_m * 2**0.5) for az in (45.0, 135.0, 225.0, 315.0))
    )


def build(start: datetime) -> Scenario:
    """The scenario starting at ``start`` (tz-aware UTC)."""
    hour = 3_600.0

    def zone(
        intent_id: str,
        party: str,
        kind: Kind,
        outline: PolygonOutline | CircleOutline,
        band_m: tuple[float, float],
        window_s: tuple[float, float | None],
        priority: int,
        why: str = "",
        refused: bool = False,
    ) -> Filing:
        begin, end = window_s
        extent = Volume4D(
            outline, band_m[0], band_m[1], start + timedelta(seconds=begin),
            None if end is None else start + timedelta(seconds=end),
        )  # fmt: skip
        return Filing(Intent(intent_id, party, kind, (extent,), priority=priority), refused, why)

    def site(intent_id: str, centre: LatLng, radius_m: float) -> Filing:
        disc = CircleOutline(centre, radius_m)
        return zone(intent_id, "ngo-sites", Kind.SITE, disc, (0.0, 600.0), (-hour, None), 3)

    flights = _flights()
    red32 = fly(
        FlightPlan(
            "RED32", "7781F2", openap_performance("A320"),
            (Waypoint(LatLng(36.5000, 36.9500), FLIGHT_LEVEL_M),
             Waypoint(LatLng(36.2500, 37.3500), FLIGHT_LEVEL_M)),
            depart_s=600.0,
        )
    )  # fmt: skip
    filings = (
        site("ngo-hospital-university", UNIVERSITY_HOSPITAL, 300.0),
        site("ngo-hospital-razi", RAZI_HOSPITAL, 250.0),
        site("ngo-warehouse-ramouseh", RAMOUSEH_WAREHOUSE, 400.0),
        site("ngo-warehouse-sheikh-najjar", SHEIKH_NAJJAR_WAREHOUSE, 500.0),
        zone(
            "un-convoy-m5", "un-convoys", Kind.MOVEMENT, corridor(M5, 1_000.0),
            (0.0, 1_000.0), (-hour, 9 * hour), 2,
        ),
        _flight_filing(flights["UNDRONE1"], start, "un-convoys", "un-drone-1", priority=2),
        zone(
            "blue-range-kuweires", "blue-air", Kind.RESTRICTION, square(KUWEIRES, 5_000.0),
            (0.0, 6_000.0), (0.0, 6 * hour), 3,
        ),
        zone(
            "blue-isr-north", "blue-air", Kind.OPERATION, CircleOutline(ISR_CENTRE, 8_000.0),
            (3_000.0, 6_000.0), (-600.0, 4 * hour), 1,
        ),
        _flight_filing(flights["BLUE11"], start, "blue-air", "blue-11", priority=1),
        _flight_filing(flights["BLUE12"], start, "blue-air", "blue-12", priority=1),
        zone(
            "red-strike-east", "red-air", Kind.OPERATION,
            square(offset(ISR_CENTRE, 90.0, 14_000.0), 4_000.0),
            (4_000.0, 7_000.0), (0.0, 2 * hour), 1,
            "operation–operation within 5 km (2 km from blue's ISR disc): notify",
        ),
        zone(
            "red-training-north", "red-air", Kind.OPERATION,
            CircleOutline(offset(UNIVERSITY_HOSPITAL, 0.0, 6_000.0), 5_000.0),
            (500.0, 2_500.0), (hour, 2 * hour), 0,
            "operation–site within 1 km (700 m from the university hospital): notify",
        ),
        zone(
            "red-patrol-hama", "red-air", Kind.OPERATION,
            CircleOutline(offset(HAMA_SOUTH, 90.0, 2_500.0), 1_500.0),
            (300.0, 1_500.0), (0.0, 3 * hour), 1,
            "operation–movement within 2 km (about 300 m from the convoy route): notify",
        ),
        _flight_filing(
            flights["RED31"], start, "red-air", "red-31", priority=1, filed=_red31(drift=False)
        ),
        zone(
            "red-strike-kuweires", "red-air", Kind.OPERATION,
            CircleOutline(offset(KUWEIRES, 270.0, 6_000.0), 3_000.0),
            (2_000.0, 5_000.0), (1_800.0, 5_400.0), 1,
            "operation–restriction overlap (inside blue's Kuweires range): reject",
            refused=True,
        ),
        _flight_filing(
            red32, start, "red-air", "red-32", priority=1, refused=True,
            why="flight–operation within 5 NM (across blue's ISR orbit, same priority): reject",
        ),
    )  # fmt: skip
    flown = tuple(
        Flight(f.intent.party, f.intent.id, flights[f.intent.tracks[0]])
        for f in filings
        if f.intent.kind is Kind.FLIGHT and not f.refused
    )
    return Scenario(start, filings, flown)


def _flight_filing(
    path: Trajectory,
    start: datetime,
    party: str,
    intent_id: str,
    *,
    priority: int,
    filed: Trajectory | None = None,
    refused: bool = False,
    why: str = "",
) -> Filing:
    """A flight intent from the trajectory it plans (``filed``, else ``path``), tied to the
    aircraft's callsign and ICAO address."""
    plan = path.plan
    extents = planned_extents(filed or path, start)
    intent = Intent(
        intent_id, party, Kind.FLIGHT, extents, priority=priority,
        tracks=(plan.callsign, plan.icao24),
    )  # fmt: skip
    return Filing(intent, refused, why)


def _red31(*, drift: bool) -> Trajectory:
    """RED31 southbound 15 km east of BLUE11; with ``drift`` it turns off towards BLUE11."""
    start = LatLng(36.5500, 36.8800)
    south = LatLng(35.3000, 36.8800)
    a321 = openap_performance("A321")
    route = [Waypoint(start, FLIGHT_LEVEL_M)]
    if drift:
        speed_mps = a321.cruise_tas_mps(FLIGHT_LEVEL_M)
        turn_m = speed_mps * DRIFT_AT_S
        rejoin_m = turn_m + DRIFT_M * math.cos(math.radians(DRIFT_DEG)) + 15_000.0
        route += [
            Waypoint(offset(start, 180.0, turn_m), FLIGHT_LEVEL_M),
            Waypoint(offset(offset(start, 180.0, turn_m), 180.0 + DRIFT_DEG, DRIFT_M),
                     FLIGHT_LEVEL_M),
            Waypoint(offset(start, 180.0, rejoin_m), FLIGHT_LEVEL_M),  # back on the route
        ]  # fmt: skip
    route += [Waypoint(south, FLIGHT_LEVEL_M), Waypoint(LatLng(35.3000, 36.2000), FLIGHT_LEVEL_M)]
    return fly(FlightPlan("RED31", "7781A7", a321, tuple(route)))


def _flights() -> dict[str, Trajectory]:
    a332, b738 = openap_performance("A332"), openap_performance("B738")
    orbit = [offset(ISR_CENTRE, az, 5_000.0) for az in (315.0, 45.0, 135.0, 225.0)]
    blue11 = FlightPlan(
        "BLUE11", "43C6F1", a332,
        (Waypoint(LatLng(35.8000, 36.7120), FLIGHT_LEVEL_M),
         Waypoint(LatLng(36.7500, 36.7120), FLIGHT_LEVEL_M),
         Waypoint(LatLng(36.7500, 37.0000), ISR_LEVEL_M),
         *(Waypoint(p, ISR_LEVEL_M) for _ in range(ISR_ORBITS) for p in orbit)),
    )  # fmt: skip
    blue12 = FlightPlan(
        "BLUE12", "43C6F2", b738,
        (Waypoint(ALEPPO_AIRPORT, ALEPPO_AIRPORT_W84_M),
         Waypoint(offset(ALEPPO_AIRPORT, 130.0, 40_000.0), 7_000.0),
         Waypoint(offset(ALEPPO_AIRPORT, 110.0, 120_000.0), 7_000.0),
         Waypoint(offset(ALEPPO_AIRPORT, 100.0, 260_000.0), 7_000.0)),
        depart_s=60.0,
    )  # fmt: skip
    drone = FlightPlan(
        "UNDRONE1", "77C0D1", MALE_DRONE,
        (Waypoint(offset(HAMA, 0.0, 10_000.0), 1_500.0),
         Waypoint(M5[3], 1_500.0),
         Waypoint(offset(HAMA, 0.0, 20_000.0), 1_500.0)),
    )  # fmt: skip
    return {
        "BLUE11": fly(blue11),
        "BLUE12": fly(blue12),
        "UNDRONE1": fly(drone),
        "RED31": _red31(drift=True),
    }

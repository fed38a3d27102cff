"""Builders of intents for the strategic tests: small, explicit, in SI units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyproj import Geod

from wellclear.model import (
    CircleOutline,
    Intent,
    Kind,
    LatLng,
    Mode,
    Outline,
    PairRule,
    Policy,
    PolygonOutline,
    Volume4D,
)

WGS84 = Geod(ellps="WGS84")
T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ORIGIN = LatLng(36.2, 37.1)  # Aleppo


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def offset(origin: LatLng, azimuth_deg: float, distance_m: float) -> LatLng:
    lng, lat, _ = WGS84.fwd(origin.lng, origin.lat, azimuth_deg, distance_m)
    return LatLng(lat, lng)


def circle(center: LatLng, radius_m: float) -> CircleOutline:
    return CircleOutline(center, radius_m)


def square(center: LatLng, half_side_m: float) -> PolygonOutline:
    """A quadrilateral with vertices at the four diagonals of ``center``."""
    corner = half_side_m * 2**0.5
    return PolygonOutline(tuple(offset(center, az, corner) for az in (45, 135, 225, 315)))


def extent(
    outline: Outline,
    floor_m: float = 1_000.0,
    ceiling_m: float = 2_000.0,
    start_min: float = 0.0,
    end_min: float | None = 60.0,
) -> Volume4D:
    return Volume4D(
        outline, floor_m, ceiling_m, at(start_min), None if end_min is None else at(end_min)
    )


def intent(
    ident: str, party: str, *extents: Volume4D, kind: Kind = Kind.FLIGHT, priority: int = 0
) -> Intent:
    return Intent(ident, party, kind, tuple(extents), priority)


def policy_of(*rules: tuple[Kind, Kind, PairRule]) -> Policy:
    return Policy({frozenset({a, b}): rule for a, b, rule in rules})


FLIGHTS_5NM = policy_of((Kind.FLIGHT, Kind.FLIGHT, PairRule(9_260.0, 304.8, 0.0, Mode.REJECT)))

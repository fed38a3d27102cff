"""Aircraft performance for the demo: speeds and vertical rates from OpenAP's WRAP model.

OpenAP (TU Delft, PyPI ``openap``) fits its WRAP parameters to real ADS-B flights of each
airliner type; we take each parameter's ``default`` (the fitted typical value). Speeds are
calibrated airspeed (CAS) or Mach in the model and turned into true airspeed at the current
altitude with OpenAP's ISA conversions (``openap.aero``); with no wind, ground speed is the
true airspeed. OpenAP has no drones, so the drone's figures are stated here with their source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from openap import WRAP, aero


@dataclass(frozen=True, slots=True)
class Performance:
    """How one aircraft type climbs, cruises and descends (SI units, altitudes in metres).

    ``*_cas_mps`` are calibrated airspeeds and ``*_mach`` the Mach number the type holds
    above the crossover altitude: the true airspeed is whichever of the two is slower there.
    """

    type_code: str
    source: str
    climb_cas_mps: float
    climb_mach: float
    climb_vs_mps: float
    cruise_cas_mps: float
    cruise_mach: float
    descent_cas_mps: float
    descent_mach: float
    descent_vs_mps: float  # negative

    def climb_tas_mps(self, alt_m: float) -> float:
        return _tas_mps(self.climb_cas_mps, self.climb_mach, alt_m)

    def cruise_tas_mps(self, alt_m: float) -> float:
        return _tas_mps(self.cruise_cas_mps, self.cruise_mach, alt_m)

    def descent_tas_mps(self, alt_m: float) -> float:
        return _tas_mps(self.descent_cas_mps, self.descent_mach, alt_m)


def _tas_mps(cas_mps: float, mach: float, alt_m: float) -> float:
    """True airspeed flying ``cas_mps`` below the crossover altitude and ``mach`` above it."""
    return min(float(aero.cas2tas(cas_mps, alt_m)), float(aero.mach2tas(mach, alt_m)))


@cache
def openap_performance(type_code: str) -> Performance:
    """The WRAP model's typical values for an ICAO type code (``A320``, ``A332``, ``B738``…).

    >>> a320 = openap_performance("A320")
    >>> a320.climb_vs_mps, a320.cruise_mach
    (8.43, 0.78)
    >>> round(a320.cruise_tas_mps(10_920.0))  # Mach 0.78 at FL358, ISA: 230 m/s = 448 kt
    230
    """
    wrap = WRAP(type_code.lower())

    def typical(parameter: str) -> float:
        return float(getattr(wrap, parameter)()["default"])

    return Performance(
        type_code=type_code.upper(),
        source=f"OpenAP WRAP {type_code.upper()}",
        climb_cas_mps=typical("climb_const_vcas"),
        climb_mach=typical("climb_const_mach"),
        climb_vs_mps=typical("climb_vs_concas"),
        cruise_cas_mps=typical("cruise_mean_vcas"),
        cruise_mach=typical("cruise_mach"),
        descent_cas_mps=typical("descent_const_vcas"),
        descent_mach=typical("descent_const_mach"),
        descent_vs_mps=typical("descent_vs_concas"),
    )


KNOT_MPS = 1852.0 / 3600.0
FPM_MPS = 0.3048 / 60.0

# A medium-altitude long-endurance drone (MQ-9A class). General Atomics states a maximum
# true airspeed of 240 KTAS; the cruise of ~170 kt (313 km/h) is the figure commonly quoted
# for the type (flown here as calibrated airspeed: 183 kt true at 1,500 m), its climb rate
# is taken as a modest 1,000 ft/min. Not from OpenAP, which models airliners only.
MALE_DRONE = Performance(
    type_code="Q9",
    source="stated figures (MQ-9A class: cruise 170 kt, climb 1,000 ft/min)",
    climb_cas_mps=140.0 * KNOT_MPS,
    climb_mach=0.3,
    climb_vs_mps=1_000.0 * FPM_MPS,
    cruise_cas_mps=170.0 * KNOT_MPS,
    cruise_mach=0.3,
    descent_cas_mps=150.0 * KNOT_MPS,
    descent_mach=0.3,
    descent_vs_mps=-1_000.0 * FPM_MPS,
)

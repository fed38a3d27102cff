"""Unit conversions: the only place feet, knots and nautical miles exist inside the core.

>>> round(feet_to_m(1_000), 1)
304.8
>>> NM_M
1852.0
"""

from __future__ import annotations

FT_M = 0.3048
NM_M = 1852.0
KT_MPS = NM_M / 3600.0
FPM_MPS = FT_M / 60.0


def feet_to_m(feet: float) -> float:
    return feet * FT_M


def m_to_feet(metres: float) -> float:
    return metres / FT_M

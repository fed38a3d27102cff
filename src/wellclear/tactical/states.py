"""State vectors of many aircraft as parallel numpy arrays, with per-aircraft protected zones.

SI units inside: metres, metres per second, seconds; angles in degrees as the feeds give them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from wellclear.geo.units import FT_M, NM_M

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = npt.ArrayLike

EARTH_RADIUS_M = 6_371_000.0
"""The sphere of the flat-earth pair frame (BlueSky's ``kwikqdrdist``)."""
H_SEP_DEFAULT_M = 5 * NM_M
"""Horizontal separation (radius of the protected zone): 5 NM = 9,260 m."""
V_SEP_DEFAULT_M = 1_000 * FT_M
"""Vertical separation (half height of the protected zone): 1,000 ft = 304.8 m."""
LOOKAHEAD_DEFAULT_S = 300.0


class StateVectors(NamedTuple):
    """N aircraft states at one instant; every field is an array of length N.

    ``rpz_m``, ``hpz_m`` and ``lookahead_s`` are per-aircraft; a pair uses the larger
    of its two aircraft's values.
    """

    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    trk_deg: FloatArray
    gs_mps: FloatArray
    vs_mps: FloatArray
    rpz_m: FloatArray
    hpz_m: FloatArray
    lookahead_s: FloatArray

    @property
    def size(self) -> int:
        """The number of aircraft (``len()`` counts the fields of the tuple)."""
        return int(self.lat_deg.shape[0])

    @property
    def east_mps(self) -> FloatArray:
        return self.gs_mps * np.sin(np.radians(self.trk_deg))

    @property
    def north_mps(self) -> FloatArray:
        return self.gs_mps * np.cos(np.radians(self.trk_deg))


def _column(name: str, values: ArrayLike, n: int | None) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if n is not None:
        array = np.broadcast_to(array, (n,)).copy() if array.ndim == 0 else array
    if array.ndim != 1 or (n is not None and array.shape[0] != n):
        raise ValueError(f"{name} must be a 1-d array of length {n}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


def state_vectors(
    *,
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    alt_m: ArrayLike,
    trk_deg: ArrayLike,
    gs_mps: ArrayLike,
    vs_mps: ArrayLike = 0.0,
    rpz_m: ArrayLike = H_SEP_DEFAULT_M,
    hpz_m: ArrayLike = V_SEP_DEFAULT_M,
    lookahead_s: ArrayLike = LOOKAHEAD_DEFAULT_S,
) -> StateVectors:
    """Check and assemble state vectors; scalars broadcast to every aircraft.

    >>> sv = state_vectors(lat_deg=[52.0, 52.1], lon_deg=[5.0, 5.0], alt_m=3000.0,
    ...                    trk_deg=[0.0, 180.0], gs_mps=200.0)
    >>> sv.size, float(sv.rpz_m[1]), float(sv.hpz_m[0])
    (2, 9260.0, 304.8)
    >>> state_vectors(lat_deg=[91.0], lon_deg=[0.0], alt_m=0.0, trk_deg=0.0, gs_mps=0.0)
    Traceback (most recent call last):
    ...
    ValueError: lat_deg must lie within [-90, 90]
    """
    lat = _column("lat_deg", lat_deg, None)
    n = lat.shape[0]
    sv = StateVectors(
        lat_deg=lat,
        lon_deg=_column("lon_deg", lon_deg, n),
        alt_m=_column("alt_m", alt_m, n),
        trk_deg=_column("trk_deg", trk_deg, n),
        gs_mps=_column("gs_mps", gs_mps, n),
        vs_mps=_column("vs_mps", vs_mps, n),
        rpz_m=_column("rpz_m", rpz_m, n),
        hpz_m=_column("hpz_m", hpz_m, n),
        lookahead_s=_column("lookahead_s", lookahead_s, n),
    )
    if np.any(np.abs(lat) > 90.0):
        raise ValueError("lat_deg must lie within [-90, 90]")
    for name in ("gs_mps", "rpz_m", "hpz_m", "lookahead_s"):
        if np.any(getattr(sv, name) < 0.0):
            raise ValueError(f"{name} must not be negative")
    return sv


def subset(sv: StateVectors, index: ArrayLike) -> StateVectors:
    """The state vectors of the aircraft at ``index`` (an index or boolean mask array)."""
    selector = np.asarray(index)
    return StateVectors(*(np.asarray(field[selector]) for field in sv))

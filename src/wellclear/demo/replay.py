"""Replay recorded ADS-B traffic: the OpenSky samples shipped inside PyPI ``traffic``.

``traffic`` (MIT, Xavier Olive) ships recorded OpenSky Network state vectors as
``traffic/data/samples/**/<name>.json.gz`` — JSON lists of records with ``timestamp`` (ms),
``icao24``, ``callsign``, ``latitude``, ``longitude``, ``altitude`` (barometric ft),
``groundspeed`` (kt), ``track`` (deg) and ``vertical_rate`` (ft/min). The files are read
with the standard library: ``traffic`` itself is never imported (its import pulls in pandas,
pyarrow and onnxruntime), so only its wheel needs to be installed: ``pip install '.[replay]'``.

The recording's clock is mapped onto the scenario clock: recorded second ``t`` is reported
at scenario start + (``t`` - the recording's first second), each aircraft's newest record
in each tick's window.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SAMPLE = "quickstart"
INSTALL_HINT = "pip install '.[replay]'  (or: pip install 'traffic>=2.13')"
CALLSIGN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class SampleUnavailable(Exception):
    """The ``traffic`` package or the named sample is not installed."""


def samples_directory() -> Path:
    """Where the installed ``traffic`` keeps its samples (without importing it)."""
    spec = importlib.util.find_spec("traffic")
    if spec is None or not spec.submodule_search_locations:
        raise SampleUnavailable(
            f"--replay reads the OpenSky samples shipped in the PyPI package 'traffic', "
            f"which is not installed: {INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"


def sample_names() -> list[str]:
    return sorted(p.name.removesuffix(".json.gz") for p in samples_directory().rglob("*.json.gz"))


def find_sample(name: str) -> Path:
    """The file of the sample ``name`` (``quickstart``, ``switzerland``...) in the installed
    ``traffic`` package, or ``name`` itself when it is a file (same format)."""
    if name.endswith(".json.gz") and Path(name).is_file():
        return Path(name)
    found = sorted(samples_directory().rglob(f"{name}.json.gz"))
    if not found:
        raise SampleUnavailable(
            f"no sample {name!r} in the installed traffic package; "
            f"samples: {', '.join(sample_names())}"
        )
    return found[0]


@dataclass(frozen=True, slots=True)
class Recording:
    """Airborne state vectors sorted by time; columns in SI units (``alt_m``: barometric)."""

    name: str
    t_s: np.ndarray  # seconds since the recording's first state
    first: datetime
    icao24: tuple[str, ...]
    callsign: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    alt_ft: np.ndarray
    trk_deg: np.ndarray
    gs_kt: np.ndarray
    vs_fpm: np.ndarray

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1]) if self.t_s.size else 0.0

    @property
    def aircraft(self) -> int:
        return len(set(self.icao24))

    def states_between(
        self, after_s: float, upto_s: float, start: datetime
    ) -> list[dict[str, Any]]:
        """Each aircraft's newest state recorded in (``after_s``, ``upto_s``], stamped on
        the scenario clock that began at ``start``."""
        lo = int(np.searchsorted(self.t_s, after_s, side="right"))
        hi = int(np.searchsorted(self.t_s, upto_s, side="right"))
        newest: dict[str, int] = {}
        for k in range(lo, hi):
            newest[self.icao24[k]] = k
        return [self._state(k, start) for k in newest.values()]

    def _state(self, k: int, start: datetime) -> dict[str, Any]:
        at = start + timedelta(seconds=float(self.t_s[k]))
        state: dict[str, Any] = {
            "id": self.icao24[k],
            "lat": round(float(self.lat[k]), 6),
            "lon": round(float(self.lon[k]), 6),
            "alt_ft": round(float(self.alt_ft[k]), 1),
            "trk_deg": round(float(self.trk_deg[k]), 2),
            "gs_kt": round(float(self.gs_kt[k]), 1),
            "vs_fpm": round(float(self.vs_fpm[k]), 1),
            "at": at.isoformat().replace("+00:00", "Z"),
        }
        if self.callsign[k]:
            state["callsign"] = self.callsign[k]
        return state


def load_recording(path: Path) -> Recording:
    """Read a sample file, keeping airborne records with every field the tactical engine
    needs (position, altitude, ground speed, track); a missing vertical rate reads 0."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    rows = [r for r in records if _usable(r)]
    rows.sort(key=lambda r: r["timestamp"])
    if not rows:
        raise SampleUnavailable(f"{path}: no airborne states with position, altitude and speed")
    first_ms = rows[0]["timestamp"]
    return Recording(
        name=path.name.removesuffix(".json.gz"),
        t_s=np.array([(r["timestamp"] - first_ms) / 1000.0 for r in rows]),
        first=datetime.fromtimestamp(first_ms / 1000.0, UTC),
        icao24=tuple(str(r["icao24"]).upper() for r in rows),
        callsign=tuple(_callsign(r.get("callsign")) for r in rows),
        lat=np.array([r["latitude"] for r in rows], dtype=np.float64),
        lon=np.array([r["longitude"] for r in rows], dtype=np.float64),
        alt_ft=np.array([r["altitude"] for r in rows], dtype=np.float64),
        trk_deg=np.array([r["track"] for r in rows], dtype=np.float64),
        gs_kt=np.array([r["groundspeed"] for r in rows], dtype=np.float64),
        vs_fpm=np.array([r.get("vertical_rate") or 0.0 for r in rows], dtype=np.float64),
    )


def _usable(record: dict[str, Any]) -> bool:
    if record.get("onground") or not record.get("icao24"):
        return False
    fields = ("latitude", "longitude", "altitude", "groundspeed", "track", "timestamp")
    values = [record.get(f) for f in fields]
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values) and (
        -2_000.0 <= record["altitude"] <= 200_000.0 and record["groundspeed"] >= 0.0
    )


def _callsign(value: object) -> str:
    """A callsign as the tracks API takes it (letters and digits, at most 8), or ``""``."""
    if not isinstance(value, str):
        return ""
    cleaned = value.strip().upper()
    return cleaned if cleaned and set(cleaned) <= CALLSIGN_CHARACTERS and len(cleaned) <= 8 else ""

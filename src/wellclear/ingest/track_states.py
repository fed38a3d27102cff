"""A batch of live track states, the body of ``POST /v1/tracks``.

JSON::

    {"states": [{"id": "4CA2D6", "callsign": "KLM12", "lat": 52.1, "lon": 4.7,
                 "alt_ft": 31000, "trk_deg": 90, "gs_kt": 450, "vs_fpm": 0,
                 "at": "2026-05-01T10:00:00Z"}, ...]}

Each state gives exactly one of ``alt_ft`` and ``alt_m`` (above the WGS84 ellipsoid);
``callsign``, ``vs_fpm`` (0) and ``at`` (the time of receipt) are optional. Every problem of
the batch is reported at once with its path (``states[3].lat``); nothing is stored when any
is found. Numbers are checked as ``wellclear detect`` checks them (:mod:`.states`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wellclear.errors import InvalidInput, Problem
from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS
from wellclear.ingest.states import _AIRCRAFT_FIELDS, _Collector

MAX_STATES = 10_000
TRACK_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CALLSIGN = re.compile(r"[A-Za-z0-9 ._-]{0,16}")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_NUMBERS = ("lat", "lon", "trk_deg", "gs_kt", "vs_fpm")
_ALT_M_RANGE = (-2_000.0 * FT_M, 200_000.0 * FT_M)
FIELDS = frozenset({"id", "callsign", "at", "alt_ft", "alt_m", *_NUMBERS})


@dataclass(frozen=True, slots=True)
class TrackState:
    """One reported state, SI units; ``at`` ``None`` means "now" (the receiver's clock)."""

    id: str
    callsign: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    trk_deg: float
    gs_mps: float
    vs_mps: float
    at: datetime | None


def parse_track_states(body: bytes | str, source: str = "") -> tuple[TrackState, ...]:
    """The states of a ``{"states": [...]}`` batch; ``InvalidInput`` names every bad field.

    >>> doc = '{"states": [{"id": "4CA2D6", "lat": 52, "lon": 5, "alt_ft": 10000,'
    >>> doc += ' "trk_deg": -90, "gs_kt": 400}]}'
    >>> (s,) = parse_track_states(doc)
    >>> s.id, round(s.alt_m, 1), s.trk_deg, round(s.gs_mps, 2), s.vs_mps, s.at
    ('4CA2D6', 3048.0, 270.0, 205.78, 0.0, None)
    >>> parse_track_states('{"states": [{"id": "A", "lat": 95, "alt_m": 1, "alt_ft": 3}]}')
    Traceback (most recent call last):
    ...
    wellclear.errors.InvalidInput: states[0].lat: must be within [-90, 90], not 95
    states[0].lon: is required
    states[0].trk_deg: is required
    states[0].gs_kt: is required
    states[0].alt_m: give alt_ft or alt_m, not both
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput([Problem(source, "", f"not valid JSON: {error}")]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), list):
        raise InvalidInput([Problem(source, "states", "must be a list of states")])
    found = _Collector(source)
    for key in sorted(doc.keys() - {"states"}):
        found.add(key, "unknown key; expected states")
    raw = doc["states"]
    if len(raw) > MAX_STATES:
        raise InvalidInput([Problem(source, "states", f"at most {MAX_STATES} states a batch")])
    states: list[TrackState] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        state = _state(item, f"states[{index}]", found)
        if state is None:
            continue
        if state.id in seen:
            found.add(f"states[{index}].id", f"duplicate of states[{seen[state.id]}].id")
        seen.setdefault(state.id, index)
        states.append(state)
    found.raise_if_any()
    return tuple(states)


def _state(item: object, path: str, found: _Collector) -> TrackState | None:
    if not isinstance(item, dict):
        found.add(path, "must be an object")
        return None
    before = len(found.problems)
    for key in sorted(item.keys() - FIELDS):
        found.add(f"{path}.{key}", f"unknown field; expected {', '.join(sorted(FIELDS))}")
    ident = item.get("id")
    if not isinstance(ident, str) or not TRACK_ID.fullmatch(ident):
        found.add(f"{path}.id", "must be 1 to 64 letters, digits or . _ : -")
    callsign = item.get("callsign", "")
    if callsign is None:
        callsign = ""
    if not isinstance(callsign, str) or not CALLSIGN.fullmatch(callsign):
        found.add(f"{path}.callsign", "must be up to 16 letters, digits, spaces or . _ -")
    numbers = {name: _number(item, name, path, found) for name in _NUMBERS}
    alt_m = _altitude(item, path, found)
    at = _time(item.get("at"), f"{path}.at", found)
    lat, lon, trk, gs, vs = (numbers[name] for name in _NUMBERS)
    # Not the count of problems alone: the collector stops counting at its cap.
    if len(found.problems) > before or not isinstance(ident, str):
        return None
    if not isinstance(callsign, str) or alt_m is None or lat is None or lon is None:
        return None
    if trk is None or gs is None:
        return None
    return TrackState(
        id=ident,
        callsign=callsign.strip(),
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt_m,
        trk_deg=trk % 360.0,
        gs_mps=gs * KT_MPS,
        vs_mps=(vs or 0.0) * FPM_MPS,
        at=at,
    )


def _number(item: dict[str, Any], name: str, path: str, found: _Collector) -> float | None:
    required, low, high = _AIRCRAFT_FIELDS[name]
    value = item.get(name)
    if value is None:
        if required:
            found.add(f"{path}.{name}", "is required")
        return None
    return found.number(value, f"{path}.{name}", low, high)


def _altitude(item: dict[str, Any], path: str, found: _Collector) -> float | None:
    feet, metres = item.get("alt_ft"), item.get("alt_m")
    if feet is not None and metres is not None:
        found.add(f"{path}.alt_m", "give alt_ft or alt_m, not both")
        return None
    if feet is None and metres is None:
        found.add(f"{path}.alt_ft", "is required (or alt_m)")
        return None
    if feet is not None:
        _, low, high = _AIRCRAFT_FIELDS["alt_ft"]
        value = found.number(feet, f"{path}.alt_ft", low, high)
        return None if value is None else value * FT_M
    return found.number(metres, f"{path}.alt_m", *_ALT_M_RANGE)


def _time(value: object, path: str, found: _Collector) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        found.add(path, "must be an RFC 3339 time with a zone, e.g. 2026-05-01T10:00:00Z")
        return None
    try:
        moment = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError as error:
        found.add(path, f"is not a valid time: {error}")
        return None
    return moment.astimezone(UTC)

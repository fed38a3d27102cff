"""The input of ``wellclear detect``: one snapshot of aircraft states, as JSON or CSV.

JSON::

    {"params": {"rpz_nm": 5, "hpz_ft": 1000, "dtlookahead_s": 300},
     "aircraft": [{"id": "KLM12", "lat": 52.1, "lon": 4.7, "alt_ft": 31000,
                   "trk_deg": 90, "gs_kt": 450, "vs_fpm": 0}, ...]}

``params`` is optional and so are ``vs_fpm`` (0) and the per-aircraft ``rpz_nm``, ``hpz_ft``
and ``dtlookahead_s``. CSV has a header row with the aircraft fields as columns. Every
problem of the file is reported at once, each with its JSON path (``aircraft[3].lat``)
or CSV row and column; nothing is loaded when any is found.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wellclear.errors import InvalidInput, Problem
from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS, NM_M
from wellclear.tactical.states import (
    H_SEP_DEFAULT_M,
    LOOKAHEAD_DEFAULT_S,
    V_SEP_DEFAULT_M,
    StateVectors,
    state_vectors,
)

# field: (required, lower bound, upper bound)
_AIRCRAFT_FIELDS: dict[str, tuple[bool, float, float]] = {
    "lat": (True, -90.0, 90.0),
    "lon": (True, -180.0, 180.0),
    "alt_ft": (True, -2_000.0, 200_000.0),
    "trk_deg": (True, -360.0, 360.0),
    "gs_kt": (True, 0.0, 5_000.0),
    "vs_fpm": (False, -100_000.0, 100_000.0),
    "rpz_nm": (False, 0.0, 1_000.0),
    "hpz_ft": (False, 0.0, 100_000.0),
    "dtlookahead_s": (False, 0.0, 86_400.0),
}
PARAM_FIELDS = ("rpz_nm", "hpz_ft", "dtlookahead_s")
_MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class Params:
    """Scene-wide protected zone and look-ahead, SI units."""

    rpz_m: float = H_SEP_DEFAULT_M
    hpz_m: float = V_SEP_DEFAULT_M
    lookahead_s: float = LOOKAHEAD_DEFAULT_S


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Aircraft ids (in input order) and their state vectors."""

    ids: tuple[str, ...]
    states: StateVectors
    params: Params


class _Collector:
    def __init__(self, source: str, *, text_numbers: bool = False) -> None:
        self.source = source
        self.text_numbers = text_numbers  # CSV cells are text; JSON numbers must be numbers
        self.problems: list[Problem] = []

    def add(self, path: str, reason: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(self.source, path, reason))

    def number(self, value: object, path: str, low: float, high: float) -> float | None:
        kinds = (int, float, str) if self.text_numbers else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.add(path, f"must be a number, not {type(value).__name__}")
            return None
        try:
            number = float(value)
        except ValueError:
            self.add(path, f"must be a number, not {value!r}")
            return None
        if not math.isfinite(number) or not low <= number <= high:
            self.add(path, f"must be within [{low:g}, {high:g}], not {value!r}")
            return None
        return number

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)


def _params(raw: object, found: _Collector, override: dict[str, float]) -> Params:
    defaults = Params()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        found.add("params", "must be an object")
        raw = {}
    raw = {**raw, **override}
    for key in raw.keys() - set(PARAM_FIELDS):
        found.add(f"params.{key}", f"unknown parameter; expected one of {', '.join(PARAM_FIELDS)}")
    values = {
        key: found.number(raw[key], f"params.{key}", *_AIRCRAFT_FIELDS[key][1:])
        for key in PARAM_FIELDS
        if key in raw
    }
    rpz_nm, hpz_ft, lookahead = (values.get(k) for k in PARAM_FIELDS)
    return Params(
        rpz_m=defaults.rpz_m if rpz_nm is None else rpz_nm * NM_M,
        hpz_m=defaults.hpz_m if hpz_ft is None else hpz_ft * FT_M,
        lookahead_s=defaults.lookahead_s if lookahead is None else lookahead,
    )


def _rows(
    rows: list[Any], found: _Collector, params: Params, path_of: Callable[[int, str], str]
) -> tuple[list[str], dict[str, list[float]]]:
    """Check every aircraft row; columns in the units of the file."""
    fallback = {
        "vs_fpm": 0.0,
        "rpz_nm": params.rpz_m / NM_M,
        "hpz_ft": params.hpz_m / FT_M,
        "dtlookahead_s": params.lookahead_s,
    }
    ids: list[str] = []
    seen: dict[str, int] = {}
    columns: dict[str, list[float]] = {name: [] for name in _AIRCRAFT_FIELDS}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            found.add(path_of(index, ""), "must be an object")
            continue
        ident = row.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or str(ident) == "":
            found.add(path_of(index, "id"), "must be a non-empty string")
        elif str(ident) in seen:
            first = path_of(seen[str(ident)], "id")
            found.add(path_of(index, "id"), f"duplicate of {first} ({ident!r})")
        else:
            seen[str(ident)] = index
        ids.append(str(ident))
        for name, (required, low, high) in _AIRCRAFT_FIELDS.items():
            value = row.get(name)
            if value is None or value == "":
                if required:
                    found.add(path_of(index, name), "is required")
                columns[name].append(fallback.get(name, math.nan))
                continue
            number = found.number(value, path_of(index, name), low, high)
            columns[name].append(math.nan if number is None else number)
    return ids, columns


def _json_path(index: int, field: str) -> str:
    return f"aircraft[{index}].{field}" if field else f"aircraft[{index}]"


def _csv_path(index: int, field: str) -> str:
    return f"line {index + 2}, column {field}" if field else f"line {index + 2}"


def _snapshot(ids: list[str], columns: dict[str, list[float]], params: Params) -> Snapshot:
    col = {name: np.asarray(values, dtype=np.float64) for name, values in columns.items()}
    states = state_vectors(
        lat_deg=col["lat"],
        lon_deg=col["lon"],
        alt_m=col["alt_ft"] * FT_M,
        trk_deg=col["trk_deg"] % 360.0,
        gs_mps=col["gs_kt"] * KT_MPS,
        vs_mps=col["vs_fpm"] * FPM_MPS,
        rpz_m=col["rpz_nm"] * NM_M,
        hpz_m=col["hpz_ft"] * FT_M,
        lookahead_s=col["dtlookahead_s"],
    )
    return Snapshot(tuple(ids), states, params)


def parse_json(text: str, source: str = "", override: dict[str, float] | None = None) -> Snapshot:
    """A snapshot from the JSON form; ``InvalidInput`` lists every problem with its path.

    ``override`` (keys of ``PARAM_FIELDS``) wins over the file's ``params``; per-aircraft
    values win over both.

    >>> doc = '{"aircraft": [{"id": "A", "lat": 52, "lon": 5, "alt_ft": 10000,'
    >>> doc += ' "trk_deg": 90, "gs_kt": 400}]}'
    >>> snap = parse_json(doc)
    >>> snap.ids, round(float(snap.states.alt_m[0]), 1), float(snap.states.rpz_m[0])
    (('A',), 3048.0, 9260.0)
    >>> parse_json('{"aircraft": [{"id": "A", "lat": 95}]}', "s.json")
    Traceback (most recent call last):
    ...
    wellclear.errors.InvalidInput: s.json: aircraft[0].lat: must be within [-90, 90], not 95
    s.json: aircraft[0].lon: is required
    s.json: aircraft[0].alt_ft: is required
    s.json: aircraft[0].trk_deg: is required
    s.json: aircraft[0].gs_kt: is required
    """
    found = _Collector(source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput([Problem(source, "", f"not JSON: {error}")]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("aircraft"), list):
        raise InvalidInput([Problem(source, "aircraft", "must be a list of aircraft")])
    for key in doc.keys() - {"params", "aircraft"}:
        found.add(key, "unknown key; expected params and aircraft")
    params = _params(doc.get("params"), found, override or {})
    ids, columns = _rows(doc["aircraft"], found, params, _json_path)
    found.raise_if_any()
    return _snapshot(ids, columns, params)


def parse_csv(text: str, source: str = "", override: dict[str, float] | None = None) -> Snapshot:
    """A snapshot from CSV with a header row; problems are reported by row and column.

    >>> snap = parse_csv("id,lat,lon,alt_ft,trk_deg,gs_kt\\nA,52,5,10000,90,400\\n")
    >>> snap.ids, float(snap.states.trk_deg[0])
    (('A',), 90.0)
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    found = _Collector(source, text_numbers=True)
    params = _params(None, found, override or {})
    missing = [n for n, (req, _, _) in _AIRCRAFT_FIELDS.items() if req and n not in header]
    if "id" not in header or missing:
        needed = ", ".join((["id"] if "id" not in header else []) + missing)
        raise InvalidInput([Problem(source, "header", f"missing column(s): {needed}")])
    rows = [{k: v.strip() if isinstance(v, str) else v for k, v in r.items()} for r in reader]
    ids, columns = _rows(rows, found, params, _csv_path)
    found.raise_if_any()
    return _snapshot(ids, columns, params)


def load(path: Path, override: dict[str, float] | None = None) -> Snapshot:
    """A snapshot from a ``.json`` or ``.csv`` file (by suffix; JSON otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput([Problem(str(path), "", f"cannot read: {error}")]) from None
    if path.suffix.lower() == ".csv":
        return parse_csv(text, str(path), override)
    return parse_json(text, str(path), override)

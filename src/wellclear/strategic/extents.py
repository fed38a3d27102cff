"""Intents flattened into column arrays of extents, ready for the broad and exact phases.

Rings are densified along their geodesic edges (F3548) so that straight segments in a
local frame follow the geodesics to well under a metre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from wellclear.geo.frames import SPHERE_ERROR, densify_rings, spherical_distance_m
from wellclear.model import CircleOutline, Intent, Kind, LatLng, Volume4D

KINDS: tuple[Kind, ...] = tuple(Kind)
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
DENSIFY_STEP_M = 10_000.0
MICROS_PER_S = 1_000_000
OPEN_END_US = np.iinfo(np.int64).max // 4

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ExtentTable:
    """Column arrays, one row per extent; rings stored flat with ``ring_offsets``.

    Circles keep one ring vertex, their centre, and a positive ``radius_m``;
    polygons have ``radius_m == 0``. ``reach_m`` bounds the geodesic distance from
    the centre to any point of the footprint.
    """

    intent: IntArray
    number: IntArray
    party: IntArray
    kind: IntArray
    start_us: IntArray
    end_us: IntArray
    floor_m: FloatArray
    ceiling_m: FloatArray
    radius_m: FloatArray
    center_lon: FloatArray
    center_lat: FloatArray
    reach_m: FloatArray
    ring_offsets: IntArray
    ring_lon: FloatArray
    ring_lat: FloatArray

    def __len__(self) -> int:
        return len(self.intent)


def _time_us(extent: Volume4D) -> tuple[int, int]:
    start = round(extent.start.timestamp() * MICROS_PER_S)
    if extent.end is None:
        return start, int(OPEN_END_US)
    return start, round(extent.end.timestamp() * MICROS_PER_S)


def build_table(intents: Sequence[Intent], party_codes: dict[str, int]) -> ExtentTable:
    """Flatten ``intents`` (assigning party codes as new parties appear)."""
    rows: list[tuple[int, int, int, int, int, int, float, float, float]] = []
    lons: list[float] = []
    lats: list[float] = []
    counts: list[int] = []
    for position, intent in enumerate(intents):
        party = party_codes.setdefault(intent.party, len(party_codes))
        kind = KIND_CODE[intent.kind]
        for number, extent in enumerate(intent.extents):
            outline = extent.outline
            if isinstance(outline, CircleOutline):
                vertices: tuple[LatLng, ...] = (outline.center,)
                radius_m = float(outline.radius_m)
            else:
                vertices, radius_m = outline.vertices, 0.0
            lons.extend([vertex.lng for vertex in vertices])
            lats.extend([vertex.lat for vertex in vertices])
            counts.append(len(vertices))
            start_us, end_us = _time_us(extent)
            rows.append(
                (position, number, party, kind, start_us, end_us,
                 extent.floor_m, extent.ceiling_m, radius_m)
            )  # fmt: skip
    return _table_from(rows, counts, np.array(lons, dtype=np.float64), np.array(lats))


def _table_from(
    rows: list[tuple[int, int, int, int, int, int, float, float, float]],
    counts: list[int],
    ring_lon: FloatArray,
    ring_lat: FloatArray,
) -> ExtentTable:
    offsets = np.concatenate([[0], np.cumsum(np.array(counts, dtype=np.int64))]).astype(np.int64)
    offsets, ring_lon, ring_lat = densify_rings(offsets, ring_lon, ring_lat, DENSIFY_STEP_M)
    columns = np.array(rows, dtype=np.float64).reshape(-1, 9).T
    intent, number, party, kind = (columns[k].astype(np.int64) for k in range(4))
    start_us, end_us = (np.array([row[k] for row in rows], dtype=np.int64) for k in (4, 5))
    floor_m, ceiling_m, radius_m = columns[6], columns[7], columns[8]
    center_lon, center_lat, reach_m = _centres(offsets, ring_lon, ring_lat, radius_m)
    return ExtentTable(
        intent, number, party, kind, start_us, end_us, floor_m, ceiling_m, radius_m,
        center_lon, center_lat, reach_m, offsets, ring_lon, ring_lat,
    )  # fmt: skip


def _centres(
    offsets: IntArray, ring_lon: FloatArray, ring_lat: FloatArray, radius_m: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vertex-mean centres (longitudes unwrapped about each ring's first vertex) and reaches.

    A reach bounds the geodesic distance from the centre to every point of the footprint:
    spherical distances to the densified vertices, widened by the sphere's error bound.
    """
    n = len(offsets) - 1
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    counts = np.diff(offsets)
    owner = np.repeat(np.arange(n), counts)
    first_lon = ring_lon[offsets[:-1]]
    unwrapped = first_lon[owner] + (ring_lon - first_lon[owner] + 180.0) % 360.0 - 180.0
    center_lon = np.bincount(owner, unwrapped, n) / counts
    center_lon = (center_lon + 180.0) % 360.0 - 180.0
    center_lat = np.bincount(owner, ring_lat, n) / counts
    to_vertex = spherical_distance_m(center_lon[owner], center_lat[owner], ring_lon, ring_lat)
    reach = np.maximum.reduceat(to_vertex, offsets[:-1]) * (1 + SPHERE_ERROR)  # rings not empty
    return center_lon, center_lat, reach + radius_m + 1.0


ROW_COLUMNS = tuple(f.name for f in fields(ExtentTable) if not f.name.startswith("ring_"))


def join(first: ExtentTable, second: ExtentTable) -> ExtentTable:
    """The rows of ``first`` then those of ``second`` (``intent`` values kept as they are)."""
    rows = {
        name: np.concatenate([getattr(first, name), getattr(second, name)]) for name in ROW_COLUMNS
    }
    offsets = np.concatenate([first.ring_offsets[:-1], second.ring_offsets + len(first.ring_lon)])
    return ExtentTable(
        **rows,
        ring_offsets=offsets.astype(np.int64),
        ring_lon=np.concatenate([first.ring_lon, second.ring_lon]),
        ring_lat=np.concatenate([first.ring_lat, second.ring_lat]),
    )

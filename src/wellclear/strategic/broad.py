"""Broad phase: extent pairs that share a cell of a (lon, lat, time) grid.

Each extent's box is its footprint's reach about its centre, dilated by half the largest
horizontal separation its kind is ever checked with, and its time window dilated by half
the largest time buffer. Two extents closer than their separation always share a cell,
so the cost follows the pairs actually near each other, not N².
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from wellclear.strategic.extents import OPEN_END_US, ExtentTable

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
PairFilter = Callable[[IntArray, IntArray], NDArray[np.bool_]]

METRES_PER_DEG_LAT_MIN = 110_574.0
METRES_PER_DEG_LON_EQUATOR = 111_321.0
MAX_TIME_CELLS_IN_SPAN = 64  # long-lived extents (open-ended sites) cover at most this many
MAX_CELL_DEG = 4.0
MIN_CELL_DEG = 0.01


def box_degrees(
    table: ExtentTable, dilation_m: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Conservative lon/lat boxes (lon unwrapped about the centre) of the dilated footprints."""
    half_m = table.reach_m + dilation_m
    half_lat = half_m / METRES_PER_DEG_LAT_MIN * 1.001
    lat_lo = np.maximum(table.center_lat - half_lat, -90.0)
    lat_hi = np.minimum(table.center_lat + half_lat, 90.0)
    widest = np.cos(np.radians(np.maximum(np.abs(lat_lo), np.abs(lat_hi))))
    half_lon = (
        np.where(
            widest > 0.02, half_m / (METRES_PER_DEG_LON_EQUATOR * np.maximum(widest, 0.02)), 180.0
        )
        * 1.001
    )
    half_lon = np.minimum(half_lon, 180.0)
    return table.center_lon - half_lon, table.center_lon + half_lon, lat_lo, lat_hi


def candidate_pairs(
    table: ExtentTable,
    dilation_m: FloatArray,
    time_pad_us: int,
    relevant: PairFilter | None = None,
) -> IntArray:
    """Unique extent pairs ``(i, j)``, ``i < j``, whose dilated boxes share a grid cell.

    ``relevant(i, j)`` drops pairs early (e.g. same party, kinds never checked), before
    duplicates are removed. Returns an array of shape (P, 2).
    """
    n = len(table)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    lon_lo, lon_hi, lat_lo, lat_hi = box_degrees(table, dilation_m)
    cell_deg = _cell_size_deg(lat_hi - lat_lo)
    lon_cells = math.ceil(360.0 / cell_deg)
    cell_deg = 360.0 / lon_cells
    ix_lo = np.floor((lon_lo + 180.0) / cell_deg).astype(np.int64)
    ix_hi = np.floor((lon_hi + 180.0) / cell_deg).astype(np.int64)
    ix_hi = np.minimum(ix_hi, ix_lo + lon_cells - 1)
    iy_lo = np.floor((lat_lo + 90.0) / cell_deg).astype(np.int64)
    iy_hi = np.floor((lat_hi + 90.0) / cell_deg).astype(np.int64)
    it_lo, it_hi = _time_cells(table, time_pad_us)
    key_x, key_y, key_t, owner = _expand(ix_lo, ix_hi, iy_lo, iy_hi, it_lo, it_hi)
    key_x %= lon_cells
    lat_cells = int(iy_hi.max()) + 1
    keys = (key_t * lat_cells + key_y) * lon_cells + key_x
    return _pairs_sharing_keys(keys, owner, n, relevant)


def _cell_size_deg(box_height_deg: FloatArray) -> float:
    typical = float(np.median(box_height_deg)) if len(box_height_deg) else 1.0
    return min(max(typical, MIN_CELL_DEG), MAX_CELL_DEG)


def _time_cells(table: ExtentTable, time_pad_us: int) -> tuple[IntArray, IntArray]:
    start = table.start_us - time_pad_us
    finite = table.end_us < OPEN_END_US
    t0 = int(start.min())
    t1 = int(max(table.end_us[finite].max() if finite.any() else t0, start.max())) + time_pad_us
    span = max(t1 - t0, 1)
    durations = (table.end_us[finite] - table.start_us[finite]) + 2 * time_pad_us
    typical = int(np.median(durations)) if len(durations) else span
    cell_us = max(typical, span // MAX_TIME_CELLS_IN_SPAN, 1)
    end = np.minimum(table.end_us + time_pad_us, t1)
    it_lo = (start - t0) // cell_us
    it_hi = np.maximum((end - t0) // cell_us, it_lo)
    return it_lo.astype(np.int64), it_hi.astype(np.int64)


def _expand(
    ix_lo: IntArray, ix_hi: IntArray, iy_lo: IntArray, iy_hi: IntArray,
    it_lo: IntArray, it_hi: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:  # fmt: skip
    """One row per (extent, cell): the cells of each extent's box, as flat arrays."""
    nx, ny, nt = ix_hi - ix_lo + 1, iy_hi - iy_lo + 1, it_hi - it_lo + 1
    per_extent = nx * ny * nt
    owner = np.repeat(np.arange(len(nx)), per_extent)
    local = np.arange(len(owner)) - np.repeat(np.cumsum(per_extent) - per_extent, per_extent)
    nx_o, ny_o = nx[owner], ny[owner]
    key_x = ix_lo[owner] + local % nx_o
    key_y = iy_lo[owner] + (local // nx_o) % ny_o
    key_t = it_lo[owner] + local // (nx_o * ny_o)
    return key_x, key_y, key_t, owner


def _pairs_sharing_keys(
    keys: IntArray, owner: IntArray, n: int, relevant: PairFilter | None
) -> IntArray:
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    group_start = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    group_end = np.append(group_start[1:], len(keys))
    end_of = np.repeat(group_end, group_end - group_start)
    partners = end_of - 1 - np.arange(len(keys))
    left = np.repeat(np.arange(len(keys)), partners)
    first = np.cumsum(partners) - partners
    right = left + 1 + (np.arange(len(left)) - np.repeat(first, partners))
    a, b = owner[left], owner[right]
    i, j = np.minimum(a, b), np.maximum(a, b)
    keep = (i != j) if relevant is None else relevant(i, j)
    pair_keys = np.sort(i[keep] * n + j[keep])  # sort + adjacent mask: far faster than unique
    if len(pair_keys):
        pair_keys = pair_keys[np.concatenate([[True], pair_keys[1:] != pair_keys[:-1]])]
    return np.stack([pair_keys // n, pair_keys % n], axis=1)

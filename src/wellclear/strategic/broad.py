"""Broad phase: extent pairs that share a cell of a (lon, lat, time) grid.

Each extent's box is its footprint's reach about its centre, dilated by half the largest
horizontal separation its kind is ever checked with, and its time window dilated by half
the largest time buffer. Two extents closer than their separation always share a cell,
so the cost follows the pairs actually near each other, not N².

Time cells are about a typical extent long. Extents that would cover ``MAX_TIME_CELLS``
or more of them (open-ended sites, week-long restrictions) are paired by space cell alone
with every extent of a kind they are checked with: such an extent overlaps in time with
most of what passes through its cells anyway.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from wellclear.strategic.extents import OPEN_END_US, ExtentTable

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
PairFilter = Callable[[IntArray, IntArray], NDArray[np.bool_]]

METRES_PER_DEG_LAT_MIN = 110_574.0
METRES_PER_DEG_LON_EQUATOR = 111_321.0
MAX_TIME_CELLS = 64  # extents reaching this many time cells are paired by space alone
PAIR_CHUNK = 2_000_000  # raw pairs expanded at once: bounds the broad phase's memory
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
    kinds_checked: BoolArray | None = None,
) -> IntArray:
    """Unique extent pairs ``(i, j)``, ``i < j``, whose dilated boxes share a grid cell.

    ``relevant(i, j)`` drops pairs early (e.g. same party, kinds never checked), before
    duplicates are removed; ``kinds_checked[a, b]`` (kind codes) lets long-lived extents
    skip partners of kinds they are never checked with. Returns an array of shape (P, 2).
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
    lat_cells = int(iy_hi.max()) + 1
    it_lo, it_hi = _time_cells(table, time_pad_us)
    long = it_hi - it_lo >= MAX_TIME_CELLS
    it_hi = np.where(long, it_lo - 1, it_hi)  # long extents take no timed cells
    key_x, key_y, key_t, owner = _expand(ix_lo, ix_hi, iy_lo, iy_hi, it_lo, it_hi)
    timed_keys = (key_t * lat_cells + key_y) * lon_cells + key_x % lon_cells
    pairs = _pairs_sharing_keys(timed_keys, owner, n, relevant)
    if long.any():
        zero = np.zeros(n, dtype=np.int64)
        key_x, key_y, _, owner = _expand(ix_lo, ix_hi, iy_lo, iy_hi, zero, zero)
        space_keys = key_y * lon_cells + key_x % lon_cells
        kinds = table.kind[owner]
        with_long = _pairs_with_long(space_keys, owner, long, kinds, kinds_checked, relevant)
        pairs = _unique_pairs(np.concatenate([pairs[:, 0] * n + pairs[:, 1], with_long]), n)
    return pairs


def _cell_size_deg(box_height_deg: FloatArray) -> float:
    typical = float(np.median(box_height_deg)) if len(box_height_deg) else 1.0
    return min(max(typical, MIN_CELL_DEG), MAX_CELL_DEG)


def _time_cells(table: ExtentTable, time_pad_us: int) -> tuple[IntArray, IntArray]:
    """Time cells about as long as a typical extent; open-ended extents reach past the last."""
    start = table.start_us - time_pad_us
    finite = table.end_us < OPEN_END_US
    durations = (table.end_us[finite] - table.start_us[finite]) + 2 * time_pad_us
    cell_us = max(int(np.median(durations)) if len(durations) else 1, 1)
    t0 = int(start.min())
    end = np.where(finite, table.end_us + time_pad_us, start + MAX_TIME_CELLS * cell_us)
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
    rows = np.arange(len(keys))
    found = [
        _kept(*_expand_ranges(owner[part], rows[part] + 1, end_of[part], owner), n, relevant)
        for part in _chunks(end_of - rows - 1, PAIR_CHUNK)
    ]
    return _unique_pairs(np.concatenate(found), n)


def _pairs_with_long(
    space_keys: IntArray, owner: IntArray, long: BoolArray, kinds: IntArray,
    kinds_checked: BoolArray | None, relevant: PairFilter | None,
) -> IntArray:  # fmt: skip
    """Pair keys ``i * n + j`` of each long-lived extent with every extent in its space cells.

    Long-lived extents (open-ended sites) meet all later extents in their cells, so they
    are paired by space alone, with partners only of kinds they are checked with.
    """
    n = len(long)
    found: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    for kind in np.unique(kinds[long[owner]]):
        partner = np.ones(len(owner), bool) if kinds_checked is None else kinds_checked[kind, kinds]
        order = np.argsort(space_keys[partner], kind="stable")
        sorted_keys, sorted_owner = space_keys[partner][order], owner[partner][order]
        mine = np.flatnonzero(long[owner] & (kinds == kind))
        lo = np.searchsorted(sorted_keys, space_keys[mine], "left")
        hi = np.searchsorted(sorted_keys, space_keys[mine], "right")
        found.extend(
            _kept(*_expand_ranges(owner[mine[part]], lo[part], hi[part], sorted_owner), n, relevant)
            for part in _chunks(hi - lo, PAIR_CHUNK)
        )
    return np.concatenate(found)


def _kept(a: IntArray, b: IntArray, n: int, relevant: PairFilter | None) -> IntArray:
    """Keys ``i * n + j`` (``i < j``) of the pairs of distinct extents that ``relevant`` keeps."""
    i, j = np.minimum(a, b), np.maximum(a, b)
    keep = (i != j) if relevant is None else (i != j) & relevant(i, j)
    keys: IntArray = i[keep] * n + j[keep]
    return keys


def _expand_ranges(
    left: IntArray, lo: IntArray, hi: IntArray, values: IntArray
) -> tuple[IntArray, IntArray]:
    """``(left[k], values[m])`` for every ``m`` in ``lo[k]:hi[k]``, as two flat arrays."""
    counts = hi - lo
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return np.repeat(left, counts), values[starts + np.arange(int(counts.sum()))]


def _chunks(counts: IntArray, budget: int) -> list[slice]:
    """Consecutive slices of ``counts``, each summing to at most ``budget`` plus one item."""
    group = (np.cumsum(counts) - counts) // budget
    edges = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(counts)]])
    return [slice(int(lo), int(hi)) for lo, hi in itertools.pairwise(edges)]


def _unique_pairs(pair_keys: IntArray, n: int) -> IntArray:
    """``(P, 2)`` pairs from keys ``i * n + j``, sorted, duplicates removed."""
    pair_keys = np.sort(pair_keys)  # sort + adjacent mask: far faster than np.unique
    if len(pair_keys):
        pair_keys = pair_keys[np.concatenate([[True], pair_keys[1:] != pair_keys[:-1]])]
    return np.stack([pair_keys // n, pair_keys % n], axis=1)

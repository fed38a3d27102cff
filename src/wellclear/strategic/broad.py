"""Broad phase: extent pairs that share a cell of a (lon, lat, time, altitude) grid.

Each extent's box is its footprint's reach about its centre dilated by half the largest
horizontal separation its kind is ever checked with, its time window dilated by half the
largest time buffer, and its altitude band by half the largest vertical separation its
kind is checked with where altitude counts. Two extents closer than their separations
share a cell, so the cost follows the pairs actually near each other, not N². Time cells
are about a typical extent long, altitude cells a typical band thick.

Two groups are paired on fewer axes, each only with partners of a kind they are checked
with:

- kinds checked regardless of altitude (operations against movements and sites): by
  longitude, latitude and time;
- extents that would cover ``MAX_TIME_CELLS`` or more time cells (open-ended sites,
  week-long restrictions): by longitude and latitude alone, as such an extent overlaps in
  time with most of what passes through its cells anyway.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from wellclear.strategic.extents import OPEN_END_US, ExtentTable
from wellclear.strategic.rules import RuleTables

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
PairFilter = Callable[[IntArray, IntArray], NDArray[np.bool_]]

METRES_PER_DEG_LAT_MIN = 110_574.0
METRES_PER_DEG_LON_EQUATOR = 111_321.0
MAX_TIME_CELLS = 64  # extents reaching this many time cells are paired by space alone
MIN_CELL_M = 1.0
PAIR_SHIFT = 32  # a pair (i, j) travels as one int64 key: fewer than 2**31 extents
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


@dataclass(frozen=True, slots=True)
class Axis:
    """Each extent's inclusive range of cell indices along one grid axis."""

    lo: IntArray
    hi: IntArray
    cells: int  # indices lie in [0, cells); wrapped modulo ``cells`` when ``wraps``
    wraps: bool = False


def candidate_pairs(table: ExtentTable, rules: RuleTables, relevant: PairFilter) -> IntArray:
    """Unique extent pairs ``(i, j)``, ``i < j``, whose dilated boxes share a grid cell.

    ``relevant(i, j)`` drops pairs early (e.g. same party, kinds never checked), before
    duplicates are removed. Returns an array of shape (P, 2).
    """
    n = len(table)
    found = [np.zeros(0, dtype=np.int64)]
    active = np.asarray(rules.checked.any(axis=1))[table.kind]
    if n < 2 or not active.any():
        return _unique_pairs(np.concatenate(found))
    x, y = _space_axes(table, rules.dilation_m(table))
    t = _time_axis(table, rules.time_pad_us())
    z = _altitude_axis(table, rules.vertical_pad_m(table))
    long = active & (t.hi - t.lo >= MAX_TIME_CELLS)
    timed = active & ~long
    found.append(_pairs_within(np.flatnonzero(timed & (z.hi >= z.lo)), (x, y, t, z), relevant))
    for kind_a, kind_b in zip(*np.nonzero(np.triu(rules.ignores_altitude)), strict=True):
        side_a = np.flatnonzero(timed & (table.kind == kind_a))
        side_b = np.flatnonzero(timed & (table.kind == kind_b))
        found.extend(_pairs_between(side_a, side_b, (x, y, t), relevant))
    for kind in np.unique(table.kind[long]):
        lasting = np.flatnonzero(long & (table.kind == kind))
        partners = np.flatnonzero(active & rules.checked[kind, table.kind])
        found.extend(_pairs_between(lasting, partners, (x, y), relevant))
    return _unique_pairs(np.concatenate(found))


def _space_axes(table: ExtentTable, dilation_m: FloatArray) -> tuple[Axis, Axis]:
    lon_lo, lon_hi, lat_lo, lat_hi = box_degrees(table, dilation_m)
    cell_deg = _cell_size_deg(lat_hi - lat_lo)
    lon_cells = math.ceil(360.0 / cell_deg)
    cell_deg = 360.0 / lon_cells
    ix_lo = np.floor((lon_lo + 180.0) / cell_deg).astype(np.int64)
    ix_hi = np.floor((lon_hi + 180.0) / cell_deg).astype(np.int64)
    ix_hi = np.minimum(ix_hi, ix_lo + lon_cells - 1)
    iy_lo = np.floor((lat_lo + 90.0) / cell_deg).astype(np.int64)
    iy_hi = np.floor((lat_hi + 90.0) / cell_deg).astype(np.int64)
    return Axis(ix_lo, ix_hi, lon_cells, wraps=True), Axis(iy_lo, iy_hi, int(iy_hi.max()) + 1)


def _cell_size_deg(box_height_deg: FloatArray) -> float:
    typical = float(np.median(box_height_deg)) if len(box_height_deg) else 1.0
    return min(max(typical, MIN_CELL_DEG), MAX_CELL_DEG)


def _time_axis(table: ExtentTable, time_pad_us: int) -> Axis:
    """Time cells about as long as a typical extent; open-ended extents reach past the last."""
    start = table.start_us - time_pad_us
    finite = table.end_us < OPEN_END_US
    durations = (table.end_us[finite] - table.start_us[finite]) + 2 * time_pad_us
    cell_us = max(int(np.median(durations)) if len(durations) else 1, 1)
    t0 = int(start.min())
    end = np.where(finite, table.end_us + time_pad_us, start + MAX_TIME_CELLS * cell_us)
    it_lo = ((start - t0) // cell_us).astype(np.int64)
    it_hi = np.maximum((end - t0) // cell_us, it_lo).astype(np.int64)
    return Axis(it_lo, it_hi, int(it_hi.max()) + 1)


def _altitude_axis(table: ExtentTable, pad_m: FloatArray) -> Axis:
    """Altitude cells about as thick as a typical dilated band; extents of kinds checked
    without altitude get an empty range (``hi < lo``) and are paired by the other axes."""
    bounded = np.isfinite(pad_m)
    floor, ceiling = table.floor_m - pad_m, table.ceiling_m + pad_m
    if not bounded.any():
        return Axis(np.zeros(len(table), np.int64), np.full(len(table), -1, np.int64), 1)
    base = float(floor[bounded].min())
    cell_m = max(float(np.median((ceiling - floor)[bounded])), MIN_CELL_M)
    lo = np.where(bounded, np.floor((floor - base) / cell_m), 0).astype(np.int64)
    hi = np.where(bounded, np.floor((ceiling - base) / cell_m), -1).astype(np.int64)
    return Axis(lo, hi, int(hi.max()) + 1)


def _cells(rows: IntArray, axes: Sequence[Axis]) -> tuple[IntArray, IntArray]:
    """One entry per (row, cell of its box): a key naming the cell, and the row.

    Axes that would overflow a 63-bit key are left out: fewer axes only add candidates.
    """
    usable, radix = [], 1
    for axis in axes:
        if radix * axis.cells < 2**62:
            usable.append(axis)
            radix *= axis.cells
    owner, keys, radix = rows, np.zeros(len(rows), np.int64), 1
    for axis in usable:  # expand one axis at a time: repeats and adds, no divisions
        size = (axis.hi - axis.lo + 1)[owner]
        first = np.cumsum(size) - size
        owner, keys = np.repeat(owner, size), np.repeat(keys, size)
        index = axis.lo[owner] + (np.arange(len(owner)) - np.repeat(first, size))
        keys += (index % axis.cells if axis.wraps else index) * radix
        radix *= axis.cells
    return keys, owner


def _pairs_within(rows: IntArray, axes: Sequence[Axis], relevant: PairFilter) -> IntArray:
    """Pair keys ``i << PAIR_SHIFT | j`` of the rows sharing a cell, filtered by ``relevant``."""
    keys, owner = _cells(rows, axes)
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    group_start = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    group_end = np.append(group_start[1:], len(keys))
    end_of = np.repeat(group_end, group_end - group_start)
    entry = np.arange(len(keys))
    found = [
        _kept(*_expand_ranges(owner[part], entry[part] + 1, end_of[part], owner), relevant)
        for part in _chunks(end_of - entry - 1, PAIR_CHUNK)
    ]
    return np.concatenate([np.zeros(0, dtype=np.int64), *found])


def _pairs_between(
    left: IntArray, right: IntArray, axes: Sequence[Axis], relevant: PairFilter
) -> list[IntArray]:
    """Pair keys of each ``left`` row with every ``right`` row sharing a cell, in chunks.

    The side with fewer cells is sorted; the other side looks its cells up in it.
    """
    cells = [_cells(left, axes), _cells(right, axes)]
    (probe_keys, probe_owner), (keys, owner) = sorted(cells, key=lambda c: -len(c[0]))
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    lo = np.searchsorted(keys, probe_keys, "left")
    hi = np.searchsorted(keys, probe_keys, "right")
    return [
        _kept(*_expand_ranges(probe_owner[part], lo[part], hi[part], owner), relevant)
        for part in _chunks(hi - lo, PAIR_CHUNK)
    ]


def _kept(a: IntArray, b: IntArray, relevant: PairFilter) -> IntArray:
    """Keys ``i << PAIR_SHIFT | j`` (``i < j``) of the distinct pairs ``relevant`` keeps."""
    i, j = np.minimum(a, b), np.maximum(a, b)
    keep = (i != j) & relevant(i, j)
    keys: IntArray = (i[keep] << PAIR_SHIFT) | j[keep]
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


def _unique_pairs(pair_keys: IntArray) -> IntArray:
    """``(P, 2)`` pairs from keys ``i << PAIR_SHIFT | j``, sorted, duplicates removed."""
    pair_keys = np.sort(pair_keys)  # sort + adjacent mask: far faster than np.unique
    if len(pair_keys):
        pair_keys = pair_keys[np.concatenate([[True], pair_keys[1:] != pair_keys[:-1]])]
    return np.stack([pair_keys >> PAIR_SHIFT, pair_keys & ((1 << PAIR_SHIFT) - 1)], axis=1)

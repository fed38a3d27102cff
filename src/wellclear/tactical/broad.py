"""Broad phase: candidate pairs from a uniform grid over swept boxes, never an N×N matrix.

Each aircraft's box (``boxes.swept_boxes``) is entered in every cell it touches of a 3-D
grid (north, longitude on a circle, altitude). Pairs are generated inside each cell and
kept in exactly one cell: the first cell of the two boxes' overlap along every axis (a
cell is "first" for an axis when it is where one of the two boxes starts), so no sort of
the pairs is needed to remove duplicates. Survivors are checked for true box overlap.

Work and memory follow the number of (entry, entry) pairs in shared cells, processed in
chunks of ``chunk_pairs``; with cells about the size of the median box that is a small
multiple of the candidate pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from wellclear.tactical.boxes import Boxes, swept_boxes
from wellclear.tactical.states import BoolArray, IntArray, StateVectors

CHUNK_PAIRS = 2_000_000
_MAX_CELLS_PER_AXIS = 1 << 20
_FIRST_Y, _FIRST_LON, _FIRST_Z = 1, 2, 4


class Pairs(NamedTuple):
    """Candidate pairs ``(i[k], j[k])`` with ``i < j``."""

    i: IntArray
    j: IntArray


class _Grid(NamedTuple):
    """Every (cell, aircraft) entry sorted by cell, with what pair generation needs."""

    owner: IntArray  # aircraft of each entry
    first: np.ndarray  # bit flags: the entry's cell is where its box starts, per axis
    wide: np.ndarray  # the box covers more than half the longitude circle
    group_end: IntArray  # one past the last entry of the entry's cell


def _axis_cells(lo: np.ndarray, hi: np.ndarray, origin: float, size: float) -> tuple[
    IntArray, IntArray
]:
    first = np.floor((lo - origin) / size).astype(np.int64)
    last = np.floor((hi - origin) / size).astype(np.int64)
    return first, last - first + 1


def _cell_size(extent: np.ndarray, span: float) -> float:
    size = float(np.median(extent)) if extent.size else 1.0
    return max(size, span / _MAX_CELLS_PER_AXIS, 1e-9)


def _grid(boxes: Boxes) -> _Grid:
    y_size = _cell_size(boxes.y_hi_m - boxes.y_lo_m, float(np.ptp(boxes.y_hi_m)) + 1.0)
    z_size = _cell_size(boxes.z_hi_m - boxes.z_lo_m, float(np.ptp(boxes.z_hi_m)) + 1.0)
    lon_width = float(np.median(boxes.lon_hi_rad - boxes.lon_lo_rad))
    n_lon = int(np.clip(np.floor(2.0 * np.pi / max(lon_width, 1e-12)), 1, _MAX_CELLS_PER_AXIS))
    lon_size = 2.0 * np.pi / n_lon

    y0, ny = _axis_cells(boxes.y_lo_m, boxes.y_hi_m, float(boxes.y_lo_m.min()), y_size)
    z0, nz = _axis_cells(boxes.z_lo_m, boxes.z_hi_m, float(boxes.z_lo_m.min()), z_size)
    l0, nl = _axis_cells(boxes.lon_lo_rad, boxes.lon_hi_rad, -np.pi, lon_size)
    full = nl >= n_lon
    nl = np.where(full, n_lon, nl)
    l0 = np.where(full, 0, l0 % n_lon)
    n_z = int((z0 + nz).max())

    counts = ny * nl * nz
    owner = np.repeat(np.arange(counts.size, dtype=np.intp), counts)
    local = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    nz_e, nl_e = nz[owner], nl[owner]
    dz = local % nz_e
    rest = local // nz_e
    dl = rest % nl_e
    dy = rest // nl_e
    key = ((y0[owner] + dy) * n_lon + (l0[owner] + dl) % n_lon) * n_z + (z0[owner] + dz)
    first = (
        np.where(dy == 0, _FIRST_Y, 0) | np.where(dl == 0, _FIRST_LON, 0) | np.where(dz == 0, _FIRST_Z, 0)
    ).astype(np.uint8)

    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    group_end = np.repeat(ends, ends - starts)
    owner = owner[order]
    return _Grid(owner, first[order], (2 * nl > n_lon)[owner], group_end)


def _overlap(boxes: Boxes, i: IntArray, j: IntArray) -> np.ndarray:
    """True box overlap (closed), longitude as arcs on the circle."""
    keep = (boxes.y_lo_m[i] <= boxes.y_hi_m[j]) & (boxes.y_lo_m[j] <= boxes.y_hi_m[i])
    keep &= (boxes.z_lo_m[i] <= boxes.z_hi_m[j]) & (boxes.z_lo_m[j] <= boxes.z_hi_m[i])
    centre = 0.5 * (boxes.lon_lo_rad + boxes.lon_hi_rad)
    half = 0.5 * (boxes.lon_hi_rad - boxes.lon_lo_rad)
    gap = np.abs((centre[j] - centre[i] + np.pi) % (2.0 * np.pi) - np.pi)
    return keep & (gap <= half[i] + half[j])


def _chunk_pairs(grid: _Grid, lo: int, hi: int) -> tuple[IntArray, IntArray, BoolArray]:
    """The pairs first seen in their canonical cell, for entries ``lo:hi`` as the lower one."""
    counts = grid.group_end[lo:hi] - np.arange(lo + 1, hi + 1)
    a_pos = np.repeat(np.arange(lo, hi, dtype=np.intp), counts)
    b_pos = np.arange(a_pos.size, dtype=np.intp) + np.repeat(
        np.arange(lo + 1, hi + 1, dtype=np.intp) - (np.cumsum(counts) - counts), counts
    )
    canonical = (grid.first[a_pos] | grid.first[b_pos]) == _FIRST_Y | _FIRST_LON | _FIRST_Z
    a_pos, b_pos = a_pos[canonical], b_pos[canonical]
    return grid.owner[a_pos], grid.owner[b_pos], grid.wide[a_pos] | grid.wide[b_pos]


def iter_candidate_pairs(sv: StateVectors, chunk_pairs: int = CHUNK_PAIRS) -> Iterator[Pairs]:
    """Candidate pairs in chunks of about ``chunk_pairs`` generated pairs each.

    Every pair that can conflict is yielded exactly once, ``i < j``.
    """
    if len(sv) < 2:
        return
    boxes = swept_boxes(sv)
    grid = _grid(boxes)
    per_entry = grid.group_end - np.arange(1, grid.owner.size + 1)
    cumulative = np.cumsum(per_entry)
    wide_keys: list[np.ndarray] = []
    lo = 0
    while lo < grid.owner.size:
        base = int(cumulative[lo - 1]) if lo else 0
        hi = int(np.searchsorted(cumulative, base + chunk_pairs, side="right"))
        hi = max(hi, lo + 1)
        i, j, wide = _chunk_pairs(grid, lo, hi)
        keep = _overlap(boxes, i, j)
        i, j, wide = i[keep], j[keep], wide[keep]
        # Two arcs each wider than half the circle can share two pieces, hence two
        # canonical cells: such pairs are set aside and made unique at the end.
        wide_keys.append(i[wide].astype(np.int64) * len(sv) + j[wide])
        yield Pairs(i[~wide], j[~wide])
        lo = hi
    keys = np.unique(np.concatenate(wide_keys))
    if keys.size:
        yield Pairs((keys // len(sv)).astype(np.intp), (keys % len(sv)).astype(np.intp))


def candidate_pairs(sv: StateVectors) -> Pairs:
    """All candidate pairs (``i < j``): a superset of the conflicting pairs.

    >>> from wellclear.tactical.states import state_vectors
    >>> sv = state_vectors(lat_deg=[0.0, 0.0, 10.0], lon_deg=[0.0, 0.05, 0.0],
    ...                    alt_m=3000.0, trk_deg=0.0, gs_mps=200.0)
    >>> [p.tolist() for p in candidate_pairs(sv)]
    [[0], [1]]
    """
    chunks = list(iter_candidate_pairs(sv))
    if not chunks:
        empty = np.empty(0, dtype=np.intp)
        return Pairs(empty, empty)
    return Pairs(np.concatenate([c.i for c in chunks]), np.concatenate([c.j for c in chunks]))

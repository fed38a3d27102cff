"""Broad phase: candidate pairs from a uniform grid over swept boxes, never an N-by-N matrix.

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
from wellclear.tactical.states import BoolArray, FloatArray, IntArray, StateVectors

CHUNK_PAIRS = 2_000_000
_MAX_CELLS_PER_AXIS = 1 << 18
_Z_CELL_BOXES = 2.0  # altitude cells of two median boxes: fewer entries for climbers
_Y_BITS = 26
_Y_LEVELS = 1 << _Y_BITS
_FIRST_LON, _FIRST_Z = 2, 4


class Pairs(NamedTuple):
    """Candidate pairs ``(i[k], j[k])`` with ``i < j``."""

    i: IntArray
    j: IntArray


class _Grid(NamedTuple):
    """Every (cell, aircraft) entry sorted by cell, with what pair generation needs."""

    owner: IntArray  # aircraft of each entry
    first: np.ndarray  # bit flags: the entry's cell is where its box starts, per axis
    wide: np.ndarray  # the box covers more than half the longitude circle
    group_end: IntArray  # one past the last entry of the cell whose box can overlap in north
    any_wide: bool


def _axis_cells(
    lo: np.ndarray, hi: np.ndarray, origin: float, size: float
) -> tuple[IntArray, IntArray]:
    first = np.floor((lo - origin) / size).astype(np.int64)
    last = np.floor((hi - origin) / size).astype(np.int64)
    return first, last - first + 1


def _cell_size(extent: np.ndarray, span: float) -> float:
    size = _Z_CELL_BOXES * float(np.median(extent)) if extent.size else 1.0
    return max(size, span / _MAX_CELLS_PER_AXIS, 1e-9)


def _grid(boxes: Boxes) -> _Grid:
    z_size = _cell_size(boxes.z_hi_m - boxes.z_lo_m, float(np.ptp(boxes.z_hi_m)) + 1.0)
    lon_width = float(np.median(boxes.lon_hi_rad - boxes.lon_lo_rad))
    n_lon = int(np.clip(np.floor(2.0 * np.pi / max(lon_width, 1e-12)), 1, _MAX_CELLS_PER_AXIS))
    z0, nz = _axis_cells(boxes.z_lo_m, boxes.z_hi_m, float(boxes.z_lo_m.min()), z_size)
    l0, nl = _axis_cells(boxes.lon_lo_rad, boxes.lon_hi_rad, -np.pi, 2.0 * np.pi / n_lon)
    full = nl >= n_lon
    nl = np.where(full, n_lon, nl)
    l0 = np.where(full, 0, l0 % n_lon)
    n_z = int((z0 + nz).max())

    counts = nl * nz
    owner = np.repeat(np.arange(counts.size, dtype=np.intp), counts)
    local = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    nz_e = nz[owner]
    dz = local % nz_e
    dl = local // nz_e
    cell = ((l0[owner] + dl) % n_lon) * n_z + (z0[owner] + dz)
    first = np.where(dl == 0, _FIRST_LON, 0) | np.where(dz == 0, _FIRST_Z, 0)

    # Sweep along north inside each cell: sort by (cell, y_lo) packed in one int64, the
    # north coordinate quantised outwards (the exact test follows in ``_overlap``).
    y_origin = float(boxes.y_lo_m.min())
    quantum = max(1.0, float(np.ptp(boxes.y_hi_m - y_origin)) / _Y_LEVELS)
    y_lo = np.clip(np.floor((boxes.y_lo_m - y_origin) / quantum), 0, _Y_LEVELS - 1)
    y_hi = np.clip(np.ceil((boxes.y_hi_m - y_origin) / quantum), 0, _Y_LEVELS - 1)
    base = cell << _Y_BITS
    key_lo = base | y_lo.astype(np.int64)[owner]
    order = np.argsort(key_lo)  # ties may come in any order: each pair is still made once
    key_lo = key_lo[order]
    key_hi = (base | y_hi.astype(np.int64)[owner])[order]
    end = np.searchsorted(key_lo, key_hi, side="right")
    owner = owner[order]
    wide = (2 * nl > n_lon)[owner]
    return _Grid(owner, first[order].astype(np.uint8), wide, end, bool(wide.any()))


class _Extents(NamedTuple):
    """Centre and half width of each box along longitude (circular) and altitude."""

    lon_mid: FloatArray
    lon_half: FloatArray
    z_mid: FloatArray
    z_half: FloatArray

    @classmethod
    def of(cls, boxes: Boxes) -> _Extents:
        return cls(
            0.5 * (boxes.lon_lo_rad + boxes.lon_hi_rad),
            0.5 * (boxes.lon_hi_rad - boxes.lon_lo_rad),
            0.5 * (boxes.z_lo_m + boxes.z_hi_m),
            0.5 * (boxes.z_hi_m - boxes.z_lo_m),
        )


def _overlap(extents: _Extents, i: IntArray, j: IntArray) -> BoolArray:
    """Box overlap (closed) in altitude and longitude; north was swept already."""
    keep: BoolArray = np.abs(extents.z_mid[j] - extents.z_mid[i]) <= (
        extents.z_half[i] + extents.z_half[j]
    )
    i, j = i[keep], j[keep]
    # Arc centres lie within (-2π, 2π), so |Δ| < 4π: one subtraction replaces fmod (exact
    # by Sterbenz's lemma, and several times faster).
    gap = np.abs(extents.lon_mid[j] - extents.lon_mid[i])
    gap = np.where(gap >= 2.0 * np.pi, gap - 2.0 * np.pi, gap)
    gap = np.minimum(gap, 2.0 * np.pi - gap)
    keep[keep] = gap <= extents.lon_half[i] + extents.lon_half[j]
    return keep


def _chunk_pairs(grid: _Grid, lo: int, hi: int) -> tuple[IntArray, IntArray, BoolArray]:
    """The pairs first seen in their canonical cell, for entries ``lo:hi`` as the lower one."""
    counts = grid.group_end[lo:hi] - np.arange(lo + 1, hi + 1)
    a_pos = np.repeat(np.arange(lo, hi, dtype=np.intp), counts)
    b_pos = np.arange(a_pos.size, dtype=np.intp) + np.repeat(
        np.arange(lo + 1, hi + 1, dtype=np.intp) - (np.cumsum(counts) - counts), counts
    )
    canonical = (grid.first[a_pos] | grid.first[b_pos]) == _FIRST_LON | _FIRST_Z
    a_pos, b_pos = a_pos[canonical], b_pos[canonical]
    a, b = grid.owner[a_pos], grid.owner[b_pos]
    wide = grid.wide[a_pos] | grid.wide[b_pos] if grid.any_wide else np.zeros(0, dtype=bool)
    return np.minimum(a, b), np.maximum(a, b), wide


def iter_candidate_pairs(sv: StateVectors, chunk_pairs: int = CHUNK_PAIRS) -> Iterator[Pairs]:
    """Candidate pairs in chunks of about ``chunk_pairs`` generated pairs each.

    Every pair that can conflict is yielded exactly once, ``i < j``.
    """
    if sv.size < 2:
        return
    boxes = swept_boxes(sv)
    grid = _grid(boxes)
    extents = _Extents.of(boxes)
    per_entry = grid.group_end - np.arange(1, grid.owner.size + 1)
    cumulative = np.cumsum(per_entry)
    wide_keys: list[np.ndarray] = []
    lo = 0
    while lo < grid.owner.size:
        base = int(cumulative[lo - 1]) if lo else 0
        hi = int(np.searchsorted(cumulative, base + chunk_pairs, side="right"))
        hi = max(hi, lo + 1)
        i, j, wide = _chunk_pairs(grid, lo, hi)
        keep = _overlap(extents, i, j)
        i, j = i[keep], j[keep]
        if grid.any_wide:
            # Two arcs each wider than half the circle can share two pieces, hence two
            # canonical cells: such pairs are set aside and made unique at the end.
            wide = wide[keep]
            wide_keys.append(i[wide].astype(np.int64) * sv.size + j[wide])
            i, j = i[~wide], j[~wide]
        yield Pairs(i, j)
        lo = hi
    if not wide_keys:
        return
    keys = np.unique(np.concatenate(wide_keys))
    if keys.size:
        yield Pairs((keys // sv.size).astype(np.intp), (keys % sv.size).astype(np.intp))


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

"""Broad phase: candidate pairs from a uniform grid over swept boxes, never an N-by-N matrix.

Each aircraft's box (``boxes.swept_boxes``) is entered in every cell it touches of a 2-D
grid (longitude on a circle × altitude); inside a cell the entries are swept along north.
A pair of boxes may share several cells but is made in exactly one, its canonical cell:
the first cell of the two boxes' overlap along each axis, where one of the two boxes
starts. Entries are classed by the axes along which their cell is their box's first
(both, longitude only, altitude only, neither), and only the sweeps that can meet in a
canonical cell are run: every class against "both", and "longitude only" against
"altitude only". Nothing is made twice, so nothing is generated to be thrown away.
Survivors are checked for true box overlap.

Work and memory follow the pairs that share a cell and overlap in north, processed in
chunks of ``chunk_pairs`` (small enough for the processor's cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from wellclear.tactical.boxes import Boxes, swept_boxes
from wellclear.tactical.states import BoolArray, FloatArray, IntArray, StateVectors

CHUNK_PAIRS = 32_768
_MAX_CELLS_PER_AXIS = 1 << 18
_Z_CELL_BOXES = 2.0  # altitude cells of two median boxes: fewer entries for climbers
_Y_BITS = 26
_Y_LEVELS = 1 << _Y_BITS
_FIRST_LON, _FIRST_Z = 2, 4


class Pairs(NamedTuple):
    """Candidate pairs ``(i[k], j[k])`` with ``i < j`` (by scene number)."""

    i: IntArray
    j: IntArray


class _Grid(NamedTuple):
    """Every (cell, aircraft) entry sorted by (cell, north), with what the sweeps need."""

    owner: IntArray  # aircraft of each entry
    first: np.ndarray  # bit flags: the entry's cell is where its box starts, per axis
    end: IntArray  # one past the last entry of the cell whose box can overlap in north
    wide: BoolArray | None  # per aircraft: over more than half the longitude cells, if any


def _axis_cells(
    lo: np.ndarray, hi: np.ndarray, origin: float, size: float
) -> tuple[IntArray, IntArray]:
    first = np.floor((lo - origin) / size).astype(np.int64)
    last = np.floor((hi - origin) / size).astype(np.int64)
    return first, last - first + 1


def _cell_size(extent: np.ndarray, span: float) -> float:
    size = _Z_CELL_BOXES * float(np.median(extent)) if extent.size else 1.0
    return max(size, span / _MAX_CELLS_PER_AXIS, 1e-9)


def _lon_cells(boxes: Boxes) -> tuple[IntArray, IntArray, int]:
    """First longitude cell and cell count of every box, and the cells on the circle."""
    lon_width = float(np.median(boxes.lon_hi_rad - boxes.lon_lo_rad))
    n_lon = int(np.clip(np.floor(2.0 * np.pi / max(lon_width, 1e-12)), 1, _MAX_CELLS_PER_AXIS))
    l0, nl = _axis_cells(boxes.lon_lo_rad, boxes.lon_hi_rad, -np.pi, 2.0 * np.pi / n_lon)
    full = nl >= n_lon
    return np.where(full, 0, l0 % n_lon), np.where(full, n_lon, nl), n_lon


def _spread(counts: IntArray) -> tuple[IntArray, IntArray]:
    """``(k, m)`` for every ``m < counts[k]``, as two arrays (no division needed)."""
    k = np.repeat(np.arange(counts.size, dtype=np.intp), counts)
    starts = np.cumsum(counts) - counts
    return k, np.arange(k.size, dtype=np.intp) - np.repeat(starts, counts)


def _entries(nl: IntArray, nz: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Every box's cells: (aircraft, longitude step, altitude step) of each entry."""
    by_lon, dl = _spread(nl)
    lon_entry, dz = _spread(nz.take(by_lon))
    return by_lon.take(lon_entry), dl.take(lon_entry), dz


def _grid(boxes: Boxes) -> _Grid:
    z_size = _cell_size(boxes.z_hi_m - boxes.z_lo_m, float(np.ptp(boxes.z_hi_m)) + 1.0)
    z0, nz = _axis_cells(boxes.z_lo_m, boxes.z_hi_m, float(boxes.z_lo_m.min()), z_size)
    l0, nl, n_lon = _lon_cells(boxes)
    n_z = int((z0 + nz).max())

    owner, dl, dz = _entries(nl, nz)
    lon_cell = l0.take(owner) + dl
    lon_cell = np.where(lon_cell >= n_lon, lon_cell - n_lon, lon_cell)  # around the circle
    cell = lon_cell * n_z + (z0.take(owner) + dz)
    first = np.where(dl == 0, _FIRST_LON, 0) | np.where(dz == 0, _FIRST_Z, 0)

    # Sweep along north inside each cell: sort by (cell, y_lo) packed in one int64, the
    # north coordinate quantised outwards (the exact test follows in ``_overlap``).
    y_origin = float(boxes.y_lo_m.min())
    quantum = max(1.0, float(np.ptp(boxes.y_hi_m - y_origin)) / _Y_LEVELS)
    y_lo = np.clip(np.floor((boxes.y_lo_m - y_origin) / quantum), 0, _Y_LEVELS - 1)
    y_hi = np.clip(np.ceil((boxes.y_hi_m - y_origin) / quantum), 0, _Y_LEVELS - 1)
    base = cell << _Y_BITS
    key_lo = base | y_lo.astype(np.int64).take(owner)
    order = np.argsort(key_lo)  # ties may come in any order: each pair is still made once
    key_lo = key_lo.take(order)
    key_hi = (base | y_hi.astype(np.int64).take(owner)).take(order)
    end = np.searchsorted(key_lo, key_hi, side="right")
    wide = 2 * nl > n_lon
    first_u8 = first.take(order).astype(np.uint8)
    return _Grid(owner.take(order), first_u8, end, wide if wide.any() else None)


class _Sweeps(NamedTuple):
    """Ranges of partners: entry ``source[k]``'s partners are ``target[start[k]:stop[k]]``.

    Both hold aircraft numbers; ``target`` is the entries of every class a sweep can meet,
    one block per class, each block in sweep order.
    """

    source: IntArray
    start: IntArray
    stop: IntArray
    target: IntArray


def _sweeps(grid: _Grid) -> _Sweeps:
    """The four sweeps that make each pair once, in its canonical cell."""
    both = grid.first == _FIRST_LON | _FIRST_Z
    lon_only, z_only = grid.first == _FIRST_LON, grid.first == _FIRST_Z
    everyone = np.ones(grid.owner.size, dtype=bool)
    sources, starts, stops, targets = [], [], [], []
    offset = 0
    for source, target in ((both, everyone), (~both, both), (lon_only, z_only), (z_only, lon_only)):
        # Partners after the source in sweep order and before its end, among ``target``:
        # ranks in ``target`` come from its running count.
        rank = np.zeros(target.size + 1, dtype=np.intp)
        np.cumsum(target, out=rank[1:])
        at = np.flatnonzero(source)
        sources.append(at)
        starts.append(rank.take(at + 1) + offset)
        stops.append(rank.take(grid.end.take(at)) + offset)
        targets.append(np.flatnonzero(target))
        offset += int(rank[-1])
    return _Sweeps(
        grid.owner.take(np.concatenate(sources)),
        np.concatenate(starts),
        np.concatenate(stops),
        grid.owner.take(np.concatenate(targets)),
    )


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


def _overlap(extents: _Extents, a: IntArray, b: IntArray) -> tuple[IntArray, IntArray]:
    """The pairs whose boxes overlap (closed) in altitude and longitude; north was swept."""
    z_mid, z_half = extents.z_mid, extents.z_half
    keep = np.abs(z_mid.take(b) - z_mid.take(a)) <= z_half.take(a) + z_half.take(b)
    a, b = a[keep], b[keep]
    # Arc centres lie within (-2π, 2π), so |Δ| < 4π: one subtraction replaces fmod (exact
    # by Sterbenz's lemma, and several times faster).
    lon_mid, lon_half = extents.lon_mid, extents.lon_half
    gap = np.abs(lon_mid.take(b) - lon_mid.take(a))
    gap = np.where(gap >= 2.0 * np.pi, gap - 2.0 * np.pi, gap)
    gap = np.minimum(gap, 2.0 * np.pi - gap)
    keep = gap <= lon_half.take(a) + lon_half.take(b)
    return a[keep], b[keep]


def _expand(sweeps: _Sweeps, lo: int, hi: int) -> tuple[IntArray, IntArray]:
    """The pairs of sweep ranges ``lo:hi``, as (source, partner) aircraft."""
    counts = sweeps.stop[lo:hi] - sweeps.start[lo:hi]
    a = np.repeat(sweeps.source[lo:hi], counts)
    shift = np.repeat(sweeps.start[lo:hi] - (np.cumsum(counts) - counts), counts)
    shift += np.arange(a.size)
    return a, sweeps.target.take(shift)


class LocalPairs(NamedTuple):
    """Candidate pairs over the aircraft renumbered in sweep order (neighbours get near
    numbers, so the gathers of the exact phase stay in cache).

    Local aircraft ``k`` is aircraft ``order[k]`` of the scene; each pair's ``i`` is the one
    with the lower scene number, as ``closest_approach`` orients pairs.
    """

    order: IntArray
    chunks: Iterator[Pairs]


def local_candidate_pairs(sv: StateVectors, chunk_pairs: int = CHUNK_PAIRS) -> LocalPairs:
    """Every pair that can conflict, exactly once, in chunks of about ``chunk_pairs``."""
    if sv.size < 2:
        return LocalPairs(np.arange(sv.size, dtype=np.intp), iter(()))
    boxes = swept_boxes(sv)
    grid = _grid(boxes)
    order = grid.owner[grid.first == _FIRST_LON | _FIRST_Z]  # one entry per aircraft
    local = np.empty_like(order)
    local[order] = np.arange(order.size)
    wide = None if grid.wide is None else grid.wide.take(order)
    grid = grid._replace(owner=local.take(grid.owner), wide=wide)
    extents = _Extents._make(field.take(order) for field in _Extents.of(boxes))
    return LocalPairs(order, _chunks(grid, extents, order, chunk_pairs))


def _chunks(grid: _Grid, extents: _Extents, order: IntArray, chunk_pairs: int) -> Iterator[Pairs]:
    sweeps, n = _sweeps(grid), order.size
    cumulative = np.cumsum(sweeps.stop - sweeps.start)
    wide_keys: list[np.ndarray] = []
    lo = 0
    while lo < sweeps.source.size:
        base = int(cumulative[lo - 1]) if lo else 0
        hi = max(int(np.searchsorted(cumulative, base + chunk_pairs, side="right")), lo + 1)
        a, b = _overlap(extents, *_expand(sweeps, lo, hi))
        swap = order.take(a) > order.take(b)
        i, j = np.where(swap, b, a), np.where(swap, a, b)
        if grid.wide is not None:
            # Two arcs, one over more than half the cells, can share two pieces, hence two
            # canonical cells: such pairs are set aside and made unique at the end.
            either = grid.wide.take(i) | grid.wide.take(j)
            wide_keys.append(i[either].astype(np.int64) * n + j[either])
            i, j = i[~either], j[~either]
        yield Pairs(i, j)
        lo = hi
    if wide_keys:
        keys = np.unique(np.concatenate(wide_keys))
        yield Pairs((keys // n).astype(np.intp), (keys % n).astype(np.intp))


def iter_candidate_pairs(sv: StateVectors, chunk_pairs: int = CHUNK_PAIRS) -> Iterator[Pairs]:
    """Candidate pairs in chunks of about ``chunk_pairs`` generated pairs each.

    Every pair that can conflict is yielded exactly once, ``i < j``.
    """
    order, chunks = local_candidate_pairs(sv, chunk_pairs)
    for pairs in chunks:
        yield Pairs(order.take(pairs.i), order.take(pairs.j))


def candidate_pairs(sv: StateVectors, chunk_pairs: int = CHUNK_PAIRS) -> Pairs:
    """All candidate pairs (``i < j``): a superset of the conflicting pairs.

    >>> from wellclear.tactical.states import state_vectors
    >>> sv = state_vectors(lat_deg=[0.0, 0.0, 10.0], lon_deg=[0.0, 0.05, 0.0],
    ...                    alt_m=3000.0, trk_deg=0.0, gs_mps=200.0)
    >>> [p.tolist() for p in candidate_pairs(sv)]
    [[0], [1]]
    """
    chunks = list(iter_candidate_pairs(sv, chunk_pairs))
    if not chunks:
        empty = np.empty(0, dtype=np.intp)
        return Pairs(empty, empty)
    return Pairs(np.concatenate([c.i for c in chunks]), np.concatenate([c.j for c in chunks]))

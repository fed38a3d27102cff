"""An incremental index of resident intents: add, remove, and the conflicts of one intent.

Resident extents live in one growable column table (rows of an intent are contiguous), so a
query gathers its candidates with a few array operations instead of stitching per-intent
tables. Cells are fixed (lon, lat) squares; keys are integers in three families:

- *timed*: (kind, lon, lat, hour) cells of extents lasting less than ``MAX_BUCKETS`` hours;
- *lasting*: (kind, lon, lat) cells of longer or open-ended extents (sites);
- *every*: (kind, lon, lat) cells of every extent, for queries that are themselves lasting.

For each kind it is checked with, a timed query looks up its timed and lasting keys, a
lasting query its every-extent keys. Every pair closer than its separations shares a key, and a
query's cost follows the residents near it in space and time, not the number resident.
Removal marks an intent's rows dead; dead rows are compacted away once they outnumber the
live ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from wellclear.errors import UnknownIntent
from wellclear.model import Conflict, Intent, Policy
from wellclear.strategic.broad import box_degrees
from wellclear.strategic.detect import conflicts_among, worth_measuring
from wellclear.strategic.extents import (
    KINDS,
    OPEN_END_US,
    ROW_COLUMNS,
    ExtentTable,
    build_table,
    join,
)
from wellclear.strategic.rules import RuleTables

CELL_DEG = 0.25
BUCKET_US = 3_600 * 1_000_000
MAX_BUCKETS = 48
TIMED, LASTING, EVERY = 0, 1, 2  # key family, in the key's low two bits

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
Scalar = TypeVar("Scalar", bound=np.generic)


class IntentIndex:
    """Resident intents under one policy.

    >>> from wellclear.model import Policy
    >>> index = IntentIndex(Policy())
    >>> len(index), "x" in index
    (0, False)
    """

    def __init__(self, policy: Policy, *, cell_deg: float = CELL_DEG) -> None:
        self._rules = RuleTables.of(policy)
        self._lon_cells = math.ceil(360.0 / cell_deg)
        self._cell_deg = 360.0 / self._lon_cells
        self._lat_cells = math.ceil(180.0 / self._cell_deg) + 1
        self._party_codes: dict[str, int] = {}
        self._intents: dict[str, Intent] = {}
        self._slot_of: dict[str, int] = {}
        self._by_slot: dict[int, Intent] = {}
        self._next_slot = 0
        self._rows = _Rows()
        self._cells: dict[int, list[int]] = {}
        self._dead_rows = 0

    def __len__(self) -> int:
        return len(self._intents)

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self._intents

    def __iter__(self) -> Iterator[Intent]:
        return iter(self._intents.values())

    def add(self, intent: Intent) -> None:
        """Make ``intent`` resident, replacing any intent with the same id."""
        self.add_many((intent,))

    def add_many(self, intents: Sequence[Intent]) -> None:
        """Make ``intents`` (distinct ids) resident at once, replacing any with the same ids.

        One vectorised pass: the way to load many intents (e.g. a store at start-up).
        """
        if len({intent.id for intent in intents}) != len(intents):
            raise ValueError("add_many needs distinct intent ids")
        if not intents:
            return
        for intent in intents:
            if intent.id in self._intents:
                self.remove(intent.id)
        slots = np.arange(self._next_slot, self._next_slot + len(intents), dtype=np.int64)
        self._next_slot += len(intents)
        for slot, intent in zip(slots.tolist(), intents, strict=True):
            self._by_slot[slot] = intent
            self._intents[intent.id] = intent
            self._slot_of[intent.id] = slot
        table = build_table(intents, self._party_codes)
        first_row = self._rows.extend(table, slots)
        keys, owner = self._resident_keys(table)
        rows = first_row + owner
        order = np.lexsort((rows, keys))
        keys, rows = keys[order], rows[order]
        fresh = np.concatenate([[True], (np.diff(keys) != 0) | (np.diff(rows) != 0)])
        keys, rows = keys[fresh], rows[fresh]
        bounds = np.flatnonzero(np.diff(keys)) + 1
        for key, group in zip(
            keys[np.concatenate([[0], bounds])].tolist(), np.split(rows, bounds), strict=True
        ):
            self._cells.setdefault(key, []).extend(group.tolist())

    def remove(self, intent_id: str) -> Intent:
        """Drop a resident intent and return it; raises :class:`UnknownIntent`."""
        if intent_id not in self._intents:
            raise UnknownIntent(intent_id)
        slot = self._slot_of.pop(intent_id)
        del self._by_slot[slot]
        self._dead_rows += self._rows.kill(slot)
        removed = self._intents.pop(intent_id)
        if self._dead_rows > max(len(self._rows) // 2, 1024):
            self._compact()
        return removed

    def conflicts_of(self, intent: Intent) -> tuple[Conflict, ...]:
        """Conflicts between ``intent`` (resident or not) and the other resident intents."""
        table = build_table((intent,), self._party_codes)
        rows = self._candidate_rows(table, intent.id)
        rows = self._worth_measuring(table, rows, with_rings=False)  # cheap columns first
        if len(rows) == 0:
            return ()
        slots, position = np.unique(self._rows.intent[rows], return_inverse=True)
        combined = join(table, self._rows.take(rows, position.astype(np.int64) + 1))
        i, j = _all_pairs(len(table), len(combined))
        keep = worth_measuring(combined, self._rules)(i, j)
        intents = [intent, *(self._by_slot[slot] for slot in slots.tolist())]
        return conflicts_among(combined, i[keep], j[keep], intents, self._rules)

    def _worth_measuring(self, table: ExtentTable, rows: IntArray, *, with_rings: bool) -> IntArray:
        """The ``rows`` with at least one pair worth measuring against the query's rows."""
        ones = np.ones(len(rows), dtype=np.int64)
        combined = join(table, self._rows.take(rows, ones, with_rings=with_rings))
        i, j = _all_pairs(len(table), len(combined))
        keep = worth_measuring(combined, self._rules)(i, j)
        return rows[np.unique(j[keep]) - len(table)]

    def _candidate_rows(self, table: ExtentTable, intent_id: str) -> IntArray:
        """Live resident rows sharing a key with the query, other than the query's own."""
        found = [self._cells.get(key, ()) for key in self._query_keys(table).tolist()]
        rows = np.unique(np.array(list(itertools.chain.from_iterable(found)), np.int64))
        rows = rows[self._rows.alive[rows]]
        own: IntArray = rows[self._rows.intent[rows] != self._slot_of.get(intent_id, -1)]
        return own

    def _resident_keys(self, table: ExtentTable) -> tuple[IntArray, IntArray]:
        """Keys of each resident row and the row (of ``table``) each key belongs to."""
        (timed, timed_row), (space, space_row), lasting = self._entries(table)
        kind = table.kind
        lasting_entry = lasting[space_row]
        keys = [
            _key(timed, kind[timed_row], TIMED),
            _key(space[lasting_entry], kind[space_row[lasting_entry]], LASTING),
            _key(space, kind[space_row], EVERY),
        ]
        rows = [timed_row, space_row[lasting_entry], space_row]
        return np.concatenate(keys), np.concatenate(rows)

    def _query_keys(self, table: ExtentTable) -> IntArray:
        """Keys to look up, for each kind the query's rows are checked with: the timed and
        lasting keys of timed rows, the every-extent keys of lasting rows."""
        (timed, timed_row), (space, space_row), lasting = self._entries(table)
        checked = self._rules.checked[table.kind]  # [row, kind]
        entry, kind = np.nonzero(checked[timed_row])
        keys = [_key(timed[entry], kind, TIMED)]
        entry, kind = np.nonzero(checked[space_row])
        family = np.where(lasting[space_row[entry]], EVERY, LASTING)
        keys.append(_key(space[entry], kind, family))
        return np.unique(np.concatenate(keys))

    def _entries(
        self, table: ExtentTable
    ) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray], NDArray[np.bool_]]:
        """(cell, row) entries in (lon, lat, hour) cells of the timed rows and (lon, lat)
        cells of every row, and which rows are lasting."""
        x, y, first, last = self._cells_of(table)
        lasting = last - first >= MAX_BUCKETS
        timed = np.flatnonzero(~lasting)
        every = np.arange(len(table))
        zero = np.zeros(len(table), dtype=np.int64)
        return self._grid(x, y, first, last, timed), self._grid(x, y, zero, zero, every), lasting

    def _cells_of(
        self, table: ExtentTable
    ) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray], IntArray, IntArray]:
        """Per row: lon and lat cell ranges, first and last hour bucket."""
        lon_lo, lon_hi, lat_lo, lat_hi = box_degrees(table, self._rules.dilation_m(table))
        size = self._cell_deg
        ix_lo = np.floor((lon_lo + 180.0) / size).astype(np.int64)
        ix_hi = np.floor((lon_hi + 180.0) / size).astype(np.int64)
        ix_hi = np.minimum(ix_hi, ix_lo + self._lon_cells - 1)
        iy_lo = np.floor((lat_lo + 90.0) / size).astype(np.int64)
        iy_hi = np.floor((lat_hi + 90.0) / size).astype(np.int64)
        pad = self._rules.time_pad_us()
        first = (table.start_us - pad) // BUCKET_US
        open_ended = table.end_us >= OPEN_END_US
        last = np.where(open_ended, first + MAX_BUCKETS, (table.end_us + pad) // BUCKET_US)
        return (ix_lo, ix_hi), (iy_lo, iy_hi), first, last

    def _grid(
        self, x: tuple[IntArray, IntArray], y: tuple[IntArray, IntArray],
        first: IntArray, last: IntArray, pick: IntArray,
    ) -> tuple[IntArray, IntArray]:  # fmt: skip
        """(lon, lat, bucket) cell numbers of the picked rows' boxes, and each cell's row."""
        x_lo, x_hi, y_lo, y_hi = x[0][pick], x[1][pick], y[0][pick], y[1][pick]
        t_lo, t_hi = first[pick], last[pick]
        nx, ny, nt = x_hi - x_lo + 1, y_hi - y_lo + 1, t_hi - t_lo + 1
        per_row = nx * ny * nt
        owner = np.repeat(np.arange(len(pick)), per_row)
        local = np.arange(len(owner)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        kx = (x_lo[owner] + local % nx[owner]) % self._lon_cells
        ky = y_lo[owner] + (local // nx[owner]) % ny[owner]
        kt = t_lo[owner] + local // (nx[owner] * ny[owner])
        return (kt * self._lat_cells + ky) * self._lon_cells + kx, pick[owner]

    def _compact(self) -> None:
        live = list(self._by_slot.values())
        self._intents.clear()
        self._slot_of.clear()
        self._by_slot.clear()
        self._rows = _Rows()
        self._cells.clear()
        self._dead_rows = 0
        self.add_many(live)


class _Rows:
    """Growable extent columns; each intent's rows are contiguous, rings stored flat."""

    def __init__(self) -> None:
        self._n, self._n_ring = 0, 0
        self._columns: dict[str, NDArray[Any]] = {
            name: np.zeros(0, _dtype(name)) for name in ROW_COLUMNS
        }
        self._ring: dict[str, FloatArray] = {name: np.zeros(0) for name in ("ring_lon", "ring_lat")}
        self._ring_start: IntArray = np.zeros(0, np.int64)
        self._alive: NDArray[np.bool_] = np.zeros(0, bool)
        self._span: dict[int, tuple[int, int]] = {}  # intent slot -> (first row, row count)

    def __len__(self) -> int:
        return self._n

    @property
    def intent(self) -> IntArray:
        return self._columns["intent"][: self._n]

    @property
    def alive(self) -> NDArray[np.bool_]:
        return self._alive[: self._n]

    def extend(self, table: ExtentTable, slots: IntArray) -> int:
        """Append ``table``, its intent ``k`` becoming intent ``slots[k]``; returns the row
        that the table's first row became (the rows of an intent are contiguous)."""
        start, count = self._n, len(table)
        ring_start, ring_count = self._n_ring, len(table.ring_lon)
        self._reserve(start + count, ring_start + ring_count)
        new = slice(start, start + count)
        for name in ROW_COLUMNS:
            self._columns[name][new] = getattr(table, name)
        self._columns["intent"][new] = slots[table.intent]
        self._ring["ring_lon"][ring_start : ring_start + ring_count] = table.ring_lon
        self._ring["ring_lat"][ring_start : ring_start + ring_count] = table.ring_lat
        self._ring_start[new] = table.ring_offsets[:-1] + ring_start
        self._alive[new] = True
        self._n, self._n_ring = start + count, ring_start + ring_count
        counts = np.bincount(table.intent, minlength=len(slots))
        firsts = start + np.cumsum(counts) - counts
        for slot, first, size in zip(slots.tolist(), firsts.tolist(), counts.tolist(), strict=True):
            self._span[slot] = (first, size)
        return start

    def kill(self, slot: int) -> int:
        """Mark the rows of intent ``slot`` dead; returns how many."""
        start, count = self._span.pop(slot)
        self._alive[start : start + count] = False
        return count

    def take(self, rows: IntArray, intent: IntArray, *, with_rings: bool = True) -> ExtentTable:
        """A table of ``rows`` with ``intent`` as its intent column (without their rings,
        for the filters that need only the other columns)."""
        columns = {name: self._columns[name][rows] for name in ROW_COLUMNS}
        columns["intent"] = intent
        if not with_rings:
            empty = np.zeros(0)
            return ExtentTable(
                **columns,
                ring_offsets=np.zeros(len(rows) + 1, np.int64),
                ring_lon=empty,
                ring_lat=empty,
            )
        ring_start = self._ring_start[rows]
        ring_end = np.where(
            rows + 1 < self._n, self._ring_start[np.minimum(rows + 1, self._n - 1)], self._n_ring
        )
        counts = ring_end - ring_start
        shift = np.repeat(ring_start - np.cumsum(counts) + counts, counts)
        vertex = shift + np.arange(counts.sum())
        return ExtentTable(
            **columns,
            ring_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            ring_lon=self._ring["ring_lon"][vertex],
            ring_lat=self._ring["ring_lat"][vertex],
        )

    def _reserve(self, rows: int, ring: int) -> None:
        if rows > len(self._alive):
            size = max(rows, 2 * len(self._alive), 64)
            self._columns = {k: _grown(v, size) for k, v in self._columns.items()}
            self._ring_start = _grown(self._ring_start, size)
            self._alive = _grown(self._alive, size)
        if ring > len(self._ring["ring_lon"]):
            size = max(ring, 2 * len(self._ring["ring_lon"]), 256)
            self._ring = {k: _grown(v, size) for k, v in self._ring.items()}


def _key(cell: IntArray, kind: IntArray, family: IntArray | int) -> IntArray:
    """One integer per (cell, kind, family)."""
    key: IntArray = (cell * len(KINDS) + kind) * 4 + family
    return key


def _all_pairs(query_rows: int, total_rows: int) -> tuple[IntArray, IntArray]:
    """Every (query row, other row) pair of a table whose first ``query_rows`` are the query's."""
    own = np.arange(query_rows, dtype=np.int64)
    others = np.arange(query_rows, total_rows, dtype=np.int64)
    return np.repeat(own, len(others)), np.tile(others, len(own))


def _dtype(name: str) -> type:
    integer = {"intent", "number", "party", "kind", "start_us", "end_us"}
    return np.int64 if name in integer else np.float64


def _grown(array: NDArray[Scalar], size: int) -> NDArray[Scalar]:
    grown: NDArray[Scalar] = np.zeros(size, array.dtype)
    grown[: len(array)] = array
    return grown

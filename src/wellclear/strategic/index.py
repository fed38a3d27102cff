"""An incremental index of resident intents: add, remove, and the conflicts of one intent.

Intents are filed under fixed (lon, lat) grid cells and hourly time buckets covering
their extents dilated by the policy's largest separations; extents without end (or
spanning more than ``MAX_BUCKETS`` hours) are filed under their cells for all time.
A query looks up the query's own cells and buckets, so its cost follows the intents
near it in space and time, not the number resident.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from wellclear.errors import UnknownIntent
from wellclear.model import Conflict, Intent, Policy
from wellclear.strategic.broad import box_degrees
from wellclear.strategic.detect import conflicts_among
from wellclear.strategic.extents import OPEN_END_US, ExtentTable, build_table, concat_tables
from wellclear.strategic.rules import RuleTables

CELL_DEG = 0.1
BUCKET_US = 3_600 * 1_000_000
MAX_BUCKETS = 48
ALL_TIME = -1

Key = tuple[int, int, int]


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
        self._party_codes: dict[str, int] = {}
        self._intents: dict[str, Intent] = {}
        self._tables: dict[str, ExtentTable] = {}
        self._keys: dict[str, set[Key]] = {}
        self._timed: dict[Key, set[str]] = {}
        self._by_cell: dict[tuple[int, int], set[str]] = {}

    def __len__(self) -> int:
        return len(self._intents)

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self._intents

    def __iter__(self) -> Iterator[Intent]:
        return iter(self._intents.values())

    def add(self, intent: Intent) -> None:
        """Make ``intent`` resident, replacing any intent with the same id."""
        if intent.id in self._intents:
            self.remove(intent.id)
        table = build_table((intent,), self._party_codes)
        keys = self._keys_of(table)
        self._intents[intent.id] = intent
        self._tables[intent.id] = table
        self._keys[intent.id] = keys
        for key in keys:
            self._timed.setdefault(key, set()).add(intent.id)
            self._by_cell.setdefault(key[:2], set()).add(intent.id)

    def remove(self, intent_id: str) -> Intent:
        """Drop a resident intent and return it; raises :class:`UnknownIntent`."""
        if intent_id not in self._intents:
            raise UnknownIntent(intent_id)
        for key in self._keys.pop(intent_id):
            _discard(self._timed, key, intent_id)
            _discard(self._by_cell, key[:2], intent_id)
        del self._tables[intent_id]
        return self._intents.pop(intent_id)

    def conflicts_of(self, intent: Intent) -> tuple[Conflict, ...]:
        """Conflicts between ``intent`` (resident or not) and the other resident intents."""
        table = build_table((intent,), self._party_codes)
        near = sorted(
            other
            for other in self._near(table) - {intent.id}
            if self._may_conflict(intent, self._intents[other])
        )
        if not near:
            return ()
        tables = [table, *(self._tables[other] for other in near)]
        combined = concat_tables(tables)
        own = np.arange(len(table), dtype=np.int64)
        others = np.arange(len(table), len(combined), dtype=np.int64)
        i, j = np.repeat(own, len(others)), np.tile(others, len(own))
        intents = [intent, *(self._intents[other] for other in near)]
        return conflicts_among(combined, i, j, intents, self._rules)

    def _may_conflict(self, a: Intent, b: Intent) -> bool:
        return a.party != b.party and self._rules.policy.rule(a.kind, b.kind).checked

    def _keys_of(self, table: ExtentTable) -> set[Key]:
        lon_lo, lon_hi, lat_lo, lat_hi = box_degrees(table, self._rules.dilation_m(table))
        pad = self._rules.time_pad_us()
        keys: set[Key] = set()
        for row in range(len(table)):
            buckets = self._buckets(int(table.start_us[row]) - pad, int(table.end_us[row]) + pad)
            for cell in self._cells(lon_lo[row], lon_hi[row], lat_lo[row], lat_hi[row]):
                keys.update((*cell, bucket) for bucket in buckets)
        return keys

    def _cells(
        self, lon_lo: float, lon_hi: float, lat_lo: float, lat_hi: float
    ) -> Iterator[tuple[int, int]]:
        size = self._cell_deg
        ix_lo = math.floor((lon_lo + 180.0) / size)
        ix_hi = min(math.floor((lon_hi + 180.0) / size), ix_lo + self._lon_cells - 1)
        for iy in range(math.floor((lat_lo + 90.0) / size), math.floor((lat_hi + 90.0) / size) + 1):
            for ix in range(ix_lo, ix_hi + 1):
                yield ix % self._lon_cells, iy

    @staticmethod
    def _buckets(start_us: int, end_us: int) -> range:
        if end_us >= OPEN_END_US:
            return range(ALL_TIME, ALL_TIME + 1)
        first, last = start_us // BUCKET_US, end_us // BUCKET_US
        if last - first >= MAX_BUCKETS:
            return range(ALL_TIME, ALL_TIME + 1)
        return range(first, last + 1)

    def _near(self, table: ExtentTable) -> set[str]:
        near: set[str] = set()
        for key in self._keys_of(table):
            if key[2] == ALL_TIME:
                near |= self._by_cell.get(key[:2], set())
            else:
                near |= self._timed.get(key, set())
                near |= self._timed.get((*key[:2], ALL_TIME), set())
        return near


def _discard(mapping: dict[Any, set[str]], key: object, intent_id: str) -> None:
    members = mapping.get(key)
    if members is not None:
        members.discard(intent_id)
        if not members:
            del mapping[key]

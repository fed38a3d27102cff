"""The policy as kind × kind lookup tables, and the time and altitude tests it implies."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from wellclear.model import Policy
from wellclear.strategic.extents import KINDS, MICROS_PER_S, ExtentTable

# Lengths within a millimetre of a separation count as exactly the separation apart, so that
# decimal inputs (1000 - 695.2 = 304.79999…) and geodesic round-off cannot make a conflict.
TOLERANCE_M = 1e-3

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


_KEPT = 4
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RuleTables:
    """``policy.rule(a, b)`` for every pair of kind codes, as arrays indexed [a, b]."""

    policy: Policy
    checked: BoolArray
    horizontal_m: FloatArray
    vertical_m: FloatArray  # NaN where altitude is ignored
    time_us: IntArray
    half_time_us: IntArray  # half the time buffer, as a timedelta rounds it

    @classmethod
    def of(cls, policy: Policy) -> RuleTables:
        """The tables of ``policy``; the last few policies' are kept (a service asks once per
        filing, always for its one policy), by identity: a policy holds a dict, no hash,
        and is never changed once made."""
        return _tables_of(_Same(policy))

    @classmethod
    def _build(cls, policy: Policy) -> RuleTables:
        n = len(KINDS)
        checked = np.zeros((n, n), dtype=bool)
        horizontal = np.zeros((n, n))
        vertical = np.zeros((n, n))
        time_us = np.zeros((n, n), dtype=np.int64)
        half_time_us = np.zeros((n, n), dtype=np.int64)
        for a, kind_a in enumerate(KINDS):
            for b, kind_b in enumerate(KINDS):
                rule = policy.rule(kind_a, kind_b)
                checked[a, b] = rule.checked
                horizontal[a, b] = rule.horizontal_m
                vertical[a, b] = math.nan if rule.vertical_m is None else rule.vertical_m
                time_us[a, b] = round(rule.time_s * MICROS_PER_S)
                half_time_us[a, b] = timedelta(seconds=rule.time_s / 2) // _MICROSECOND
        tables = (checked, horizontal, vertical, time_us, half_time_us)
        for shared in tables:  # kept and shared between callers: never written again
            shared.setflags(write=False)
        return cls(policy, *tables)

    def dilation_m(self, table: ExtentTable) -> FloatArray:
        """Half the largest horizontal separation each extent's kind is checked with."""
        widest = np.array([self.policy.max_horizontal_m(kind) for kind in KINDS])
        return np.asarray(widest[table.kind] / 2.0)

    @property
    def ignores_altitude(self) -> BoolArray:
        """Kind pairs checked regardless of altitude."""
        return np.asarray(self.checked & np.isnan(self.vertical_m))

    def vertical_pad_m(self, table: ExtentTable) -> FloatArray:
        """Half the largest vertical separation each extent's kind is checked with where
        altitude counts; infinite for a kind checked only regardless of altitude."""
        counted = self.checked & ~np.isnan(self.vertical_m)
        vertical = np.where(counted, self.vertical_m, 0.0).max(axis=1) / 2.0
        per_kind = np.where(counted.any(axis=1), vertical, np.inf)
        return np.asarray(per_kind[table.kind])

    def time_pad_us(self) -> int:
        return math.ceil(self.policy.max_time_s() * MICROS_PER_S / 2) + 1


def screen(
    table: ExtentTable, i: IntArray, j: IntArray, rules: RuleTables
) -> tuple[IntArray, IntArray]:
    """Keep the pairs of different parties, checked kinds, and too close in time and altitude."""
    keep = too_close_in_time_and_altitude(table, i, j, rules)
    return i[keep], j[keep]


def too_close_in_time_and_altitude(
    table: ExtentTable, i: IntArray, j: IntArray, rules: RuleTables
) -> BoolArray:
    """True for pairs of different parties and a checked kind pair, too close in time and
    altitude.

    Time: the windows, each widened by half the time buffer, overlap (gap < buffer; windows
    that only touch do not). Altitude likewise, unless the pair's rule ignores altitude.
    """
    ka, kb = table.kind[i], table.kind[j]
    time_gap = np.maximum(table.start_us[i], table.start_us[j]) - np.minimum(
        table.end_us[i], table.end_us[j]
    )
    altitude_gap = np.maximum(table.floor_m[i], table.floor_m[j]) - np.minimum(
        table.ceiling_m[i], table.ceiling_m[j]
    )
    vertical = rules.vertical_m[ka, kb]
    apart = altitude_gap >= vertical - TOLERANCE_M
    return np.asarray(
        (table.party[i] != table.party[j])
        & rules.checked[ka, kb]
        & (time_gap < rules.time_us[ka, kb])
        & (np.isnan(vertical) | ~apart)
    )


class _Same:
    """A policy as a cache key, by identity (a policy holds a dict, so it has no hash); the
    cache holds the key, so the policy outlives it and its id is not reused meanwhile."""

    __slots__ = ("policy",)

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __hash__(self) -> int:
        return id(self.policy)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.policy is self.policy


@functools.lru_cache(maxsize=_KEPT)
def _tables_of(key: _Same) -> RuleTables:
    return RuleTables._build(key.policy)

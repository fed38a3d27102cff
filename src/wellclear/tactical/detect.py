"""Conflict detection over a whole scene: broad phase, exact phase, alert levels."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from wellclear.tactical.broad import CHUNK_PAIRS, local_candidate_pairs
from wellclear.tactical.cpa import (
    Approach,
    Kinematics,
    all_pairs,
    closest_approach,
    conflicts_among,
)
from wellclear.tactical.states import BoolArray, FloatArray, IntArray, StateVectors


class AlertLevel(StrEnum):
    """How urgent a conflict is, by time to loss of separation."""

    PREVENTIVE = "preventive"
    CORRECTIVE = "corrective"
    WARNING = "warning"


LEVELS: tuple[AlertLevel, ...] = (AlertLevel.PREVENTIVE, AlertLevel.CORRECTIVE, AlertLevel.WARNING)
"""Level codes: ``Conflicts.level`` holds indices into this tuple (0 preventive … 2 warning)."""


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """tLOS limits of the levels; anything else within the look-ahead is preventive."""

    warning_s: float = 60.0
    corrective_s: float = 120.0


class Conflicts(NamedTuple):
    """Conflicting pairs ``(i[k], j[k])``, ``i < j``, sorted; arrays over conflicts."""

    i: IntArray
    j: IntArray
    tcpa_s: FloatArray
    dcpa_m: FloatArray
    tlos_s: FloatArray
    los: BoolArray
    level: npt.NDArray[np.int8]

    @property
    def size(self) -> int:
        """The number of conflicts (``len()`` counts the fields of the tuple)."""
        return int(self.i.shape[0])

    def levels(self) -> list[AlertLevel]:
        return [LEVELS[code] for code in self.level.tolist()]


def alert_levels(
    tlos_s: FloatArray, los: BoolArray, thresholds: AlertThresholds = AlertThresholds()
) -> npt.NDArray[np.int8]:
    """Level codes (indices into ``LEVELS``) of conflicts by tLOS; a current LoS is a warning.

    >>> codes = alert_levels(np.array([0.0, 60.0, 60.5, 120.0, 121.0, 200.0]),
    ...                      np.array([True, False, False, False, False, True]))
    >>> [LEVELS[c].value for c in codes]
    ['warning', 'warning', 'corrective', 'corrective', 'preventive', 'warning']
    """
    level = np.where(tlos_s <= thresholds.corrective_s, 1, 0).astype(np.int8)
    level[(tlos_s <= thresholds.warning_s) | los] = 2
    return level


def _conflicts(approaches: list[Approach], thresholds: AlertThresholds) -> Conflicts:
    kept = [a for a in approaches if a.i.size]
    if not kept:
        empty_f = np.empty(0)
        empty_i = np.empty(0, dtype=np.intp)
        return Conflicts(
            empty_i, empty_i, empty_f, empty_f, empty_f, np.empty(0, bool), np.empty(0, np.int8)
        )
    joined = Approach._make(np.concatenate(fields) for fields in zip(*kept, strict=True))
    order = np.argsort(joined.i.astype(np.int64) * (int(joined.j.max()) + 1) + joined.j)
    a = Approach._make(field.take(order) for field in joined)
    tlos = a.tlos_s
    return Conflicts(
        a.i, a.j, a.tcpa_s, a.dcpa_m, tlos, a.los, alert_levels(tlos, a.los, thresholds)
    )


def _only_conflicts(a: Approach) -> Approach:
    return Approach._make(field[a.conflict] for field in a)


def detect(
    sv: StateVectors,
    thresholds: AlertThresholds = AlertThresholds(),
    chunk_pairs: int = CHUNK_PAIRS,
) -> Conflicts:
    """Every conflicting pair of the scene, via the broad phase (cost follows candidates).

    Head-on at the same level, 20 km apart, closing at 400 m/s; a third aircraft far away:

    >>> from wellclear.tactical.states import state_vectors
    >>> d = 10_000.0 / 6_371_000.0 * 180.0 / np.pi
    >>> sv = state_vectors(lat_deg=[-d, d, 40.0], lon_deg=[0.0, 0.0, 0.0], alt_m=3000.0,
    ...                    trk_deg=[0.0, 180.0, 0.0], gs_mps=200.0)
    >>> c = detect(sv)
    >>> c.i.tolist(), c.j.tolist(), round(float(c.tcpa_s[0]), 3), round(float(c.tlos_s[0]), 2)
    ([0], [1], 50.0, 26.85)
    >>> c.levels()
    [<AlertLevel.WARNING: 'warning'>]

    No aircraft, no conflicts:

    >>> detect(state_vectors(lat_deg=[], lon_deg=[], alt_m=0.0, trk_deg=0.0, gs_mps=0.0)).size
    0
    """
    order, chunks = local_candidate_pairs(sv, chunk_pairs)
    kinematics = Kinematics.of(sv).take(order)
    approaches = []
    for pairs in chunks:
        a = conflicts_among(kinematics, pairs.i, pairs.j)
        approaches.append(a._replace(i=order.take(a.i), j=order.take(a.j)))
    return _conflicts(approaches, thresholds)


def detect_all_pairs(
    sv: StateVectors, thresholds: AlertThresholds = AlertThresholds()
) -> Conflicts:
    """The same answer as ``detect`` by the O(N²) all-pairs formula: the reference."""
    i, j = all_pairs(sv.size)
    return _conflicts([_only_conflicts(closest_approach(sv, i, j))], thresholds)

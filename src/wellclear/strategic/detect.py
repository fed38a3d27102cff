"""Batch detection: every conflict among a set of intents under a policy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from wellclear.errors import InvalidInput, Problem
from wellclear.model import Conflict, ConflictRegion, Intent, Policy
from wellclear.strategic.broad import PairFilter, candidate_pairs
from wellclear.strategic.exact import footprints, measure, possibly_close
from wellclear.strategic.extents import (
    OPEN_END_US,
    ExtentTable,
    build_table,
)
from wellclear.strategic.rules import RuleTables, screen, too_close_in_time_and_altitude

IntArray = NDArray[np.int64]


def find_conflicts(intents: Sequence[Intent], policy: Policy) -> tuple[Conflict, ...]:
    """All conflicts among ``intents``, sorted by intent ids; ``()`` when there are none.

    >>> find_conflicts((), Policy())
    ()
    """
    _require_unique_ids(intents)
    if len(intents) < 2:
        return ()
    rules = RuleTables.of(policy)
    table = build_table(intents, {})
    pairs = candidate_pairs(
        table,
        rules.dilation_m(table),
        rules.time_pad_us(),
        worth_measuring(table, rules),
        rules.checked,
    )
    return conflicts_among(table, pairs[:, 0], pairs[:, 1], intents, rules)


def conflicts_with(
    intent: Intent, others: Sequence[Intent], policy: Policy
) -> tuple[Conflict, ...]:
    """Conflicts between ``intent`` and each of ``others`` (not among ``others`` themselves).

    The service uses this on the few candidates its cell index returns for a filing; an
    intent in ``others`` with the same id as ``intent`` (its older version) is skipped.
    """
    everyone = (intent, *(other for other in others if other.id != intent.id))
    if len(everyone) < 2:
        return ()
    rules = RuleTables.of(policy)
    table = build_table(everyone, {})
    worth = worth_measuring(table, rules)

    def involves_intent(i: IntArray, j: IntArray) -> NDArray[np.bool_]:
        involved: NDArray[np.bool_] = (table.intent[i] == 0) | (table.intent[j] == 0)
        return involved & worth(i, j)

    pairs = candidate_pairs(
        table, rules.dilation_m(table), rules.time_pad_us(), involves_intent, rules.checked
    )
    return conflicts_among(table, pairs[:, 0], pairs[:, 1], everyone, rules)


def worth_measuring(table: ExtentTable, rules: RuleTables) -> PairFilter:
    """The broad phase's pair filter: the policy screen and the bounding discs, applied to
    raw candidates before they are deduplicated, so few pairs are ever held at once."""

    def keep(i: IntArray, j: IntArray) -> NDArray[np.bool_]:
        mask = too_close_in_time_and_altitude(table, i, j, rules)
        near = np.flatnonzero(mask)
        h_m = rules.horizontal_m[table.kind[i[near]], table.kind[j[near]]]
        mask[near] = possibly_close(table, i[near], j[near], h_m)
        return mask

    return keep


def _require_unique_ids(intents: Sequence[Intent]) -> None:
    seen: set[str] = set()
    problems = []
    for position, intent in enumerate(intents):
        if intent.id in seen:
            problems.append(Problem("", f"intents[{position}].id", f"duplicate id {intent.id!r}"))
        seen.add(intent.id)
    if problems:
        raise InvalidInput(problems)


def conflicts_among(
    table: ExtentTable, i: IntArray, j: IntArray, intents: Sequence[Intent], rules: RuleTables
) -> tuple[Conflict, ...]:
    """Exact conflicts among candidate extent pairs; ``table.intent`` indexes ``intents``."""
    i, j = screen(table, i, j, rules)
    ka, kb = table.kind[i], table.kind[j]
    h_m = rules.horizontal_m[ka, kb]
    close = possibly_close(table, i, j, h_m)
    i, j, h_m = i[close], j[close], h_m[close]
    measured = measure(table, i, j, h_m)
    hit = measured.conflicting
    i, j, h_m = i[hit], j[hit], h_m[hit]
    measured = measured._replace(
        distance_m=measured.distance_m[hit],
        frame=type(measured.frame)(measured.frame.lon0[hit], measured.frame.lat0[hit]),
        geoms_a=measured.geoms_a[hit],
        geoms_b=measured.geoms_b[hit],
    )
    regions = footprints(table, i, j, h_m, measured)
    return _assemble(table, i, j, measured.distance_m, regions, intents, rules)


def _assemble(
    table: ExtentTable, i: IntArray, j: IntArray, distance_m: NDArray[np.float64],
    regions: NDArray[np.object_], intents: Sequence[Intent], rules: RuleTables,
) -> tuple[Conflict, ...]:  # fmt: skip
    by_pair: dict[tuple[int, int], list[ConflictRegion]] = {}
    for row_i, row_j, distance, footprint in zip(
        i.tolist(), j.tolist(), distance_m.tolist(), regions, strict=True
    ):
        row_a, row_b = row_i, row_j
        if intents[table.intent[row_a]].id > intents[table.intent[row_b]].id:
            row_a, row_b = row_j, row_i
        first, second = int(table.intent[row_a]), int(table.intent[row_b])
        region = _region(table, row_a, row_b, footprint, distance, intents, rules)
        by_pair.setdefault((first, second), []).append(region)
    conflicts = []
    for (first, second), found in by_pair.items():
        a, b = intents[first], intents[second]
        conflicts.append(
            Conflict(
                intents=(a.id, b.id),
                parties=(a.party, b.party),
                kinds=(a.kind, b.kind),
                rule=rules.policy.rule(a.kind, b.kind),
                regions=tuple(sorted(found, key=lambda r: r.extents)),
            )
        )
    return tuple(sorted(conflicts, key=lambda c: c.intents))


def _region(
    table: ExtentTable, row_a: int, row_b: int, footprint: BaseGeometry, distance_m: float,
    intents: Sequence[Intent], rules: RuleTables,
) -> ConflictRegion:  # fmt: skip
    rule = rules.policy.rule(intents[table.intent[row_a]].kind, intents[table.intent[row_b]].kind)
    floors = (float(table.floor_m[row_a]), float(table.floor_m[row_b]))
    ceilings = (float(table.ceiling_m[row_a]), float(table.ceiling_m[row_b]))
    if rule.vertical_m is None:
        floor_m, ceiling_m = min(floors), max(ceilings)
    else:
        floor_m = max(floors) - rule.vertical_m / 2
        ceiling_m = min(ceilings) + rule.vertical_m / 2
    half_buffer = timedelta(seconds=rule.time_s / 2)
    start_us = max(int(table.start_us[row_a]), int(table.start_us[row_b]))
    end_us = min(int(table.end_us[row_a]), int(table.end_us[row_b]))
    return ConflictRegion(
        extents=(int(table.number[row_a]), int(table.number[row_b])),
        footprint=footprint,
        floor_m=floor_m,
        ceiling_m=ceiling_m,
        start=_datetime(start_us) - half_buffer,
        end=None if end_us >= OPEN_END_US else _datetime(end_us) + half_buffer,
        min_distance_m=0.0 if math.isclose(distance_m, 0.0, abs_tol=1e-9) else distance_m,
    )


def _datetime(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)

"""Batch detection: every conflict among a set of intents under a policy."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

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

WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 5_000  # candidate pairs: below this, a second thread costs more than it saves
DIRECT_PAIRS = 20_000  # conflicts_with: up to this many extent pairs, screen them all at once

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


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
    pairs = candidate_pairs(table, rules, worth_measuring(table, rules))
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
    own, rest = np.flatnonzero(table.intent == 0), np.flatnonzero(table.intent != 0)
    if len(own) * len(rest) <= DIRECT_PAIRS:
        # Few enough to screen every pair at once: the grid would only find a subset of
        # these for the same filter, and the exact phase decides either way.
        i, j = np.repeat(own, len(rest)), np.tile(rest, len(own))  # own rows come first
        keep = worth(i, j)
        return conflicts_among(table, i[keep], j[keep], everyone, rules)

    def involves_intent(i: IntArray, j: IntArray) -> NDArray[np.bool_]:
        involved: NDArray[np.bool_] = (table.intent[i] == 0) | (table.intent[j] == 0)
        return involved & worth(i, j)

    pairs = candidate_pairs(table, rules, involves_intent)
    return conflicts_among(table, pairs[:, 0], pairs[:, 1], everyone, rules)


def worth_measuring(table: ExtentTable, rules: RuleTables) -> PairFilter:
    """The broad phase's pair filter: the policy screen and the bounding discs, applied to
    raw candidates before they are deduplicated, so few pairs are ever held at once."""

    kind = table.kind.astype(np.int8)  # narrow copies: the gathers below touch every raw pair
    party = table.party.astype(np.int32)
    checked = rules.checked.ravel()
    kinds = len(rules.checked)

    def keep(i: IntArray, j: IntArray) -> NDArray[np.bool_]:
        mask: NDArray[np.bool_] = checked[kind[i] * kinds + kind[j]]  # cheapest test first
        left = np.flatnonzero(mask)
        mask[left] = party[i[left]] != party[j[left]]
        left = left[mask[left]]
        mask[left] = too_close_in_time_and_altitude(table, i[left], j[left], rules)
        left = left[mask[left]]
        h_m = rules.horizontal_m[table.kind[i[left]], table.kind[j[left]]]
        mask[left] = possibly_close(table, i[left], j[left], h_m)
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
    if not len(i):  # most spread filings: candidates, none close; the phases below cost
        return ()  # 0.35 M instructions even on empty arrays (-6 % of such a filing)
    if len(i) < PARALLEL_FROM or WORKERS == 1:
        done = [_measured(table, i, j, h_m)]
    else:
        parts = np.array_split(np.arange(len(i)), WORKERS)
        with ThreadPoolExecutor(WORKERS) as pool:  # shapely and pyproj release the GIL
            done = list(pool.map(lambda part: _measured(table, i[part], j[part], h_m[part]), parts))
    i, j, distance_m = (np.concatenate([part[k] for part in done]) for k in range(3))
    regions = np.concatenate([part[3] for part in done])
    return _assemble(table, i, j, distance_m, regions, intents, rules)


def _measured(
    table: ExtentTable, i: IntArray, j: IntArray, h_m: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, NDArray[np.object_]]:
    """The conflicting pairs among ``(i, j)``, their distances and region footprints."""
    measured = measure(table, i, j, h_m)
    hit = measured.conflicting
    i, j, h_m = i[hit], j[hit], h_m[hit]
    measured = measured.where(hit)
    return i, j, measured.distance_m, footprints(table, i, j, h_m, measured)


def _assemble(
    table: ExtentTable, i: IntArray, j: IntArray, distance_m: NDArray[np.float64],
    regions: NDArray[np.object_], intents: Sequence[Intent], rules: RuleTables,
) -> tuple[Conflict, ...]:  # fmt: skip
    """Conflicts from their conflicting extent pairs, each ordered by intent id."""
    rank = _id_ranks(intents)
    swap = rank[table.intent[i]] > rank[table.intent[j]]
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    floor, ceiling, start_us, end_us = _bands(table, a, b, rules)
    half_us = rules.half_time_us[table.kind[a], table.kind[b]]  # the time buffer's half
    open_ended = end_us >= OPEN_END_US
    start_us, end_us = start_us - half_us, np.where(open_ended, 0, end_us + half_us)
    distance_m = np.where(np.isclose(distance_m, 0.0, rtol=0.0, atol=1e-9), 0.0, distance_m)
    columns = (
        table.intent[a], table.intent[b], table.number[a], table.number[b],
        floor, ceiling, start_us, end_us, open_ended, distance_m,
    )  # fmt: skip
    by_pair: dict[tuple[int, int], list[ConflictRegion]] = {}
    for row, footprint in zip(
        zip(*(c.tolist() for c in columns), strict=True), regions, strict=True
    ):
        first, second, ea, eb, low, high, start, end, endless, distance = row
        region = ConflictRegion(
            (ea, eb), footprint, low, high, _datetime(start),
            None if endless else _datetime(end), distance,
        )  # fmt: skip
        by_pair.setdefault((first, second), []).append(region)
    conflicts = [
        _conflict(intents[x], intents[y], found, rules) for (x, y), found in by_pair.items()
    ]
    return tuple(sorted(conflicts, key=lambda c: c.intents))


def _id_ranks(intents: Sequence[Intent]) -> IntArray:
    """Each intent's position in id order."""
    order = sorted(range(len(intents)), key=lambda k: intents[k].id)
    rank = np.empty(len(intents), dtype=np.int64)
    rank[order] = np.arange(len(intents))
    return rank


def _bands(
    table: ExtentTable, a: IntArray, b: IntArray, rules: RuleTables
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Altitude band (dilated by half the vertical separation, or the union when altitude is
    ignored) and the overlap of the time windows, before the time buffer."""
    vertical = rules.vertical_m[table.kind[a], table.kind[b]]
    ignored = np.isnan(vertical)
    floors, ceilings = (
        (table.floor_m[a], table.floor_m[b]),
        (table.ceiling_m[a], table.ceiling_m[b]),
    )
    floor = np.where(ignored, np.minimum(*floors), np.maximum(*floors) - vertical / 2)
    ceiling = np.where(ignored, np.maximum(*ceilings), np.minimum(*ceilings) + vertical / 2)
    start_us = np.maximum(table.start_us[a], table.start_us[b])
    end_us = np.minimum(table.end_us[a], table.end_us[b])
    return floor, ceiling, start_us, end_us


def _conflict(a: Intent, b: Intent, regions: list[ConflictRegion], rules: RuleTables) -> Conflict:
    return Conflict(
        intents=(a.id, b.id),
        parties=(a.party, b.party),
        kinds=(a.kind, b.kind),
        rule=rules.policy.rule(a.kind, b.kind),
        regions=tuple(sorted(regions, key=lambda r: r.extents)),
    )


def _datetime(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)

"""The broad phase in the store and the exact phase of the engine, for one filing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem
from wellclear.model import Intent, Kind, Policy, State
from wellclear.store import intents as store
from wellclear.store.cells import CoverError, ExtentCover, cover_extent
from wellclear.store.models import IntentRow
from wellclear.store.volumes import extents_from_json, time_us

MICROS_PER_S = 1_000_000


def cover_intent(intent: Intent, policy: Policy) -> tuple[ExtentCover, ...]:
    """Each extent's cells, dilated by half the widest separation its kind is checked with."""
    dilation_m = policy.max_horizontal_m(intent.kind) / 2
    covers, problems = [], []
    for number, extent in enumerate(intent.extents):
        try:
            covers.append(cover_extent(extent, dilation_m))
        except CoverError as error:
            problems.append(Problem("", f"extents[{number}].volume", f"cannot be indexed: {error}"))
    if problems:
        raise InvalidInput(problems)
    return tuple(covers)


def lock_cells_of(covers: Sequence[ExtentCover]) -> frozenset[int]:
    return frozenset(cell for cover in covers for cell in cover.lock_cells)


def candidate_query(
    intent: Intent, party_id: int, covers: Sequence[ExtentCover], policy: Policy
) -> store.CandidateQuery:
    """Where stored intents that may conflict with ``intent`` are, widened by the policy."""
    kinds = frozenset(k for k in Kind if policy.rule(intent.kind, k).checked)
    pad_us = math.ceil(policy.max_time_s() * MICROS_PER_S) + MICROS_PER_S
    start_us = min(time_us(e.start) for e in intent.extents) - pad_us
    end_us = max(time_us(e.end) for e in intent.extents) + pad_us
    home = frozenset(c for cover in covers for c in cover.home_cells)
    every = frozenset(c for cover in covers for cells in cover.cells.values() for c in cells)
    return store.CandidateQuery(
        party_id=party_id,
        uid=intent.id,
        kinds=frozenset(str(k) for k in kinds),
        home_cells=home,
        coarser_cells=every - home,
        time_us=(start_us, end_us),
        altitude_m=_altitude_window(intent, kinds, policy),
    )


def _altitude_window(
    intent: Intent, kinds: frozenset[Kind], policy: Policy
) -> tuple[float, float] | None:
    verticals = [policy.rule(intent.kind, k).vertical_m for k in kinds]
    if not verticals or None in verticals:
        return None
    widest_m = max(v for v in verticals if v is not None) + 1.0
    floor_m = min(e.floor_m for e in intent.extents) - widest_m
    ceiling_m = max(e.ceiling_m for e in intent.extents) + widest_m
    return floor_m, ceiling_m


def candidates(
    session: Session, query: store.CandidateQuery
) -> dict[str, tuple[IntentRow, Intent]]:
    """Live intents the broad phase cannot rule out, by uid, with their domain form."""
    rows = store.intents_by_uid(session, store.candidate_uids(session, query))
    return {row.uid: (row, domain_intent(row)) for row in rows if row.state != State.ENDED}


def domain_intent(row: IntentRow) -> Intent:
    """The engine's view of a stored intent: id is the global uid, party the party's row id."""
    return Intent(
        id=row.uid,
        party=str(row.party_id),
        kind=Kind(row.kind),
        extents=extents_from_json(row.extents_json),
        priority=row.priority,
        state=State(row.state),
    )

"""The broad phase in the store and the exact phase of the engine, for one filing."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

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


def candidate_versions(session: Session, query: store.CandidateQuery) -> dict[str, str]:
    """The broad phase alone: candidates' uids and their current versions (one query)."""
    return store.candidate_versions(session, query)


def load_candidates(session: Session, versions: Mapping[str, str]) -> dict[str, Intent]:
    """The live intents among ``versions`` in their domain form, by uid.

    Parsed intents are cached by ``(uid, version)`` (every write changes the version), so
    only intents not seen at that version are read and parsed. An intent whose version
    moved on since ``versions`` was read is loaded at its newer version.
    """
    found: dict[str, Intent] = {}
    missing = []
    for uid, version in versions.items():
        cached = INTENTS.get((uid, version))
        if cached is None:
            missing.append(uid)
        else:
            found[uid] = cached
    for row in store.candidate_rows(session, missing):
        intent = Intent(
            id=row.uid,
            party=str(row.party_id),
            kind=Kind(row.kind),
            extents=extents_from_json(row.extents_json),
            priority=row.priority,
            state=State(row.state),
        )
        INTENTS.put((row.uid, row.version), intent)
        found[row.uid] = intent
    return found


class IntentCache:
    """A bounded, thread-safe LRU of parsed stored intents keyed by ``(uid, version)``.

    Safe to share across requests: an entry is never changed, and a changed intent has a
    new version, so a stale entry is simply never asked for again.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str], Intent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Intent | None:
        with self._lock:
            intent = self._entries.get(key)
            if intent is not None:
                self._entries.move_to_end(key)
            return intent

    def put(self, key: tuple[str, str], intent: Intent) -> None:
        with self._lock:
            self._entries[key] = intent
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)


INTENTS = IntentCache(capacity=50_000)
"""Parsed candidates of this process (a few kB each)."""


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

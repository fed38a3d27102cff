"""Re-filing every live intent's H3 cells under the current policy (``wellclear db reindex``).

A filing's cells cover its footprint dilated by half the widest separation its kind is checked
with, so two intents within the separation always have covers that meet. After a policy change
that widens a separation, the stored covers of older intents are dilated by the old half only:
the guarantee no longer holds (H3's coarser levels often still match them, but nothing
promises it). Reindexing recomputes every live intent's cover under the service's policy.
Run it with the new policy *before* servers start serving with that policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from wellclear.service.candidates import cover_intent, domain_intent, lock_cells_of
from wellclear.service.core import Service
from wellclear.store import intents as intent_store
from wellclear.store.locks import lock_cells

BATCH = 200


@dataclass(frozen=True, slots=True)
class Reindexed:
    """What a reindex did: intents re-covered and cell rows before and after."""

    intents: int
    cells_before: int
    cells_after: int


def reindex_cells(service: Service, batch: int = BATCH) -> Reindexed:
    """Recompute the cells of every live intent under ``service.policy``, ``batch`` intents per
    transaction; each intent's old and new cells are locked, so concurrent filings on
    PostgreSQL wait for it rather than see it half re-covered."""
    with service.database.reading() as session:
        uids = intent_store.live_intent_uids(session)
        before = intent_store.count_cells(session)
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]

        def work(session: Session, chunk: list[str] = chunk) -> None:
            _recover(session, service, chunk)

        service.database.write(work)
    with service.database.reading() as session:
        after = intent_store.count_cells(session)
    return Reindexed(len(uids), before, after)


def _recover(session: Session, service: Service, uids: list[str]) -> None:
    for row in intent_store.intents_by_uid(session, uids):
        if row.state == "ended":  # ended since the list was read
            continue
        intent = domain_intent(row)
        covers = cover_intent(intent, service.policy)
        previous = intent_store.lock_cells_of_intent(session, row.uid)
        lock_cells(session, lock_cells_of(covers) | previous)
        intent_store.unindex_cells(session, row.uid)
        intent_store.index_cells(session, row, intent.extents, covers)

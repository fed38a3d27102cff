"""An intent's lifecycle (F3548): state changes, and ending (which frees its space).

::

    accepted ──► activated ◄──► nonconforming
        │            │               │
        │            └──► contingent ◄┘
        └──────────────────┴──────────────► ended   (from any live state)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from wellclear.errors import UnknownIntent
from wellclear.model import State
from wellclear.service import notices
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.errors import InvalidTransition, VersionMismatch
from wellclear.service.ids import new_version
from wellclear.service.views import IntentView, intent_view
from wellclear.store import conflicts as conflict_store
from wellclear.store import intents as intent_store
from wellclear.store import tracks as track_store
from wellclear.store.locks import lock_cells
from wellclear.store.models import IntentRow, utc_now

ALLOWED: dict[State, frozenset[State]] = {
    State.ACCEPTED: frozenset({State.ACTIVATED, State.NONCONFORMING, State.ENDED}),
    State.ACTIVATED: frozenset({State.NONCONFORMING, State.CONTINGENT, State.ENDED}),
    State.NONCONFORMING: frozenset({State.ACTIVATED, State.CONTINGENT, State.ENDED}),
    State.CONTINGENT: frozenset({State.ENDED}),
    State.ENDED: frozenset(),
}


def change_state(
    service: Service, caller: Caller, intent_id: str, state: State, if_match: str | None = None
) -> IntentView:
    """Move the caller's intent to ``state``; the same state again changes nothing."""
    caller.require_operator()

    def work(session: Session) -> IntentView:
        if state is State.ENDED:
            _lock_place(session, caller, intent_id)
        row = intent_store.find_intent(session, caller.party_id, intent_id, for_update=True)
        if row is None:
            raise UnknownIntent(intent_id)
        if if_match is not None and if_match not in ("*", row.version):
            raise VersionMismatch(intent_id, if_match, row.version)
        if State(row.state) is not state:
            _move(session, row, state)
        tracks = track_store.tied_names(session, [row.uid]).get(row.uid, ())
        return intent_view(row, caller.name, tracks)

    return service.database.write(work)


def end_intent(
    service: Service, caller: Caller, intent_id: str, if_match: str | None = None
) -> IntentView:
    return change_state(service, caller, intent_id, State.ENDED, if_match)


def _lock_place(session: Session, caller: Caller, intent_id: str) -> None:
    """Serialise with filings near the intent, so none records a conflict with it as it ends."""
    row = intent_store.find_intent(session, caller.party_id, intent_id)
    if row is not None:
        lock_cells(session, intent_store.lock_cells_of_intent(session, row.uid))


def _move(session: Session, row: IntentRow, state: State) -> None:
    current = State(row.state)
    if state not in ALLOWED[current]:
        raise InvalidTransition(row.id, current, state)
    now = utc_now()
    row.state = str(state)
    row.version = new_version()
    row.updated_at = now
    if state is State.ENDED:
        intent_store.unindex_cells(session, row.uid)
        conflict_store.resolve_conflicts_of(session, row.uid, now)
        notices.close_resolved_conflicts(session, row.uid, now)
    session.flush()

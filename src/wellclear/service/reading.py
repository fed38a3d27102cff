"""Reading intents and conflicts, each caller seeing what disclosure allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem, UnknownIntent
from wellclear.model import Kind, State
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.cursors import decode_cursor, encode_cursor
from wellclear.service.errors import UnknownParty
from wellclear.service.views import ConflictView, IntentView, Page, conflict_view, intent_view
from wellclear.store import conflicts as conflict_store
from wellclear.store import intents as intent_store
from wellclear.store import parties as party_store
from wellclear.store import tracks as track_store
from wellclear.store.models import ConflictRow
from wellclear.store.volumes import time_us

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class IntentQuery:
    """Filters of ``GET /v1/intents``; ``party`` only narrows an observer's view."""

    kinds: frozenset[Kind] = frozenset()
    states: frozenset[State] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lng, min_lat, max_lng, max_lat
    party: str | None = None
    cursor: str | None = None
    limit: int = 100


def get_intent(
    service: Service, caller: Caller, intent_id: str, party: str | None = None
) -> IntentView:
    """One intent of the caller's (or, for observers, of ``party``); another's is unknown."""
    with service.database.reading() as session:
        owner_id, owner_name = _owner(session, caller, party)
        row = intent_store.find_intent(session, owner_id, intent_id)
        if row is None:
            raise UnknownIntent(intent_id)
        tracks = track_store.tied_names(session, [row.uid]).get(row.uid, ())
        return intent_view(row, owner_name, tracks)


def _owner(session: Session, caller: Caller, party: str | None) -> tuple[int, str]:
    if party is None or party == caller.name or not caller.reads_everything:
        return caller.party_id, caller.name
    row = party_store.find_party(session, party)
    if row is None:
        raise UnknownParty(party)
    return row.id, row.name


def list_intents(service: Service, caller: Caller, query: IntentQuery) -> Page[IntentView]:
    limit = _limit(query.limit)
    after = decode_cursor(query.cursor, parts=2)
    with service.database.reading() as session:
        party_id = None if caller.reads_everything else caller.party_id
        if caller.reads_everything and query.party is not None:
            party_id = _owner(session, caller, query.party)[0]
        where = intent_store.IntentFilter(
            party_id=party_id,
            kinds=frozenset(str(k) for k in query.kinds),
            states=frozenset(str(s) for s in query.states),
            time_us=_window(query.start, query.end),
            bbox=query.bbox,
        )
        rows = intent_store.list_intents(session, where, _pair(after), limit + 1)
        names = party_store.party_names(session, {r.party_id for r in rows})
        page = rows[:limit]
        tracks = track_store.tied_names(session, [r.uid for r in page])
    items = tuple(intent_view(r, names[r.party_id], tracks.get(r.uid, ())) for r in page)
    more = len(rows) > limit
    return Page(items, encode_cursor([page[-1].id, page[-1].uid]) if more else None)


def list_conflicts(
    service: Service,
    caller: Caller,
    *,
    statuses: frozenset[str] = frozenset(),
    intent_id: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ConflictView]:
    """Conflicts involving the caller's intents (all conflicts, for observers)."""
    limit = _limit(limit)
    after = decode_cursor(cursor, parts=1)
    with service.database.reading() as session:
        intent_uid = None
        if intent_id is not None:
            row = intent_store.find_intent(session, caller.party_id, intent_id)
            if row is None:
                raise UnknownIntent(intent_id)
            intent_uid = row.uid
        where = conflict_store.ConflictFilter(
            party_id=None if caller.reads_everything else caller.party_id,
            statuses=statuses,
            intent_uid=intent_uid,
        )
        rows = conflict_store.list_conflicts(session, where, after[0] if after else None, limit + 1)
        page = rows[:limit]
        names = party_store.party_names(session, {p for r in page for p in (r.party_a, r.party_b)})
        ids = _visible_ids(session, caller, page)
    items = tuple(conflict_view(r, caller, names, ids) for r in page)
    more = len(rows) > limit
    return Page(items, encode_cursor([page[-1].id]) if more else None)


def _visible_ids(session: Session, caller: Caller, rows: list[ConflictRow]) -> dict[str, str]:
    uids = {u for r in rows for u in (r.intent_a, r.intent_b)}
    intents = intent_store.intents_by_uid(session, uids)
    return {
        i.uid: i.id for i in intents if caller.reads_everything or i.party_id == caller.party_id
    }


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput([Problem("", "limit", f"must be 1 to {MAX_PAGE}, not {limit}")])
    return limit


def _window(start: datetime | None, end: datetime | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    start_us = time_us(start) if start is not None else -(2**62)
    end_us = time_us(end)
    if end_us <= start_us:
        raise InvalidInput([Problem("", "end", "must be after start")])
    return start_us, end_us


def _pair(parts: tuple[str, ...] | None) -> tuple[str, str] | None:
    return None if parts is None else (parts[0], parts[1])

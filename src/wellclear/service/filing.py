"""Filing an intent (POST, or PUT with a client id): one transaction owns the invariant.

lock the cells it covers → read candidates → exact check → decide → write the intent,
its cells and its conflicts (or nothing but the idempotent answer, when refused).

Most of the work happens before that transaction, optimistically: parsing, the cell cover,
and (on PostgreSQL, where writers run side by side) a first broad + exact phase on a read
snapshot; SQLite has one writer at a time, so there the check runs once, under the lock.
Inside the transaction (under the cell locks) the broad phase runs again, returning
candidates with their versions; only candidates that are new or changed since the snapshot
go through the exact phase again, so the decision is exactly the one a check under the
locks would make. A POST without an ``Idempotency-Key`` that the snapshot already refuses
is answered without writing: a refusal writes nothing, and it is the answer a filing
serialised at the snapshot gets.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wellclear.ingest.export import JsonObject, merged_regions
from wellclear.model import Conflict, Intent, State
from wellclear.service import notices
from wellclear.service.bodies import intent_from_body, with_uid
from wellclear.service.callers import Caller
from wellclear.service.candidates import (
    INTENTS,
    candidate_query,
    candidate_versions,
    cover_intent,
    load_candidates,
    lock_cells_of,
)
from wellclear.service.core import Service
from wellclear.service.decide import Decision, decide
from wellclear.service.errors import (
    ConflictRejected,
    IdempotencyKeyReused,
    InvalidTransition,
    PreconditionRequired,
    VersionMismatch,
)
from wellclear.service.ids import (
    check_client_id,
    new_conflict_id,
    new_intent_id,
    new_uid,
    new_version,
)
from wellclear.service.views import ConflictView, Filing, conflict_view, intent_view, refusal_views
from wellclear.store import conflicts as conflict_store
from wellclear.store import idempotency
from wellclear.store import intents as intent_store
from wellclear.store import parties as party_store
from wellclear.store import tracks as track_store
from wellclear.store.cells import ExtentCover
from wellclear.store.locks import lock_cells
from wellclear.store.models import ConflictRow, IntentRow, utc_now
from wellclear.store.volumes import extents_to_json, span_of
from wellclear.strategic import conflicts_with

CREATED, REPLACED, REFUSED = "created", "replaced", "refused"
ANY_VERSION = "*"


@dataclass(frozen=True, slots=True)
class FilingRequest:
    """One filing as received: ``intent_id`` is set by PUT, ``None`` for POST."""

    body: bytes
    intent_id: str | None = None
    if_match: str | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.intent_id}\n{self.if_match}\n".encode())
        digest.update(self.body)
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class _Refusal:
    intent_id: str
    conflicts: tuple[ConflictView, ...]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What can be worked out before the transaction: the parsed intent and its cells."""

    client_id: str
    intent: Intent
    covers: tuple[ExtentCover, ...]


def file_intent(service: Service, caller: Caller, request: FilingRequest) -> Filing:
    """File (or replace) an intent; raises :class:`ConflictRejected` when policy refuses it."""
    caller.require_operator()
    client_id = request.intent_id if request.intent_id is not None else new_intent_id()
    check_client_id(client_id)
    intent = intent_from_body(
        request.body,
        client_id=client_id,
        party_key=str(caller.party_id),
        party_name=caller.name,
        limits=service.limits,
    )
    prepared = _Prepared(client_id, intent, cover_intent(intent, service.policy))
    if service.database.one_writer:  # nothing to overlap with the check
        checked = _Checked(new_uid())
    else:
        checked = _check_snapshot(service, caller, request, prepared)
    if checked.refusal is not None:
        raise ConflictRejected(checked.refusal.intent_id, checked.refusal.conflicts)

    def work(session: Session) -> Filing | _Refusal | _Refused:
        return _file_in(session, service, caller, request, prepared, checked)

    try:
        outcome = service.database.write(work)
    except IntegrityError:  # a concurrent duplicate committed first: now we see its answer
        outcome = service.database.write(work)
    if isinstance(outcome, _Refused):  # views built after the write lock is released
        with service.database.reading() as session:
            outcome = _refusal(session, caller, outcome.client_id, outcome.filing, outcome.decision)
    if isinstance(outcome, _Refusal):
        raise ConflictRejected(outcome.intent_id, outcome.conflicts)
    return outcome


@dataclass(frozen=True, slots=True)
class _Refused:
    """A refusal decided in the transaction, its views still to build (no idempotency key)."""

    client_id: str
    filing: Intent
    decision: Decision


@dataclass(frozen=True, slots=True)
class _Checked:
    """The exact phase against the candidates of a read snapshot, by candidate uid."""

    uid: str
    versions: Mapping[str, str] = field(default_factory=dict)
    others: Mapping[str, Intent] = field(default_factory=dict)
    conflicts: Mapping[str, tuple[Conflict, ...]] = field(default_factory=dict)
    refusal: _Refusal | None = None


def _check_snapshot(
    service: Service, caller: Caller, request: FilingRequest, prepared: _Prepared
) -> _Checked:
    """Broad and exact phase on a read snapshot, outside the write transaction and its locks."""
    with service.database.reading() as session:
        existing = None
        if request.intent_id is not None:
            existing = intent_store.find_intent(session, caller.party_id, request.intent_id)
        filing = with_uid(prepared.intent, existing.uid if existing else new_uid())
        query = candidate_query(filing, caller.party_id, prepared.covers, service.policy)
        versions = candidate_versions(session, query)
        others = load_candidates(session, versions)
        by_other = _by_other(filing, conflicts_with(filing, list(others.values()), service.policy))
        checked = _Checked(filing.id, versions, others, by_other)
        if request.intent_id is not None or request.idempotency_key is not None:
            return checked  # a replacement or a kept answer: decided under the locks only
        conflicts = [c for found in by_other.values() for c in found]
        decision = decide(filing, conflicts, others)
        if decision.accepted:
            return checked
        refusal = _refusal(session, caller, prepared.client_id, filing, decision)
        return _Checked(filing.id, refusal=refusal)


def _by_other(filing: Intent, conflicts: tuple[Conflict, ...]) -> dict[str, tuple[Conflict, ...]]:
    grouped: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        a, b = conflict.intents
        grouped.setdefault(b if a == filing.id else a, []).append(conflict)
    return {uid: tuple(found) for uid, found in grouped.items()}


def _check_locked(
    session: Session, service: Service, filing: Intent, query_versions: Mapping[str, str],
    checked: _Checked,
) -> tuple[list[Conflict], dict[str, Intent]]:  # fmt: skip
    """The exact phase under the locks: the snapshot's results for candidates unchanged since
    (same uid and version), a fresh check of the others."""
    same = checked.uid == filing.id
    unchanged = {
        uid
        for uid, version in query_versions.items()
        if same and checked.versions.get(uid) == version and uid in checked.others
    }
    fresh = load_candidates(
        session, {uid: v for uid, v in query_versions.items() if uid not in unchanged}
    )
    others = {uid: checked.others[uid] for uid in unchanged} | fresh
    conflicts = [c for uid in sorted(unchanged) for c in checked.conflicts.get(uid, ())]
    conflicts.extend(conflicts_with(filing, list(fresh.values()), service.policy))
    return sorted(conflicts, key=lambda c: c.intents), others


def _file_in(
    session: Session,
    service: Service,
    caller: Caller,
    request: FilingRequest,
    prepared: _Prepared,
    checked: _Checked,
) -> Filing | _Refusal | _Refused:
    key = request.idempotency_key
    if key is not None:
        answer = idempotency.find_answer(session, caller.party_id, key)
        if answer is not None:
            return _replay(answer.request_hash, answer.status_code, answer.response_json, request)
    previous = _previous_lock_cells(session, caller, request)
    lock_cells(session, lock_cells_of(prepared.covers) | previous)
    existing = _existing(session, caller, request, prepared.client_id)
    filing = with_uid(prepared.intent, existing.uid if existing else checked.uid)
    query = candidate_query(filing, caller.party_id, prepared.covers, service.policy)
    versions = candidate_versions(session, query)
    conflicts, others = _check_locked(session, service, filing, versions, checked)
    decision = decide(filing, conflicts, others)
    if decision.accepted:
        outcome: Filing | _Refusal = _store(session, caller, prepared, filing, existing, decision)
    elif key is None and not service.database.one_writer:
        # Views are built after the cell locks go, so other writers wait less (with one
        # writer they are built here, without a second session).
        return _Refused(prepared.client_id, filing, decision)
    else:
        outcome = _refusal(session, caller, prepared.client_id, filing, decision)
    if key is not None:
        _keep(session, caller, key, request, outcome)
    return outcome


def _previous_lock_cells(
    session: Session, caller: Caller, request: FilingRequest
) -> frozenset[int]:
    """The lock cells of the intent a PUT replaces (its old place must be locked too)."""
    if request.intent_id is None:
        return frozenset()
    row = intent_store.find_intent(session, caller.party_id, request.intent_id)
    return frozenset() if row is None else intent_store.lock_cells_of_intent(session, row.uid)


def _existing(
    session: Session, caller: Caller, request: FilingRequest, client_id: str
) -> IntentRow | None:
    """The intent a PUT replaces, after checking ``If-Match``; ``None`` when creating."""
    if request.intent_id is None:
        return None
    row = intent_store.find_intent(session, caller.party_id, client_id, for_update=True)
    if_match = request.if_match
    if row is None:
        if if_match is not None:
            raise VersionMismatch(client_id, if_match, None)
        return None
    if if_match is None:
        raise PreconditionRequired(client_id)
    if if_match not in (ANY_VERSION, row.version):
        raise VersionMismatch(client_id, if_match, row.version)
    if row.state == State.ENDED:
        raise InvalidTransition(client_id, State.ENDED, "replaced")
    return row


def _store(
    session: Session,
    caller: Caller,
    prepared: _Prepared,
    filing: Intent,
    existing: IntentRow | None,
    decision: Decision,
) -> Filing:
    now = utc_now()
    row = existing or IntentRow(
        uid=filing.id, party_id=caller.party_id, id=prepared.client_id, created_at=now
    )
    _fill(row, filing)
    row.updated_at = now
    if existing is not None:
        intent_store.unindex_cells(session, row.uid)
        conflict_store.resolve_conflicts_of(session, row.uid, now)
        session.flush()
    else:
        intent_store.add_intent(session, row)
    intent_store.index_cells(session, row, filing.extents, prepared.covers)
    tracks: list[str] = []
    if existing is not None or filing.tracks:
        tracks = track_store.tie_tracks(session, row.uid, filing.tracks)  # those flying it
    regions = merged_regions([conflict for conflict, _ in decision.recorded])
    rows = [
        _conflict_row(conflict, must_act, region)
        for (conflict, must_act), region in zip(decision.recorded, regions, strict=True)
    ]
    conflict_store.add_conflicts(session, rows)
    notices.conflicts_recorded(session, rows, now, replaced_uid=row.uid if existing else None)
    names = party_store.party_names(session, {p for r in rows for p in (r.party_a, r.party_b)})
    ids = {row.uid: prepared.client_id}
    views = tuple(conflict_view(r, caller, names, ids) for r in rows)
    # As load_candidates would read it back, so the next filings nearby need not parse it.
    INTENTS.put((row.uid, row.version), dataclasses.replace(filing, tracks=()))
    return Filing(existing is None, intent_view(row, caller.name, tracks), views)


def _fill(row: IntentRow, filing: Intent) -> None:
    span = span_of(filing.extents)
    row.kind = str(filing.kind)
    row.state = str(filing.state)
    row.priority = filing.priority
    row.version = new_version()
    row.extents_json = extents_to_json(filing.extents)
    row.time_start_us, row.time_end_us = span.time_start_us, span.time_end_us
    row.altitude_lower_m, row.altitude_upper_m = span.altitude_lower_m, span.altitude_upper_m
    row.min_lat, row.min_lng, row.max_lat, row.max_lng = (
        span.min_lat,
        span.min_lng,
        span.max_lat,
        span.max_lng,
    )


def _conflict_row(conflict: Conflict, must_act: str, region: JsonObject) -> ConflictRow:
    return ConflictRow(
        id=new_conflict_id(),
        intent_a=conflict.intents[0],
        intent_b=conflict.intents[1],
        party_a=int(conflict.parties[0]),
        party_b=int(conflict.parties[1]),
        kind_a=str(conflict.kinds[0]),
        kind_b=str(conflict.kinds[1]),
        mode=str(conflict.rule.mode),
        status=conflict_store.OPEN,
        must_act=must_act,
        region_json=json.dumps(region, separators=(",", ":")),
        created_at=utc_now(),
    )


def _refusal(
    session: Session, caller: Caller, client_id: str, filing: Intent, decision: Decision
) -> _Refusal:
    party_ids = {int(p) for c in decision.refusing for p in c.parties}
    names = {str(i): name for i, name in party_store.party_names(session, party_ids).items()}
    views = refusal_views(decision.refusing, filing, client_id, names)
    return _Refusal(client_id, views)


def _keep(
    session: Session, caller: Caller, key: str, request: FilingRequest, outcome: Filing | _Refusal
) -> None:
    if isinstance(outcome, _Refusal):
        status, body = (
            REFUSED,
            {
                "intent_id": outcome.intent_id,
                "conflicts": [c.as_json() for c in outcome.conflicts],
            },
        )
    else:
        status, body = (CREATED if outcome.created else REPLACED), outcome.as_json()
    idempotency.keep_answer(
        session,
        caller.party_id,
        key,
        request.fingerprint(),
        _STATUS_CODES[status],
        json.dumps(body),
    )


_STATUS_CODES = {CREATED: 201, REPLACED: 200, REFUSED: 409}
_STATUS_NAMES = {code: name for name, code in _STATUS_CODES.items()}


def _replay(
    request_hash: str, status_code: int, body: str, request: FilingRequest
) -> Filing | _Refusal:
    if request_hash != request.fingerprint():
        raise IdempotencyKeyReused(request.idempotency_key or "")
    document = json.loads(body)
    status = _STATUS_NAMES[status_code]
    if status == REFUSED:
        conflicts = tuple(ConflictView.from_json(c) for c in document["conflicts"])
        return _Refusal(document["intent_id"], conflicts)
    return Filing.from_json(document, created=status == CREATED)

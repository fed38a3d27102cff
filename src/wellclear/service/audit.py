"""The audit log's use cases: who acts, the head, a party's entries, verify and export.

Entries are written by the store's session events (:mod:`wellclear.store.audit`) in the
transaction of the change they record; this module only reads them. The actor of the
entries a context writes is set with :func:`act_as` (the API's auth dependency: ``party:<name>``;
the CLI: ``cli:<user>``); unset, it is ``system`` (background loops).

Disclosure: a party reads the entries about itself (those whose ``parties`` include it: its
own party row, keys, intents, notices, and the conflicts, alerts and messages it is in), with
the payload only when the entry is about no other party; otherwise ``payload`` is ``null``
and the entry carries just the payload's SHA-256, which is what the hash chain covers.
Observers and admins read every entry with its payload. Key hashes and salts never enter
a payload.
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Token
from dataclasses import dataclass
from typing import Any

from wellclear.errors import InvalidInput, Problem
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.views import Page
from wellclear.store import audit as audit_store
from wellclear.store.audit import GENESIS_HASH

MAX_PAGE = 500
VERIFY_BATCH = 2000
_CURSOR = re.compile(r"[1-9][0-9]{0,18}")

__all__ = [
    "GENESIS_HASH",
    "AuditEntryView",
    "AuditHead",
    "ChainCheck",
    "act_as",
    "acting_as",
    "audit_head",
    "cli_actor",
    "export_entries",
    "list_audit_entries",
    "restore_actor",
    "verify_chain",
]


# --- who acts ------------------------------------------------------------------------------------


def act_as(actor: str) -> Token[str]:
    """Entries written from this context (task, thread) on name ``actor``; the token gives
    the previous actor back (:func:`restore_actor`)."""
    return audit_store.set_actor(actor)


def restore_actor(token: Token[str]) -> None:
    audit_store.reset_actor(token)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Entries written inside the block name ``actor``; the previous actor after it."""
    token = audit_store.set_actor(actor)
    try:
        yield
    finally:
        audit_store.reset_actor(token)


def cli_actor() -> str:
    """``cli:<operating-system user>``: the actor of commands run from a shell."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (containers)
        user = "unknown"
    return f"cli:{user}"


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest entry (``seq`` 0 and the genesis hash for an empty log)."""

    seq: int
    hash: str
    at: str | None

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at}


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One entry; ``payload`` ``None`` when it is withheld from the caller."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    party_ids: tuple[int, ...]
    payload_sha256: str
    prev_hash: str
    hash: str
    payload: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "party_ids": list(self.party_ids),
            "payload_sha256": self.payload_sha256,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "payload": self.payload,
        }


def _view(row: audit_store.AuditEntryRow, with_payload: bool) -> AuditEntryView:
    payload: dict[str, Any] | None = None
    if with_payload:
        try:
            loaded = json.loads(row.payload)
        except ValueError:
            loaded = None
        payload = loaded if isinstance(loaded, dict) else None
    return AuditEntryView(
        seq=row.seq,
        at=audit_store.rfc3339_us(row.at),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        party_ids=tuple(audit_store.parse_parties(row.parties)),
        payload_sha256=row.payload_sha256,
        prev_hash=row.prev_hash,
        hash=row.hash,
        payload=payload,
    )


def audit_head(service: Service, caller: Caller) -> AuditHead:
    """The head of the chain, for any party to pin (``seq`` and ``hash``)."""
    del caller  # every authenticated party may pin the head
    with service.database.reading() as session:
        row = audit_store.head_entry(session)
    if row is None:
        return AuditHead(0, GENESIS_HASH, None)
    return AuditHead(row.seq, row.hash, audit_store.rfc3339_us(row.at))


def list_audit_entries(
    service: Service,
    caller: Caller,
    *,
    after_seq: int = 0,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[AuditEntryView]:
    """Entries oldest first after ``after_seq`` (and the cursor): about the caller, or all
    for observers and admins."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput([Problem("", "limit", f"must be 1 to {MAX_PAGE}, not {limit}")])
    if after_seq < 0:
        raise InvalidInput([Problem("", "after_seq", f"must be 0 or more, not {after_seq}")])
    after = max(after_seq, _decode_cursor(cursor))
    party_id = None if caller.reads_everything else caller.party_id
    with service.database.reading() as session:
        rows = audit_store.list_entries(session, party_id, after, limit + 1)
    page = rows[:limit]
    items = tuple(_view(row, _shows_payload(caller, row)) for row in page)
    more = len(rows) > limit
    return Page(items, str(page[-1].seq) if more else None)


def _shows_payload(caller: Caller, row: audit_store.AuditEntryRow) -> bool:
    if caller.reads_everything:
        return True
    return audit_store.parse_parties(row.parties) == [caller.party_id]


def _decode_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if _CURSOR.fullmatch(cursor):
        return int(cursor)
    raise InvalidInput([Problem("", "cursor", "is not a cursor this service gave out")])


# --- verify and export ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of :func:`verify_chain`: intact, or the first broken ``seq`` and why."""

    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


def verify_chain(
    service: Service,
    *,
    expect: tuple[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ChainCheck:
    """Check the whole chain in one reading transaction: ``seq`` runs 1, 2, 3… without a gap,
    each payload hashes to its ``payload_sha256``, each ``prev_hash`` is the previous entry's
    ``hash``, each ``hash`` is the SHA-256 of the entry's canonical record, and the party
    index agrees with each entry's ``parties``. ``expect`` = ``(seq, hash)`` of a head pinned
    earlier: that entry must still be there with that hash (this is what catches a rewritten
    or truncated tail). ``progress`` is called with the number of entries checked so far.
    ``entries``/``head_*`` of the result describe the intact part before a break."""
    walk = _Walk(expect)
    with service.database.reading() as session:
        batch: list[audit_store.AuditEntryRow] = []
        for row in audit_store.all_entries(session, VERIFY_BATCH):
            batch.append(row)
            if len(batch) == VERIFY_BATCH:
                if not walk.check(session, batch):
                    break
                batch = []
                if progress is not None:
                    progress(walk.checked)
        else:
            if batch and walk.check(session, batch) and progress is not None:
                progress(walk.checked)
    if walk.broken is None and expect is not None and not walk.pinned_seen:
        walk.broken = (
            expect[0],
            f"the pinned entry {expect[0]} is missing (the chain ends at {walk.prev_seq})",
        )
    broken_seq, reason = walk.broken if walk.broken else (None, None)
    return ChainCheck(walk.checked, walk.prev_seq, walk.prev_hash, broken_seq, reason)


@dataclass
class _Walk:
    """Where a verification stands: the last good entry and the first broken one."""

    expect: tuple[int, str] | None
    checked: int = 0
    prev_seq: int = 0
    prev_hash: str = GENESIS_HASH
    broken: tuple[int, str] | None = None
    pinned_seen: bool = False

    def __post_init__(self) -> None:
        self.pinned_seen = self.expect is None or self.expect[0] == 0

    def check(self, session: Any, batch: list[audit_store.AuditEntryRow]) -> bool:
        """Check a batch in order; ``False`` at the first broken entry."""
        index = audit_store.indexed_parties(session, batch[0].seq, batch[-1].seq)
        for row in batch:
            self.broken = self._broken(row, index.get(row.seq, []))
            if self.broken is not None:
                return False
            self.checked += 1
            self.prev_seq, self.prev_hash = row.seq, row.hash
        return True

    def _broken(self, row: audit_store.AuditEntryRow, indexed: list[int]) -> tuple[int, str] | None:
        expected_seq = self.prev_seq + 1
        if row.seq != expected_seq:
            return expected_seq, f"entry {expected_seq} is missing (the next is {row.seq})"
        reason = _check_entry(row, self.prev_hash, indexed)
        if reason is not None:
            return row.seq, reason
        if self.expect is not None and row.seq == self.expect[0]:
            self.pinned_seen = True
            if row.hash != self.expect[1]:
                return row.seq, f"hash {row.hash} is not the pinned {self.expect[1]}"
        return None


def _check_entry(row: audit_store.AuditEntryRow, prev_hash: str, indexed: list[int]) -> str | None:
    if audit_store.sha256_hex(row.payload) != row.payload_sha256:
        return "the payload does not hash to payload_sha256 (payload altered)"
    if row.prev_hash != prev_hash:
        return (
            f"prev_hash is not the hash of entry {row.seq - 1} "
            "(an entry before was altered, removed or reordered)"
        )
    if audit_store.entry_hash(row) != row.hash:
        return (
            "hash is not the SHA-256 of the entry's record (seq, at, actor, action, subject, "
            "parties, payload_sha256 or prev_hash altered)"
        )
    if indexed != sorted(audit_store.parse_parties(row.parties)):
        return f"the party index says {indexed}, the entry says {row.parties}"
    return None


def export_entries(service: Service) -> Iterator[dict[str, Any]]:
    """Every entry oldest first, with its payload (JSON objects for JSON lines), read in one
    transaction. ``sha256(canonical_json(payload))`` is the entry's ``payload_sha256``."""
    with service.database.reading() as session:
        for row in audit_store.all_entries(session, VERIFY_BATCH):
            yield _view(row, with_payload=True).as_json()


def entry_count(service: Service) -> int:
    with service.database.reading() as session:
        return audit_store.entry_count(session)

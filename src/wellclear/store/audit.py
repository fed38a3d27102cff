"""The audit log: an append-only, hash-chained record of every change to the audited tables
(:mod:`wellclear.store.audit_capture` writes it in the transaction of each change).

The canonical record of entry ``seq`` is the JSON object of ``seq``, ``at`` (RFC 3339 with
microseconds, ``Z``), ``actor``, ``action``, ``subject``, ``parties`` (sorted ids),
``payload_sha256`` and ``prev_hash``, serialised by :func:`canonical_json`; ``hash`` is its
SHA-256 (hex). The first entry's ``prev_hash`` is :data:`GENESIS_HASH`.

:func:`append` serialises writers: on PostgreSQL it takes ``pg_advisory_xact_lock`` on
:data:`CHAIN_LOCK`, held until the commit (the capture calls it at commit time); SQLite's
writer is already alone (``BEGIN IMMEDIATE``). ``seq`` is the primary key besides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from wellclear.store import driver
from wellclear.store.models import Base, UtcDateTime

GENESIS_HASH = "0" * 64
CHAIN_LOCK = (0x57434C52, 2)  # "WCLR", 2: the audit chain (two-integer key space)
SYSTEM_ACTOR = "system"

_actor: ContextVar[str] = ContextVar("wellclear_audit_actor", default=SYSTEM_ACTOR)


class AuditEntryRow(Base):
    """One entry of the chain. ``parties`` is the JSON list of party ids it is about."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    parties: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditPartyRow(Base):
    """The index behind "entries about party P": one row per entry and party it is about
    (derived from ``audit_entries.parties``, which the hash covers; verify compares them)."""

    __tablename__ = "audit_entry_parties"
    __table_args__ = (Index("ix_audit_entry_parties_seq", "seq"),)

    party_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


# --- the canonical form --------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the one serialisation hashes are taken over.

    >>> canonical_json({"b": 1, "a": [True, None, 1.5, "é"]})
    '{"a":[true,null,1.5,"é"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def rfc3339_us(moment: datetime) -> str:
    """UTC with microseconds and a ``Z`` (the form the hash covers; ``isoformat`` writes it
    in a third of ``strftime``'s time).

    >>> rfc3339_us(datetime(2026, 11, 29, 10, 0, 5, tzinfo=UTC))
    '2026-11-29T10:00:05.000000Z'
    """
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def record_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    parties: Sequence[int],
    payload_sha256: str,
    prev_hash: str,
) -> str:
    """SHA-256 of the canonical record of one entry."""
    record = {
        "seq": seq,
        "at": rfc3339_us(at),
        "actor": actor,
        "action": action,
        "subject": subject,
        "parties": sorted(parties),
        "payload_sha256": payload_sha256,
        "prev_hash": prev_hash,
    }
    return sha256_hex(canonical_json(record))


def entry_hash(row: AuditEntryRow) -> str:
    """The hash the row's fields give (compare with ``row.hash``)."""
    return record_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        parties=parse_parties(row.parties),
        payload_sha256=row.payload_sha256,
        prev_hash=row.prev_hash,
    )


def parse_parties(stored: str) -> list[int]:
    """The party ids of ``audit_entries.parties`` (a malformed value reads as no party)."""
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return value
    return []


# --- who acts ------------------------------------------------------------------------------------


def set_actor(actor: str) -> Token[str]:
    """Record ``actor`` on the entries written from this context (task or thread) on."""
    return _actor.set(actor)


def reset_actor(token: Token[str]) -> None:
    """Back to the actor before :func:`set_actor` gave ``token``."""
    _actor.reset(token)


def current_actor() -> str:
    return _actor.get()


# --- appending ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry before it has a place in the chain: what the capture hands :func:`append`."""

    action: str
    subject: str
    parties: list[int]
    payload: str  # canonical JSON


def append(session: Session, drafts: Sequence[Draft]) -> None:
    """Append entries at the head of the chain (serialised by the chain lock). Driver SQL:
    every write takes this path, and a compiled Core statement cost three times as much."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver.execute(connection, "SELECT pg_advisory_xact_lock(%s, %s)", CHAIN_LOCK)
    seq, prev = read_head(session) or (0, GENESIS_HASH)
    at = datetime.now(UTC)
    actor = session.info.get("audit_actor") or current_actor()
    entries: list[dict[str, Any]] = []
    party_rows: list[dict[str, int]] = []
    for draft in drafts:
        seq += 1
        payload_sha256 = sha256_hex(draft.payload)
        digest = record_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=draft.action,
            subject=draft.subject,
            parties=draft.parties,
            payload_sha256=payload_sha256,
            prev_hash=prev,
        )
        entries.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": draft.action,
                "subject": draft.subject,
                "parties": canonical_json(draft.parties),
                "payload": draft.payload,
                "payload_sha256": payload_sha256,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        party_rows.extend({"party_id": p, "seq": seq} for p in draft.parties)
        prev = digest
    driver.insert_of(connection.dialect, _ENTRIES).run_many(connection, entries)
    if party_rows:
        driver.insert_of(connection.dialect, _PARTIES).run_many(connection, party_rows)


_ENTRIES = Base.metadata.tables[AuditEntryRow.__tablename__]
_PARTIES = Base.metadata.tables[AuditPartyRow.__tablename__]
_HEAD_SQL = "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1"


# --- reading -------------------------------------------------------------------------------------


def read_head(session: Session) -> tuple[int, str] | None:
    """``(seq, hash)`` of the newest entry, or ``None`` for an empty chain."""
    found = driver.fetch(session.connection(), _HEAD_SQL)
    return None if not found else (int(found[0][0]), str(found[0][1]))


def head_entry(session: Session) -> AuditEntryRow | None:
    query = select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(1)
    return session.scalars(query).first()


def list_entries(
    session: Session, party_id: int | None, after_seq: int, limit: int
) -> list[AuditEntryRow]:
    """One page, oldest first: every entry, or those about ``party_id``."""
    query = select(AuditEntryRow).where(AuditEntryRow.seq > after_seq)
    if party_id is not None:
        about = select(AuditPartyRow.seq).where(
            AuditPartyRow.party_id == party_id, AuditPartyRow.seq > after_seq
        )
        query = query.where(AuditEntryRow.seq.in_(about))
    return list(session.scalars(query.order_by(AuditEntryRow.seq).limit(limit)))


def entry_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEntryRow)).scalar_one())


def all_entries(session: Session, batch: int = 1000) -> Iterator[AuditEntryRow]:
    """Every entry in ``seq`` order, read in batches (keyset pagination)."""
    after: int | None = None
    while True:
        query = select(AuditEntryRow).order_by(AuditEntryRow.seq).limit(batch)
        if after is not None:
            query = query.where(AuditEntryRow.seq > after)
        rows = list(session.scalars(query))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq
        session.expunge_all()


def indexed_parties(session: Session, first_seq: int, last_seq: int) -> dict[int, list[int]]:
    """The party index rows of entries ``first_seq..last_seq``: seq → sorted party ids."""
    query = (
        select(AuditPartyRow.seq, AuditPartyRow.party_id)
        .where(AuditPartyRow.seq >= first_seq, AuditPartyRow.seq <= last_seq)
        .order_by(AuditPartyRow.seq, AuditPartyRow.party_id)
    )
    found: dict[int, list[int]] = {}
    for seq, party_id in session.execute(query):
        found.setdefault(int(seq), []).append(int(party_id))
    return found

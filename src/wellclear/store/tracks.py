"""Live tracks (one row per party and track: its last state), the intents' tied tracks,
and tactical alerts (one row per encounter).

Units are SI and in the names: ``alt_m`` (metres above the WGS84 ellipsoid, as filed
altitudes are), ``gs_mps``, ``vs_mps``; ``trk_deg`` is the ground track, degrees true.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from wellclear.store.models import (
    Base,
    ConflictRow,
    IntentCellRow,
    IntentRow,
    UtcDateTime,
    utc_now,
)

IN_LIST_CHUNK = 500
TRACK_ID_LENGTH = 64
CALLSIGN_LENGTH = 16


class TrackRow(Base):
    """The last state a party reported of one of its tracks."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("party_id", "track_id"), Index("ix_tracks_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    track_id: Mapped[str] = mapped_column(String(TRACK_ID_LENGTH))  # ICAO hex, or the party's
    callsign: Mapped[str] = mapped_column(String(CALLSIGN_LENGTH), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    alt_m: Mapped[float] = mapped_column(Float)
    trk_deg: Mapped[float] = mapped_column(Float)
    gs_mps: Mapped[float] = mapped_column(Float)
    vs_mps: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the state was valid
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    source: Mapped[str] = mapped_column(String(20))  # "api" or "sbs"


class IntentTrackRow(Base):
    """A track an intent says flies it: an ICAO address or a callsign, upper case."""

    __tablename__ = "intent_tracks"

    intent_uid: Mapped[str] = mapped_column(ForeignKey("intents.uid"), primary_key=True)
    name: Mapped[str] = mapped_column(String(TRACK_ID_LENGTH), primary_key=True)


class AlertRow(Base):
    """One tactical encounter, open while it lasts.

    ``kind`` is ``conflict`` (tracks a and b), ``nonconforming`` (track a off its own intent)
    or ``incursion`` (track a inside a site or restriction of party b). ``key`` names the
    encounter (kind, tracks, intent) so a cycle finds it again; at most one open alert has a
    key (the monitor's leader is the only writer).
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_key_closed_at", "key", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(400))
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    party_a: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    track_a: Mapped[str] = mapped_column(String(TRACK_ID_LENGTH))
    callsign_a: Mapped[str] = mapped_column(String(CALLSIGN_LENGTH), default="")
    lat_a: Mapped[float] = mapped_column(Float)
    lon_a: Mapped[float] = mapped_column(Float)
    alt_a_m: Mapped[float] = mapped_column(Float)
    party_b: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), nullable=True, index=True)
    track_b: Mapped[str | None] = mapped_column(String(TRACK_ID_LENGTH), nullable=True)
    callsign_b: Mapped[str | None] = mapped_column(String(CALLSIGN_LENGTH), nullable=True)
    lat_b: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon_b: Mapped[float | None] = mapped_column(Float, nullable=True)
    alt_b_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    # nonconforming: track a's own intent; incursion: party b's zone. No foreign key: ended
    # intents expire (retention) and their alerts stay.
    intent_uid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    intent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    intent_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tcpa_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    dcpa_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    tlos_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    los: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


_STATE_COLUMNS = (
    "callsign", "lat", "lon", "alt_m", "trk_deg", "gs_mps", "vs_mps", "at", "received_at", "source",
)  # fmt: skip

# --- tracks ------------------------------------------------------------------------------------


def upsert_tracks(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update each (party, track)'s last state; an older state never wins."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(TrackRow)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[TrackRow.party_id, TrackRow.track_id],
        set_={name: excluded[name] for name in _STATE_COLUMNS},
        where=TrackRow.at <= excluded.at,
    )
    for start in range(0, len(rows), IN_LIST_CHUNK * 2):
        session.execute(statement, list(rows[start : start + IN_LIST_CHUNK * 2]))


@dataclass(frozen=True, slots=True)
class TrackFilter:
    """Which tracks a listing returns; ``party_id`` ``None`` means every party's."""

    party_id: int | None
    since: datetime | None = None


def list_tracks(
    session: Session, where: TrackFilter, after: tuple[int, str] | None, limit: int
) -> list[TrackRow]:
    """One page ordered by (party, track id), after the ``(party_id, track_id)`` given."""
    query = select(TrackRow).order_by(TrackRow.party_id, TrackRow.track_id).limit(limit)
    if where.party_id is not None:
        query = query.where(TrackRow.party_id == where.party_id)
    if where.since is not None:
        query = query.where(TrackRow.at >= where.since)
    if after is not None:
        party_id, track_id = after
        query = query.where(
            or_(
                TrackRow.party_id > party_id,
                and_(TrackRow.party_id == party_id, TrackRow.track_id > track_id),
            )
        )
    return list(session.scalars(query))


LiveTrack = tuple[int, str, str, float, float, float, float, float, float, datetime]
"""(party_id, track_id, callsign, lat, lon, alt_m, trk_deg, gs_mps, vs_mps, at)."""


def live_tracks(session: Session, since: datetime) -> list[LiveTrack]:
    """Every track whose state is at or after ``since``, as plain tuples (fast to load)."""
    t = TrackRow
    query = select(
        t.party_id, t.track_id, t.callsign, t.lat, t.lon, t.alt_m, t.trk_deg, t.gs_mps,
        t.vs_mps, t.at,
    ).where(t.at >= since)  # fmt: skip
    return [tuple(row) for row in session.execute(query)]


def delete_tracks_before(session: Session, before: datetime) -> int:
    result = session.execute(delete(TrackRow).where(TrackRow.at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- tied tracks -------------------------------------------------------------------------------


def tie_tracks(session: Session, intent_uid: str, names: Iterable[str]) -> list[str]:
    """Replace the tracks tied to an intent (names are matched case-insensitively); the
    names as stored: upper case, sorted, once each."""
    session.execute(delete(IntentTrackRow).where(IntentTrackRow.intent_uid == intent_uid))
    unique = sorted({n.strip().upper() for n in names})
    rows = [{"intent_uid": intent_uid, "name": n} for n in unique]
    if rows:
        session.execute(insert(IntentTrackRow), rows)
    return unique


def tied_names(session: Session, intent_uids: Iterable[str]) -> dict[str, list[str]]:
    """The tied track names of each intent that has some."""
    found: dict[str, list[str]] = {}
    wanted = sorted(set(intent_uids))
    for start in range(0, len(wanted), IN_LIST_CHUNK):
        chunk = wanted[start : start + IN_LIST_CHUNK]
        query = select(IntentTrackRow.intent_uid, IntentTrackRow.name).where(
            IntentTrackRow.intent_uid.in_(chunk)
        )
        for uid, name in session.execute(query):
            found.setdefault(uid, []).append(name)
    return {uid: sorted(names) for uid, names in found.items()}


def monitored_intents(
    session: Session, zone_kinds: Iterable[str], now_us: int, live_states: Iterable[str]
) -> list[IntentRow]:
    """Live intents the monitor checks: tied to some track, or zones current at ``now_us``."""
    tied = select(IntentTrackRow.intent_uid)
    zone = and_(
        IntentRow.kind.in_(sorted(zone_kinds)),
        IntentRow.time_start_us <= now_us,
        IntentRow.time_end_us >= now_us,
    )
    query = (
        select(IntentRow)
        .where(IntentRow.state.in_(sorted(live_states)))
        .where(or_(IntentRow.uid.in_(tied), zone))
    )
    return list(session.scalars(query))


# --- alerts ------------------------------------------------------------------------------------


def open_keys(session: Session) -> list[tuple[int, str, str | None]]:
    """(id, key, level) of every open alert."""
    query = select(AlertRow.id, AlertRow.key, AlertRow.level).where(AlertRow.closed_at.is_(None))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def alerts_by_id(session: Session, ids: Sequence[int]) -> list[AlertRow]:
    rows: list[AlertRow] = []
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IN_LIST_CHUNK):
        chunk = wanted[start : start + IN_LIST_CHUNK]
        rows.extend(session.scalars(select(AlertRow).where(AlertRow.id.in_(chunk))))
    return sorted(rows, key=lambda row: row.id)


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a listing returns; ``party_id`` ``None`` means all."""

    party_id: int | None
    open: bool | None = None  # None: open and closed


def list_alerts(
    session: Session, where: AlertFilter, after: int | None, limit: int
) -> list[AlertRow]:
    """One page of alerts, oldest first."""
    query = select(AlertRow).order_by(AlertRow.id).limit(limit)
    for condition in _alert_conditions(where):
        query = query.where(condition)
    if after is not None:
        query = query.where(AlertRow.id > after)
    return list(session.scalars(query))


def _alert_conditions(where: AlertFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.party_id is not None:
        conditions.append(
            or_(AlertRow.party_a == where.party_id, AlertRow.party_b == where.party_id)
        )
    if where.open is True:
        conditions.append(AlertRow.closed_at.is_(None))
    elif where.open is False:
        conditions.append(AlertRow.closed_at.is_not(None))
    return conditions


# --- retention of ended intents ------------------------------------------------------------------


def ended_intents_before(session: Session, ended_state: str, before: datetime) -> list[IntentRow]:
    query = select(IntentRow).where(IntentRow.state == ended_state, IntentRow.updated_at < before)
    return list(session.scalars(query))


def delete_intents(session: Session, rows: Sequence[IntentRow]) -> int:
    """Delete intents with their cells, tied tracks and conflicts (ORM deletes for the rows
    the audit log records: intents and conflicts)."""
    uids = [r.uid for r in rows]
    for start in range(0, len(uids), IN_LIST_CHUNK):
        chunk = uids[start : start + IN_LIST_CHUNK]
        session.execute(delete(IntentCellRow).where(IntentCellRow.intent_uid.in_(chunk)))
        session.execute(delete(IntentTrackRow).where(IntentTrackRow.intent_uid.in_(chunk)))
        conflicts = session.scalars(
            select(ConflictRow).where(
                or_(ConflictRow.intent_a.in_(chunk), ConflictRow.intent_b.in_(chunk))
            )
        )
        for conflict in conflicts:
            session.delete(conflict)
    session.flush()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)

"""The tables, as SQLAlchemy 2 typed ORM classes.

Times of intents and cells are POSIX microseconds (``*_us``) so range tests are plain
integer comparisons on every database; an open end is :data:`OPEN_END_US`. Bookkeeping
times (``created_at``) are UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OPEN_END_US = 2**62
"""``time_end_us`` of an open-ended extent (a site that lasts until withdrawn)."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A tz-aware UTC datetime on every database (SQLite keeps no zone: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PartyRow(Base):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # Contacts (migration 0003): where notices are pushed, the key that signs them, and the
    # party (by name) told when one of this party's notices goes unacknowledged too long.
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    escalation_contact: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ApiKeyRow(Base):
    """A salted hash of one API key; ``key_id`` is the key's public prefix, for lookup."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IntentRow(Base):
    """One intent. ``uid`` is global; ``(party_id, id)`` is what its party calls it."""

    __tablename__ = "intents"
    __table_args__ = (UniqueConstraint("party_id", "id"),)

    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(64))
    extents_json: Mapped[str] = mapped_column(Text)
    time_start_us: Mapped[int] = mapped_column(BigInteger)
    time_end_us: Mapped[int] = mapped_column(BigInteger)
    altitude_lower_m: Mapped[float] = mapped_column(Float)
    altitude_upper_m: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    min_lng: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lng: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class IntentCellRow(Base):
    """One H3 cell covering one live extent, dilated (the broad phase's index).

    ``home`` marks the extent's own resolution; coarser resolutions are stored too, so
    extents indexed at different resolutions always meet in some cell.
    """

    __tablename__ = "intent_cells"
    __table_args__ = (  # covers the candidate query (migration 0005)
        Index(
            "ix_intent_cells_cover", "cell", "home", "party_id", "kind", "time_start_us",
            "time_end_us", "altitude_lower_m", "altitude_upper_m", "intent_uid",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intent_uid: Mapped[str] = mapped_column(ForeignKey("intents.uid"), index=True)
    extent: Mapped[int] = mapped_column(Integer)
    cell: Mapped[int] = mapped_column(BigInteger)
    home: Mapped[bool] = mapped_column(Boolean)
    party_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    time_start_us: Mapped[int] = mapped_column(BigInteger)
    time_end_us: Mapped[int] = mapped_column(BigInteger)
    altitude_lower_m: Mapped[float] = mapped_column(Float)
    altitude_upper_m: Mapped[float] = mapped_column(Float)


class ConflictRow(Base):
    """A recorded conflict between two intents (``intent_a`` < ``intent_b`` by uid)."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    intent_a: Mapped[str] = mapped_column(ForeignKey("intents.uid"), index=True)
    intent_b: Mapped[str] = mapped_column(ForeignKey("intents.uid"), index=True)
    party_a: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    party_b: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    kind_a: Mapped[str] = mapped_column(String(20))
    kind_b: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    must_act: Mapped[str] = mapped_column(String(10))  # "a", "b" or "both"
    region_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IdempotencyRow(Base):
    """The first answer to a request sent with an ``Idempotency-Key``."""

    __tablename__ = "idempotency_keys"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

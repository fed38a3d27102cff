"""Intent rows, their cell index and the broad phase: which stored intents may conflict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from h3.api import basic_int as h3  # type: ignore[import-untyped]
from sqlalchemy import ColumnElement, Select, and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from wellclear.model import Volume4D
from wellclear.store.cells import LOCK_RESOLUTION, ExtentCover
from wellclear.store.models import IntentCellRow, IntentRow
from wellclear.store.volumes import time_us

IN_LIST_CHUNK = 500
"""Cells per ``IN (...)`` list, well under SQLite's bound-parameter limit."""


def add_intent(session: Session, intent: IntentRow) -> None:
    session.add(intent)
    session.flush()


def find_intent(
    session: Session, party_id: int, intent_id: str, *, for_update: bool = False
) -> IntentRow | None:
    query = select(IntentRow).where(IntentRow.party_id == party_id, IntentRow.id == intent_id)
    if for_update:
        query = query.with_for_update(key_share=False, nowait=False, of=IntentRow)
    return session.scalars(query).one_or_none()


def find_intent_by_uid(session: Session, uid: str) -> IntentRow | None:
    return session.get(IntentRow, uid)


def intents_by_uid(session: Session, uids: Iterable[str]) -> list[IntentRow]:
    wanted = sorted(set(uids))
    rows: list[IntentRow] = []
    for chunk in _chunks(wanted):
        rows.extend(session.scalars(select(IntentRow).where(IntentRow.uid.in_(chunk))))
    return sorted(rows, key=lambda row: row.uid)


def index_cells(
    session: Session, intent: IntentRow, extents: Sequence[Volume4D], covers: Sequence[ExtentCover]
) -> None:
    """File the intent's extents under the cells that cover them."""
    rows = [
        {
            "intent_uid": intent.uid,
            "extent": number,
            "cell": cell,
            "home": resolution == cover.home_resolution,
            "party_id": intent.party_id,
            "kind": intent.kind,
            "time_start_us": time_us(extent.start),
            "time_end_us": time_us(extent.end),
            "altitude_lower_m": extent.floor_m,
            "altitude_upper_m": extent.ceiling_m,
        }
        for number, (extent, cover) in enumerate(zip(extents, covers, strict=True))
        for resolution, cells in cover.cells.items()
        for cell in sorted(cells)
    ]
    if rows:
        session.execute(insert(IntentCellRow), rows)


def lock_cells_of_intent(session: Session, intent_uid: str) -> frozenset[int]:
    """The cells at the lock resolution that a stored intent covers."""
    query = select(IntentCellRow.cell).where(IntentCellRow.intent_uid == intent_uid).distinct()
    cells = session.scalars(query)
    return frozenset(c for c in cells if h3.get_resolution(c) == LOCK_RESOLUTION)


def unindex_cells(session: Session, intent_uid: str) -> None:
    session.execute(delete(IntentCellRow).where(IntentCellRow.intent_uid == intent_uid))


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """What a filing intent covers, widened by the policy's largest buffers.

    ``home_cells`` are its extents' cells at their home resolutions, ``coarser_cells`` the
    rest; ``altitude_m`` is ``None`` when some rule for its kind ignores altitude.
    """

    party_id: int
    uid: str
    kinds: frozenset[str]
    home_cells: frozenset[int]
    coarser_cells: frozenset[int]
    time_us: tuple[int, int]
    altitude_m: tuple[float, float] | None


def candidate_uids(session: Session, query: CandidateQuery) -> set[str]:
    """Uids of live intents of other parties sharing a cell, time and altitude with ``query``.

    A cell matches when it is one of the query's home cells, or one of its coarser cells and
    a home cell of the stored extent (see :mod:`wellclear.store.cells`).
    """
    if not query.kinds:
        return set()
    if len(query.home_cells) + len(query.coarser_cells) <= IN_LIST_CHUNK:
        either = or_(
            IntentCellRow.cell.in_(sorted(query.home_cells)),
            and_(IntentCellRow.home, IntentCellRow.cell.in_(sorted(query.coarser_cells))),
        )
        return set(session.scalars(_candidates(query, either)))
    found: set[str] = set()
    for chunk in _chunks(sorted(query.home_cells)):
        found.update(session.scalars(_candidates(query, IntentCellRow.cell.in_(chunk))))
    for chunk in _chunks(sorted(query.coarser_cells)):
        matches = and_(IntentCellRow.home, IntentCellRow.cell.in_(chunk))
        found.update(session.scalars(_candidates(query, matches)))
    return found


def _candidates(query: CandidateQuery, cell_matches: ColumnElement[bool]) -> Select[str]:
    start_us, end_us = query.time_us
    cells = IntentCellRow
    statement = (
        select(cells.intent_uid)
        .distinct()
        .where(cell_matches)
        .where(cells.party_id != query.party_id, cells.intent_uid != query.uid)
        .where(cells.kind.in_(sorted(query.kinds)))
        .where(cells.time_start_us <= end_us, cells.time_end_us >= start_us)
    )
    if query.altitude_m is not None:
        floor_m, ceiling_m = query.altitude_m
        statement = statement.where(
            cells.altitude_lower_m <= ceiling_m, cells.altitude_upper_m >= floor_m
        )
    return statement


def _chunks(items: Sequence[object]) -> list[list[object]]:
    return [list(items[i : i + IN_LIST_CHUNK]) for i in range(0, len(items), IN_LIST_CHUNK)]


@dataclass(frozen=True, slots=True)
class IntentFilter:
    """Which intents a listing returns; ``party_id`` ``None`` means every party's."""

    party_id: int | None
    kinds: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    time_us: tuple[int, int] | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lng, min_lat, max_lng, max_lat


def list_intents(
    session: Session, where: IntentFilter, after: tuple[str, str] | None, limit: int
) -> list[IntentRow]:
    """One page of intents ordered by (id, uid), starting after the ``(id, uid)`` given."""
    query = select(IntentRow).order_by(IntentRow.id, IntentRow.uid).limit(limit)
    for condition in _filter_conditions(where):
        query = query.where(condition)
    if after is not None:
        after_id, after_uid = after
        query = query.where(
            or_(IntentRow.id > after_id, and_(IntentRow.id == after_id, IntentRow.uid > after_uid))
        )
    return list(session.scalars(query))


def _filter_conditions(where: IntentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.party_id is not None:
        conditions.append(IntentRow.party_id == where.party_id)
    if where.kinds:
        conditions.append(IntentRow.kind.in_(sorted(where.kinds)))
    if where.states:
        conditions.append(IntentRow.state.in_(sorted(where.states)))
    if where.time_us is not None:
        start_us, end_us = where.time_us
        conditions.append(and_(IntentRow.time_start_us < end_us, IntentRow.time_end_us > start_us))
    if where.bbox is not None:
        min_lng, min_lat, max_lng, max_lat = where.bbox
        conditions.append(
            and_(
                IntentRow.min_lng <= max_lng,
                IntentRow.max_lng >= min_lng,
                IntentRow.min_lat <= max_lat,
                IntentRow.max_lat >= min_lat,
            )
        )
    return conditions

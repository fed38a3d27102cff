"""Intent rows, their cell index and the broad phase: which stored intents may conflict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from h3.api import basic_int as h3  # type: ignore[import-untyped]
from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from wellclear.model import Volume4D
from wellclear.store import driver
from wellclear.store.audit_capture import note_inserted
from wellclear.store.cells import LOCK_RESOLUTION, ExtentCover
from wellclear.store.models import Base, IntentCellRow, IntentRow
from wellclear.store.volumes import time_us

IN_LIST_CHUNK = 500
"""Cells per candidate query: an intent of many extents is looked up in a few statements of
bounded size rather than one of tens of thousands of cells."""
ENDED = "ended"
_INTENTS_TABLE = Base.metadata.tables[IntentRow.__tablename__]

T = TypeVar("T")


def add_intent(session: Session, intent: IntentRow) -> None:
    """Insert a new intent as driver SQL and hand the row to the audit capture: the ORM's
    unit of work cost a third of a millisecond on every filing. ``intent`` stays outside
    the session (a read in the same transaction loads the stored row)."""
    table = _INTENTS_TABLE
    row = {column.name: getattr(intent, column.key) for column in table.columns}
    unset = [name for name, value in row.items() if value is None and not table.c[name].nullable]
    if unset:  # the ORM would have applied column defaults; this path does not
        raise ValueError(f"intent row without {', '.join(unset)}")
    connection = session.connection()
    driver.insert_of(connection.dialect, table).run(connection, row)
    note_inserted(session, table, (intent.uid,), row)


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


def candidate_rows(session: Session, uids: Iterable[str]) -> list[CandidateRow]:
    """What the engine needs of each live intent among ``uids`` (ended ones are left out)."""
    wanted = sorted(set(uids))
    rows: list[CandidateRow] = []
    columns = (
        IntentRow.uid,
        IntentRow.version,
        IntentRow.party_id,
        IntentRow.kind,
        IntentRow.priority,
        IntentRow.state,
        IntentRow.extents_json,
    )
    for chunk in _chunks(wanted):
        query = select(*columns).where(IntentRow.uid.in_(chunk), IntentRow.state != ENDED)
        rows.extend(CandidateRow(*row) for row in session.execute(query))
    return rows


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """The columns of a stored intent that the exact phase reads."""

    uid: str
    version: str
    party_id: int
    kind: str
    priority: int
    state: str
    extents_json: str


def index_cells(
    session: Session, intent: IntentRow, extents: Sequence[Volume4D], covers: Sequence[ExtentCover]
) -> None:
    """File the intent's extents under the cells that cover them.

    A handful to tens of rows per filing, sent as plain values through the driver: building
    each row's parameters through SQLAlchemy cost a millisecond a filing. PostgreSQL takes
    them as one ``unnest`` of column arrays, whose constant text the driver prepares once
    (an ``executemany`` there cost a round trip's work per row); SQLite as one ``INSERT …
    SELECT`` from ``json_each`` per extent and level (an ``executemany`` stepped each row
    through Python, handing the GIL back and forth on every one).
    """
    groups = [
        ((intent.uid, number, resolution == cover.home_resolution, intent.party_id,
          intent.kind, time_us(extent.start), time_us(extent.end), extent.floor_m,
          extent.ceiling_m), sorted(cells))
        for number, (extent, cover) in enumerate(zip(extents, covers, strict=True))
        for resolution, cells in cover.cells.items()
        if cells
    ]  # fmt: skip
    if not groups:
        return
    connection = session.connection()
    if _on_postgresql(connection):
        rows = [(*values[:2], cell, *values[2:]) for values, cells in groups for cell in cells]
        columns = tuple(driver.array_literal(column) for column in zip(*rows, strict=True))
        driver.execute(connection, _INSERT_CELLS_UNNEST, columns)
        return
    for values, cells in groups:
        cells_param = driver.integer_array(connection.dialect, cells)
        driver.execute(connection, _INSERT_CELLS_JSON, (*values, cells_param))


_CELL_COLUMNS = (
    "intent_uid, extent, cell, home, party_id, kind, time_start_us, time_end_us,"
    " altitude_lower_m, altitude_upper_m"
)
_INSERT_CELLS_JSON = (
    f"INSERT INTO intent_cells ({_CELL_COLUMNS}) SELECT ?1, ?2, value, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9 FROM json_each(?10)"
)
_INSERT_CELLS_UNNEST = (
    f"INSERT INTO intent_cells ({_CELL_COLUMNS}) SELECT * FROM unnest(%s::varchar[],"
    " %s::integer[], %s::bigint[], %s::boolean[], %s::integer[], %s::varchar[], %s::bigint[],"
    " %s::bigint[], %s::float8[], %s::float8[])"
)


def _on_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def lock_cells_of_intent(session: Session, intent_uid: str) -> frozenset[int]:
    """The cells at the lock resolution that a stored intent covers."""
    query = select(IntentCellRow.cell).where(IntentCellRow.intent_uid == intent_uid).distinct()
    cells = session.scalars(query)
    return frozenset(c for c in cells if h3.get_resolution(c) == LOCK_RESOLUTION)


def live_intent_uids(session: Session) -> list[str]:
    """Uids of every intent not ended, in uid order."""
    query = select(IntentRow.uid).where(IntentRow.state != "ended").order_by(IntentRow.uid)
    return list(session.scalars(query))


def count_cells(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IntentCellRow)) or 0)


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


def candidate_versions(session: Session, query: CandidateQuery) -> dict[str, str]:
    """Uids of live intents of other parties sharing a cell, time and altitude with ``query``,
    with each one's current version, in one query per chunk.

    A cell matches when it is one of the query's home cells, or one of its coarser cells and
    a home cell of the stored extent (see :mod:`wellclear.store.cells`).

    The hot path of every filing, so the SQL is written out (see :func:`_versions`), which
    saves building and binding hundreds of parameters through the ORM on each call.
    """
    if not query.kinds:
        return {}
    home, coarser = sorted(query.home_cells), sorted(query.coarser_cells)
    if len(home) + len(coarser) <= IN_LIST_CHUNK:
        return _versions(session, query, home, coarser)
    found: dict[str, str] = {}
    for chunk in _chunks(home):
        found.update(_versions(session, query, chunk, []))
    for chunk in _chunks(coarser):
        found.update(_versions(session, query, [], chunk))
    return found


def _versions(
    session: Session, query: CandidateQuery, home: Sequence[int], coarser: Sequence[int]
) -> dict[str, str]:
    """Candidates sharing one of the ``home`` cells, or one of the ``coarser`` cells where that
    is the stored extent's home, with the query's time, altitude, kind and party filters.

    Sent as driver SQL, each cell list a branch of a ``UNION`` of intent uids (SQLite then
    walks each list once instead of an ``OR`` of both). Each list is one parameter, an array
    on PostgreSQL and a JSON array read by ``json_each`` on SQLite, so the text stays the
    same from call to call and SQLite prepares it once (cells inlined as literals made it
    parse and plan a new statement on every filing). PostgreSQL plans each call for its
    own cells instead of keeping a generic plan (see :func:`driver.fetch`).
    """
    connection = session.connection()
    postgresql = _on_postgresql(connection)
    mark = "%s" if postgresql else "?"
    kinds = sorted(query.kinds)
    start_us, end_us = query.time_us
    filters = (
        f" AND c.party_id != {mark} AND c.intent_uid != {mark}"
        f" AND c.kind IN ({', '.join([mark] * len(kinds))})"
        f" AND c.time_start_us <= {mark} AND c.time_end_us >= {mark}"
    )
    filter_params: list[object] = [query.party_id, query.uid, *kinds, end_us, start_us]
    if query.altitude_m is not None:
        filters += f" AND c.altitude_lower_m <= {mark} AND c.altitude_upper_m >= {mark}"
        filter_params += [query.altitude_m[1], query.altitude_m[0]]
    branches, params = [], []
    for cells, home_only in ((home, False), (coarser, True)):
        if not cells:
            continue
        match = "c.cell = ANY(%s::bigint[])" if postgresql else _IN_JSON_ARRAY
        where = f"c.home AND {match}" if home_only else match
        branches.append(f"SELECT c.intent_uid FROM intent_cells AS c WHERE {where}{filters}")
        params += [driver.integer_array(connection.dialect, cells), *filter_params]
    sql = f"SELECT i.uid, i.version FROM intents AS i WHERE i.uid IN ({' UNION '.join(branches)})"
    return dict(driver.fetch(connection, sql, tuple(params), replan=True))


_IN_JSON_ARRAY = "c.cell IN (SELECT value FROM json_each(?))"


def _chunks(items: Sequence[T]) -> list[list[T]]:
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

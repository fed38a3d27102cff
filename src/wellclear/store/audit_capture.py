"""Capture: SQLAlchemy session events that turn every change of an audited table into an
entry of the audit log (:mod:`wellclear.store.audit`), in the same transaction — no use case
has to remember to log.

- ``before_flush`` snapshots ORM rows about to be deleted; ``after_flush`` notes ORM inserts
  and updates (with the changed columns); ``do_orm_execute`` notes bulk ``insert``/``update``/
  ``delete`` statements on audited tables (updates run with ``synchronize_session="fetch"``
  and their matching rows are selected first; deletes snapshot their rows first).
- ``before_commit`` flushes, takes the noted rows as they are now (the flushed ORM object,
  or the row read back when a bulk statement touched its table: what commits is what is
  recorded, and a row inserted and deleted again is not), then appends one entry per changed
  row (:func:`wellclear.store.audit.append`: chain lock, head, entries).

Store code that inserts rows of an audited table as driver SQL (the filing's intent row:
the hot path) hands the row to :func:`note_inserted` in the same transaction. Not covered:
other SQL sent as text or on a raw connection (no code of ours writes audited tables that
way). Secrets never enter the log: columns named like ``salt``, ``*_hash``, ``*secret*``,
``*password*`` or ``*token*`` are left out of payloads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, event, inspect, or_, select
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
)
from sqlalchemy.orm import object_mapper as _object_mapper
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.sql.dml import Delete, Insert, Update

from wellclear.store.audit import Draft, append, canonical_json, rfc3339_us

AUDITED_TABLES = frozenset(
    {"parties", "api_keys", "intents", "conflicts", "notices", "hotline_messages", "alerts"}
)
_SECRET = re.compile(r"salt|_hash$|^hash$|secret|password|token", re.IGNORECASE)
_PARTY_COLUMN = re.compile(r"^party_id$|^party_[a-z]$|_party_id$|_party$")
_STATE_COLUMNS = ("state", "status")
_SET_VERBS = (  # (column, verb) when an update sets the column
    ("closed_at", "closed"),
    ("acked_at", "acked"),
    ("escalated", "escalated"),
    ("escalated_at", "escalated"),
    ("disabled", "disabled"),
    ("level", "raised"),
    ("expires_at", "expiring"),
)
IN_LIST_CHUNK = 500
_LEVELS = {"preventive": 0, "corrective": 1, "warning": 2}  # alert levels, low to high
_PENDING = "wellclear_audit_pending"
_BULK_TABLES = "wellclear_audit_bulk_tables"


def _plain(value: Any) -> Any:
    """A column value as JSON: datetimes RFC 3339 (µs), non-finite floats as strings."""
    if type(value) in _AS_IS:  # most columns: no further test
        return value
    if isinstance(value, datetime):
        return rfc3339_us(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # Decimal, and anything else


_AS_IS = frozenset({str, int, bool, type(None)})


# --- collecting changes --------------------------------------------------------------------------


@dataclass
class _Change:
    table: Table
    key: tuple[Any, ...]
    first: str  # "insert", "update", "delete" or "upsert": the first thing done to the row
    last: str
    changed: set[str] = field(default_factory=set)
    snapshot: dict[str, Any] | None = None  # the row before a delete
    obj: object | None = None  # the ORM object, when flushes noted every change
    bulk: bool = False  # a bulk statement changed the row too
    inserted: dict[str, Any] | None = None  # the row as driver SQL inserted it
    before: dict[str, Any] = field(default_factory=dict)  # changed columns' first old values


def _pending(session: Session) -> dict[tuple[str, tuple[Any, ...]], _Change]:
    found: dict[tuple[str, tuple[Any, ...]], _Change] = session.info.setdefault(_PENDING, {})
    return found


def _note(
    session: Session,
    table: Table,
    key: tuple[Any, ...],
    op: str,
    changed: Iterable[str] = (),
    snapshot: dict[str, Any] | None = None,
    obj: object | None = None,
    before: Mapping[str, Any] | None = None,
) -> None:
    pending = _pending(session)
    change = pending.get((table.name, key))
    if change is None:
        change = pending[(table.name, key)] = _Change(table, key, op, op)
    change.last = op
    change.changed.update(changed)
    for column, value in (before or {}).items():
        change.before.setdefault(column, value)
    if snapshot is not None:
        change.snapshot = snapshot
    if obj is None:
        change.bulk = True
        session.info.setdefault(_BULK_TABLES, set()).add(table.name)
    else:
        change.obj = obj


def note_inserted(
    session: Session, table: Table, key: tuple[Any, ...], row: dict[str, Any]
) -> None:
    """Record a row that driver SQL inserted, with every column's value as inserted (so it
    is not read back at the commit, unless a later statement changes it)."""
    pending = _pending(session)
    if (table.name, key) in pending:  # cannot happen for a fresh key; be exact if it does
        _note(session, table, key, "insert")
        return
    pending[(table.name, key)] = _Change(table, key, "insert", "insert", inserted=dict(row))


def _audited_table(obj: object) -> Table | None:
    table = _object_mapper(obj).local_table
    if isinstance(table, Table) and table.name in AUDITED_TABLES:
        return table
    return None


def _row_of(obj: object) -> dict[str, Any]:
    mapper = _object_mapper(obj)
    return {prop.columns[0].name: getattr(obj, prop.key) for prop in mapper.column_attrs}


def _key_of(obj: object) -> tuple[Any, ...]:
    return tuple(_object_mapper(obj).primary_key_from_instance(obj))


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    for obj in session.deleted:
        table = _audited_table(obj)
        if table is not None:
            _note(session, table, _key_of(obj), "delete", snapshot=_row_of(obj), obj=obj)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    for obj in session.new:
        table = _audited_table(obj)
        if table is not None:
            _note(session, table, _key_of(obj), "insert", obj=obj)
    for obj in session.dirty:
        table = _audited_table(obj)
        if table is None or not session.is_modified(obj, include_collections=False):
            continue
        mapper = _object_mapper(obj)
        changed, before = [], {}
        for prop in mapper.column_attrs:
            history = get_history(obj, prop.key)
            if history.has_changes():
                changed.append(prop.columns[0].name)
                if history.deleted:
                    before[prop.columns[0].name] = history.deleted[0]
        if changed:
            _note(session, table, _key_of(obj), "update", changed, obj=obj, before=before)


def _on_execute(state: ORMExecuteState) -> Any:
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return None
    table = statement.table
    if not isinstance(table, Table) or table.name not in AUDITED_TABLES:
        return None
    # An ORM statement's table carries the entity (selecting it would load objects).
    table = table.metadata.tables.get(table.fullname, table)
    if state.execution_options.get("wellclear_audit_seen"):
        return None
    session = state.session
    options = {"wellclear_audit_seen": True}
    if isinstance(statement, Update):
        return _bulk_update(state, table, statement, options)
    if isinstance(statement, Delete):
        return _bulk_delete(state, table, statement, options)
    return _bulk_insert(state, session, table, statement, options)


def _bulk_update(
    state: ORMExecuteState, table: Table, statement: Update, options: dict[str, Any]
) -> Any:
    changed = [_column_name(c) for c in getattr(statement, "_values", None) or ()]
    params = state.parameters
    if isinstance(params, list | tuple) and params:  # executemany: one UPDATE per set
        pk_names = [c.name for c in table.primary_key.columns]
        sets = [p for p in params if isinstance(p, Mapping)]
        if all(all(p.get(n) is not None for n in pk_names) for p in sets):  # by primary key
            noted = [(tuple(p[n] for n in pk_names), [*changed, *p.keys()]) for p in sets]
        else:
            noted = [
                (key, [*changed, *p.keys()])
                for p in sets
                for key, _row in _matching(state.session, table, statement, p)
            ]
        result = state.invoke_statement(execution_options=options)
        for key, columns in noted:
            _note(state.session, table, key, "update", columns)
        return result
    # The rows it will touch (locked on PostgreSQL), and those SQLAlchemy's own RETURNING
    # names for an ORM statement (synchronize_session="fetch"): together every row touched.
    bound = params if isinstance(params, Mapping) else None
    keys = [key for key, _row in _matching(state.session, table, statement, bound)]
    result = state.invoke_statement(
        execution_options={**options, "synchronize_session": "fetch"}
        if state.is_orm_statement
        else options
    )
    for key in [*keys, *_returned_keys(result)]:
        _note(state.session, table, key, "update", changed)
    return result


def _bulk_delete(
    state: ORMExecuteState, table: Table, statement: Delete, options: dict[str, Any]
) -> Any:
    params = state.parameters
    sets: list[Mapping[str, Any] | None] = (
        [p for p in params if isinstance(p, Mapping)]
        if isinstance(params, list | tuple)
        else [params if isinstance(params, Mapping) else None]
    )
    before = {
        key: row for bound in sets for key, row in _matching(state.session, table, statement, bound)
    }
    result = state.invoke_statement(execution_options=options)
    for key, row in before.items():
        _note(state.session, table, key, "delete", snapshot=row)
    return result


def _bulk_insert(
    state: ORMExecuteState,
    session: Session,
    table: Table,
    statement: Insert,
    options: dict[str, Any],
) -> Any:
    op = "upsert" if getattr(statement, "_post_values_clause", None) is not None else "insert"
    pk_names = [c.name for c in table.primary_key.columns]
    params = state.parameters
    rows: list[Mapping[str, Any]] = []
    if isinstance(params, Mapping):
        rows = [params]
    elif isinstance(params, list | tuple):
        rows = [p for p in params if isinstance(p, Mapping)]
    given = [tuple(r.get(n) for n in pk_names) for r in rows]
    if rows and all(None not in key for key in given):
        result = state.invoke_statement(execution_options=options)
        for key in given:
            _note(session, table, key, op)
        return result
    # Keys made by the database: ask for them back.
    returning = statement.returning(*table.primary_key.columns)
    result = state.invoke_statement(statement=returning, execution_options=options)
    frozen = result.freeze()
    for row in frozen().all():
        _note(session, table, tuple(row), op)
    return frozen()


def _matching(
    session: Session,
    table: Table,
    statement: Update | Delete,
    bound: Mapping[str, Any] | None = None,
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The rows a bulk statement will touch, with their columns (locked on PostgreSQL);
    ``bound``: the statement's parameters, for criteria with bound parameters."""
    query = select(table)
    where = statement.whereclause
    if where is not None:
        query = query.where(where)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    params = dict(bound) if bound else {}  # those the criteria do not name are ignored
    found = session.execute(query, params, execution_options={"wellclear_audit_seen": True})
    pk_names = [c.name for c in table.primary_key.columns]
    return [(tuple(row[n] for n in pk_names), dict(row)) for row in (r._mapping for r in found)]


def _column_name(column: Any) -> str:
    if isinstance(column, str):
        return column
    return str(getattr(column, "name", None) or getattr(column, "key", column))


def _returned_keys(result: Any) -> list[tuple[Any, ...]]:
    rows = getattr(result, "returned_defaults_rows", None) or ()
    return [tuple(row) for row in rows]


# --- at the commit: noted changes become entries -------------------------------------------------


def _before_commit(session: Session) -> None:
    session.flush()  # the last changes (a delete is noted only when flushed)
    if not session.info.get(_PENDING):
        return
    pending = session.info.pop(_PENDING, {})
    bulk_tables = session.info.pop(_BULK_TABLES, set())
    drafts = _drafts(session, list(pending.values()), bulk_tables)
    if drafts:
        append(session, drafts)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Only when the whole transaction ends: a savepoint rolled back leaves the rest to record
    # (rows it took back are skipped at commit, which reads every noted row again).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_BULK_TABLES, None)
    elif transaction.nested:  # a savepoint may have taken back rows inserted as driver SQL:
        for change in _pending(session).values():  # read them at commit, like the others
            change.inserted = None


def _drafts(session: Session, changes: list[_Change], bulk_tables: set[str]) -> list[Draft]:
    known = {id(c): _flushed_state(c, bulk_tables) for c in changes}
    current = _current_rows(session, [c for c in changes if known[id(c)] is _UNKNOWN])
    drafts: list[Draft] = []
    for change in changes:
        state = known[id(change)]
        row = current.get((change.table.name, change.key)) if state is _UNKNOWN else state
        if change.last == "delete":
            if row is not None or change.first == "insert":
                continue  # restored by a savepoint rollback, or never visible
            op, values = "delete", change.snapshot
        elif row is None:
            continue  # gone again (deleted by SQL we did not see, or rolled back)
        else:
            op = change.first if change.first in ("insert", "upsert") else "update"
            values = row
        drafts.append(_draft(change, op, values))
    return drafts


_UNKNOWN: Any = object()


def _flushed_state(change: _Change, bulk_tables: set[str]) -> Any:
    """The row as the session flushed it (``None``: deleted), when only flushes touched it
    and the object holds every column; else :data:`_UNKNOWN` (read the database)."""
    if change.inserted is not None and change.obj is None and not change.bulk:
        return _UNKNOWN if change.table.name in bulk_tables else change.inserted
    if change.obj is None or change.bulk or change.table.name in bulk_tables:
        return _UNKNOWN
    state = inspect(change.obj)
    if change.last == "delete":
        return None if state.deleted or state.was_deleted else _UNKNOWN
    if not state.persistent or state.expired_attributes:
        return _UNKNOWN
    loaded = state.dict
    row: dict[str, Any] = {}
    for prop in state.mapper.column_attrs:
        if prop.key not in loaded:
            return _UNKNOWN
        row[prop.columns[0].name] = loaded[prop.key]
    return row


def _draft(change: _Change, op: str, values: dict[str, Any] | None) -> Draft:
    table = change.table
    columns = _shown_columns(table)
    shown = {name: _plain(value) for name, value in (values or {}).items() if name in columns}
    action = f"{table.name}.{_verb(op, change.changed, shown, change.before)}"
    payload: dict[str, Any] = {"table": table.name, "op": op, "row": shown if values else None}
    if op == "update":
        payload["changed"] = sorted(c for c in change.changed if not _SECRET.search(c))
    subject = f"{table.name}:" + "/".join(str(part) for part in change.key)
    return Draft(
        action, subject, _parties_of(table, values or {}, change.key), canonical_json(payload)
    )


def _verb(op: str, changed: set[str], row: Mapping[str, Any], before: Mapping[str, Any]) -> str:
    """What an update did, in the domain's words where the changed columns say it."""
    if op != "update":
        return op
    for column in _STATE_COLUMNS:  # intents.ended, conflicts.resolved
        if column in changed and isinstance(row.get(column), str):
            return str(row[column])
    if "level" in changed and _rank(row.get("level")) < _rank(before.get("level")):
        return "lowered"  # an alert (and its notices) eased; a rise is "raised"
    for column, verb in _SET_VERBS:
        if column in changed and row.get(column) not in (None, False):
            return verb
    if "disabled" in changed and row.get("disabled") is False:
        return "enabled"
    return "update"


def _rank(level: object) -> int:
    return _LEVELS.get(level, -1) if isinstance(level, str) else -1


def _parties_of(table: Table, values: Mapping[str, Any], key: tuple[Any, ...]) -> list[int]:
    found: set[int] = set()
    if table.name == "parties" and key and isinstance(key[0], int):
        found.add(key[0])
    for name in _party_columns(table):
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return sorted(found)


@cache
def _shown_columns(table: Table) -> frozenset[str]:
    """The table's columns a payload shows: all but secrets (salts, hashes, tokens)."""
    return frozenset(column.name for column in table.columns if not _SECRET.search(column.name))


@cache
def _party_columns(table: Table) -> tuple[str, ...]:
    """The columns naming a party: a foreign key to ``parties``, or a party-like name."""
    return tuple(
        column.name
        for column in table.columns
        if any(fk.column.table.name == "parties" for fk in column.foreign_keys)
        or _PARTY_COLUMN.search(column.name)
    )


def _current_rows(
    session: Session, changes: list[_Change]
) -> dict[tuple[str, tuple[Any, ...]], dict[str, Any]]:
    by_table: dict[str, tuple[Table, list[tuple[Any, ...]]]] = {}
    for change in changes:
        by_table.setdefault(change.table.name, (change.table, []))[1].append(change.key)
    found: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}
    for name, (table, keys) in by_table.items():
        pk = list(table.primary_key.columns)
        for start in range(0, len(keys), IN_LIST_CHUNK):
            chunk = keys[start : start + IN_LIST_CHUNK]
            where: ColumnElement[bool]
            if len(pk) == 1:
                where = pk[0].in_([k[0] for k in chunk])
            else:
                where = or_(*(and_(*(c == v for c, v in zip(pk, k, strict=True))) for k in chunk))
            rows = session.connection().execute(select(table).where(where))
            for row in rows:
                mapping = dict(row._mapping)
                found[(name, tuple(mapping[c.name] for c in pk))] = mapping
    return found


# --- registration --------------------------------------------------------------------------------

_LISTENERS: tuple[tuple[str, Any], ...] = (
    ("before_flush", _before_flush),
    ("after_flush", _after_flush),
    ("do_orm_execute", _on_execute),
    ("before_commit", _before_commit),
    ("after_transaction_end", _forget),
)


def install() -> None:
    """Record changes of the audited tables made in any :class:`Session` (idempotent)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def uninstall() -> None:
    """Stop recording (for measuring the log's cost; nothing in the service calls this)."""
    for name, listener in _LISTENERS:
        if event.contains(Session, name, listener):
            event.remove(Session, name, listener)


def is_installed() -> bool:
    return event.contains(Session, "before_commit", _before_commit)

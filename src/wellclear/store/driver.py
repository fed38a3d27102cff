"""Statements as driver SQL, built once per dialect: a table's insert with its bind
processors, for the rows every filing writes, and a prebuilt select with its result
processors, for the lookup every request makes (a compiled Core or ORM statement costs
several times the driver's own work).

:func:`execute` and :func:`fetch` send SQL on a SQLAlchemy connection's driver connection,
in its transaction, without SQLAlchemy's execution context: ``exec_driver_sql`` spent
~40 µs per statement around the driver's ~2 µs on SQLite, and a filing sends eight or more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Select, Table
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import DBAPIError


def execute(connection: Connection, sql: str, params: Any = (), *, many: bool = False) -> None:
    """``sql`` (for each of ``params`` with ``many``) in ``connection``'s transaction."""
    _cursor(connection, sql, params, many, False).close()


def fetch(
    connection: Connection, sql: str, params: Any = (), *, replan: bool = False
) -> list[tuple[Any, ...]]:
    """Every row ``sql`` returns, in ``connection``'s transaction.

    ``replan``: plan each call for its own values. psycopg prepares a statement sent five
    times, and PostgreSQL may then keep one generic plan, chosen while a table was small:
    for the candidate query that became a scan of every cell row (13 ms instead of 1.5).
    """
    cursor = _cursor(connection, sql, params, False, replan)
    try:
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal (``'{1,2,3}'``) of numbers, booleans or strings (one type
    per array), to send with a cast (``%s::bigint[]``): psycopg dumps a Python list element
    by element in Python, ~1 ms of a filing's cells insert and candidate query.

    >>> array_literal([608787259612725247, 2])
    '{608787259612725247,2}'
    >>> print(array_literal(['say "hi"', "a b", 'say "hi"']), array_literal([True, False]))
    {"say \\"hi\\"","a b","say \\"hi\\""} {true,false}
    """
    if not values:
        return "{}"
    if None in values:
        raise ValueError("an array literal here holds no NULL")
    first = values[0]
    if isinstance(first, bool):
        return "{" + ",".join(["false", "true"][value] for value in values) + "}"
    if isinstance(first, int | float):  # numpy's numbers too: str is their plain form
        return "{" + ",".join(map(str, values)) + "}"
    quoted = {value: _quoted(str(value)) for value in set(values)}  # columns repeat values
    return "{" + ",".join(quoted[value] for value in values) + "}"


def integer_array(dialect: Dialect, values: Sequence[int]) -> str:
    """Integers as one parameter, the same text on every call: for PostgreSQL an array
    literal (cast it, ``%s::bigint[]``), for SQLite a JSON array (read it with ``json_each``).

    >>> from sqlalchemy.dialects import postgresql, sqlite
    >>> integer_array(postgresql.dialect(), [1, 2]), integer_array(sqlite.dialect(), [1, 2])
    ('{1,2}', '[1,2]')
    """
    listed = ",".join(map(str, values))  # H3 cells fit both: 64-bit signed integers
    return "{" + listed + "}" if dialect.name == "postgresql" else "[" + listed + "]"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cursor(connection: Connection, sql: str, params: Any, many: bool, replan: bool) -> DBAPICursor:
    """A cursor that has run ``sql``. The caller is in a transaction (a session's connection,
    or the begin event sending ``BEGIN``): on SQLite a bare connection would autocommit."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None  # a connection in a transaction holds its driver's
    try:
        return _run(connection.dialect, dbapi, sql, params, many, replan)
    except DBAPIError as error:
        if error.connection_invalidated:  # as SQLAlchemy does: the pool must not reuse it
            connection.invalidate(error.orig)
        raise


def _run(
    dialect: Dialect, dbapi: DBAPIConnection, sql: str, params: Any, many: bool, replan: bool
) -> DBAPICursor:
    """A driver cursor that has run ``sql``; a driver error is raised as SQLAlchemy's own type
    (IntegrityError, OperationalError, …), as ``exec_driver_sql`` would have raised it, so
    callers and retries see the same exceptions."""
    cursor = dbapi.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        elif replan and dialect.name == "postgresql":
            psycopg_cursor: Any = cursor  # psycopg's execute takes prepare=
            psycopg_cursor.execute(sql, params, prepare=False)
        else:
            cursor.execute(sql, params)
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, dbapi, cursor)
        cursor.close()
        raise _wrapped(dialect, sql, params, error, lost) from error
    return cursor


def _wrapped(dialect: Dialect, sql: str, params: Any, error: Exception, lost: bool) -> Exception:
    wrapped = DBAPIError.instance(
        sql, params, error, dialect.loaded_dbapi.Error, connection_invalidated=lost,
        dialect=dialect,
    )  # fmt: skip
    assert isinstance(wrapped, Exception)
    return wrapped


@dataclass(frozen=True, slots=True)
class DriverInsert:
    """``INSERT INTO table (every column) VALUES (...)`` in one dialect's parameter style."""

    sql: str
    columns: tuple[str, ...]
    binds: tuple[Callable[[Any], Any] | None, ...]  # each column type's own bind processing

    def params(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """``row``'s values (every column named) as the driver takes them."""
        return tuple(
            value if bind is None or value is None else bind(value)
            for bind, value in zip(self.binds, (row[c] for c in self.columns), strict=True)
        )

    def run(self, connection: Connection, row: Mapping[str, Any]) -> None:
        execute(connection, self.sql, self.params(row))

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            execute(connection, self.sql, [self.params(row) for row in rows], many=True)


_BUILT: dict[tuple[str, str], DriverInsert] = {}


def insert_of(dialect: Dialect, table: Table) -> DriverInsert:
    key = (dialect.name, table.name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = _build(dialect, table)
    return found


def _build(dialect: Dialect, table: Table) -> DriverInsert:
    mark = "%s" if dialect.name == "postgresql" else "?"
    columns = tuple(column.name for column in table.columns)
    binds = tuple(
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns
    )  # dialect_impl: SQLite's datetimes go as its own text form, as the ORM writes them
    quote = dialect.identifier_preparer.quote
    names, marks = ", ".join(quote(c) for c in columns), ", ".join([mark] * len(columns))
    return DriverInsert(
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", columns, binds
    )


@dataclass(frozen=True, slots=True)
class DriverSelect:
    """A select's text in one dialect's parameter style, and each result column's processing
    (SQLite's datetimes come back as text, its booleans as integers)."""

    sql: str
    names: tuple[str, ...] | None  # the parameters in order (positional styles), else None
    results: tuple[Callable[[Any], Any] | None, ...]

    def first(
        self, dialect: Dialect, connection: DBAPIConnection, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The first row for ``params`` (by name), as the ORM would have typed it."""
        bound = params if self.names is None else tuple(params[name] for name in self.names)
        cursor = _run(dialect, connection, self.sql, bound, False, False)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(
            value if result is None or value is None else result(value)
            for result, value in zip(self.results, row, strict=True)
        )


@dataclass(frozen=True, slots=True)
class DriverConnection:
    """A driver's own connection and its dialect, for prebuilt selects."""

    dialect: Dialect
    dbapi: DBAPIConnection

    def first(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        return select_of(self.dialect, statement).first(self.dialect, self.dbapi, params)


_SELECTS: dict[tuple[str, int], tuple[Select[*tuple[Any, ...]], DriverSelect]] = {}


def select_of(dialect: Dialect, statement: Select[*tuple[Any, ...]]) -> DriverSelect:
    """``statement`` for ``dialect``. Meant for module-level constants: cached by identity
    (the statement is kept with its entry, so a new statement never finds an old one's)."""
    key = (dialect.name, id(statement))
    cached = _SELECTS.get(key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    compiled = statement.compile(dialect=dialect)
    literal = sorted(name for name, bind in compiled.binds.items() if bind.value is not None)
    if literal:  # their values would need SQLAlchemy's bind processing, which this skips
        raise ValueError(f"a driver select takes only named parameters, not values: {literal}")
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    built = DriverSelect(str(compiled), names, results)
    _SELECTS[key] = (statement, built)
    return built

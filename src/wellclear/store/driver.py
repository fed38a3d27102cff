"""Inserts as driver SQL: a table's statement text and bind processors, built once per
dialect, for the rows every filing writes (a compiled Core or ORM insert costs several
times the driver's own work)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table


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
        connection.exec_driver_sql(self.sql, self.params(row))

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            connection.exec_driver_sql(self.sql, [self.params(row) for row in rows])


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

"""Writers that could conflict serialise on the cells they cover; writers far apart never wait.

On PostgreSQL each cell (a 64-bit H3 index, below 2**63) is a transaction-scoped advisory
lock key, taken in ascending order so two writers cannot deadlock. On SQLite the writing
transaction already holds the database's single write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger

_LOCK_IN_ORDER = text(
    "SELECT pg_advisory_xact_lock(cell) FROM unnest(:cells) WITH ORDINALITY AS t(cell, n) "
    "ORDER BY n"
).bindparams(bindparam("cells", type_=ARRAY(BigInteger)))


def lock_cells(session: Session, cells: Iterable[int]) -> None:
    """Hold the cells' locks until the transaction ends (no-op on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ordered = sorted(set(cells))
    if ordered:
        session.execute(_LOCK_IN_ORDER, {"cells": ordered})

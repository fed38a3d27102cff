"""Which server process runs the monitor: exactly one at a time.

PostgreSQL: the leader holds a session-level advisory lock (``pg_try_advisory_lock``, the
two-integer key space, so it never meets the cell locks' single-key space) on a connection
of its own, kept out of the pool while it leads. Other processes try again every cycle; when
the leader dies its connection closes, the server frees the lock and the next try wins.
Each :meth:`Leadership.acquire` by the leader checks its connection still answers, so a
leader that lost its database connection (and so the lock) steps down.

SQLite: the leader holds an exclusive ``flock`` on a file beside the database
(``store.leader_file``), which the kernel frees when the process dies; an in-memory database
has one process, which leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from wellclear.store import Database
from wellclear.store.leader_file import LeaderFile, leader_file

MONITOR_LOCK = (0x57434C52, 1)  # "WCLR", the monitor
log = logging.getLogger("wellclear.monitor")


class Leadership:
    """Try to lead (:meth:`acquire`), step down (:meth:`release`)."""

    def __init__(self, database: Database, lock: tuple[int, int] = MONITOR_LOCK) -> None:
        self.database = database
        self.lock = lock
        self._connection: Connection | None = None
        self._file: LeaderFile | None = None  # SQLite: found at the first try
        self._file_found = False
        self._file_error: str | None = None  # the last one logged

    def acquire(self) -> bool:
        """Whether this process leads now (taking the lead if it is free)."""
        if self.database.is_sqlite:
            return self._try_file_lock()
        if self._connection is not None:
            return self._still_leading()
        try:
            connection = self.database.engine.connect()
        except SQLAlchemyError as error:
            log.warning("monitor cannot reach the database: %s", error)
            return False
        try:
            query = text("SELECT pg_try_advisory_lock(:a, :b)")
            won = bool(connection.execute(query, {"a": self.lock[0], "b": self.lock[1]}).scalar())
            connection.commit()
        except SQLAlchemyError as error:
            log.warning("monitor cannot try the leader lock: %s", error)
            connection.invalidate()
            connection.close()
            return False
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def _try_file_lock(self) -> bool:
        try:
            if not self._file_found:
                self._file, self._file_found = leader_file(self.database), True
            return self._file is None or self._file.try_lock()
        except (OSError, SQLAlchemyError) as error:  # e.g. a read-only directory
            if str(error) != self._file_error:  # once, not every cycle
                log.warning("monitor cannot take the leader file lock: %s", error)
            self._file_error = str(error)
            return False

    def _still_leading(self) -> bool:
        assert self._connection is not None
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except SQLAlchemyError as error:
            log.warning("monitor leader lost its database connection: %s", error)
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Step down (unlock, give the connection back)."""
        if self._file is not None:
            self._file.unlock()
        if self._connection is None:
            return
        try:
            query = text("SELECT pg_advisory_unlock(:a, :b)")
            self._connection.execute(query, {"a": self.lock[0], "b": self.lock[1]})
            self._connection.commit()
            self._connection.close()
        except SQLAlchemyError:
            self._drop()
        self._connection = None

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()  # the session (and any lock it held) is gone
                self._connection.close()
            except SQLAlchemyError:
                pass
        self._connection = None

"""The monitor's leader lock on a SQLite file: an exclusive ``flock`` on a file beside it.

PostgreSQL leaders hold an advisory lock (``service.leader``). SQLite has none, so every
process serving one file used to lead, each writing the same alerts. The kernel releases a
``flock`` when its holder dies, as PostgreSQL frees a dead session's lock, so a follower's
next try wins. The lock is on a file of its own, not on the database: SQLite's own (POSIX)
locks on the database would be dropped when any other descriptor of it in the process closed.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from wellclear.store.database import Database

SUFFIX = "-leader"  # beside SQLite's own -wal and -shm


class LeaderFile:
    """``try_lock`` takes the lock if it is free (and keeps it); ``unlock`` gives it back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_lock(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the lock
            self._fd = None


def leader_file(database: Database) -> LeaderFile | None:
    """The lock file beside a SQLite database, where SQLite itself has the file (any URL
    form, symlinks resolved, as its ``-wal`` goes); None for an in-memory database."""
    with database.engine.connect() as connection:
        listed = connection.exec_driver_sql("PRAGMA database_list").all()
    path = next((row[2] for row in listed if row[1] == "main"), "")
    return LeaderFile(Path(f"{path}{SUFFIX}")) if path else None

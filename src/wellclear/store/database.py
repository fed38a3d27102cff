"""One database, SQLite or PostgreSQL, behind the same two kinds of transaction.

- :meth:`Database.reading` — a plain transaction for queries (:meth:`Database.querying`:
  the same on a bare connection, for the statements every request runs).
- :meth:`Database.writing` — a transaction that may change data. On SQLite it starts with
  ``BEGIN IMMEDIATE`` (one writer at a time, so reads inside it are never stale); on
  PostgreSQL it runs at READ COMMITTED and writers that could conflict serialise on cell
  locks (:mod:`wellclear.store.locks`).

SQLite files run in WAL mode with a busy timeout, so readers never wait for the writer.
Writers of one process queue on a lock of their own before ``BEGIN IMMEDIATE``: SQLite's
busy handler polls with sleeps of up to 100 ms, so threads left to it wait far longer than
the write takes (the busy timeout still orders writers of different processes).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from wellclear.store import driver
from wellclear.store.driver import DriverConnection

DEFAULT_DATABASE_URL = "sqlite:///./wellclear.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
MAX_ATTEMPTS = 5
SQLITE_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: the committing write checkpoints
CHECKPOINT_EVERY_S = 0.25  # with checkpoints apart (a server): how often the thread runs

T = TypeVar("T")
log = logging.getLogger("wellclear.store")


@dataclass(frozen=True, slots=True)
class Database:
    """An engine and the two ways to run a transaction on it."""

    engine: Engine
    _writer: Engine = field(init=False, repr=False, compare=False)
    _write_turn: AbstractContextManager[object] = field(init=False, repr=False, compare=False)
    _own: _ThreadConnections | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_writer", self.engine.execution_options(wellclear_begin="IMMEDIATE")
        )
        turn = threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext()
        object.__setattr__(self, "_write_turn", turn)
        # A SQLite file's pool hands out connections to one file: see _ThreadConnections.
        file_pool = self.is_sqlite and isinstance(self.engine.pool, QueuePool)
        own = _ThreadConnections(self.engine, self._writer) if file_pool else None
        object.__setattr__(self, "_own", own)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def one_writer(self) -> bool:
        """Writes take turns (SQLite): a check before the write lock would only be done
        again under it, and nothing waits on a writer's locks but the next writer."""
        return self.is_sqlite

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction for queries; rolled back at the end."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def querying(self) -> Iterator[DriverConnection]:
        """A driver connection for the prebuilt selects every request runs
        (:mod:`wellclear.store.driver`): on a SQLite file this thread's own, else a pooled
        one, which the pool rolls back when it returns."""
        if self._own is not None:
            try:
                yield self._own.reader()
            except DBAPIError:  # the next select gets a fresh connection
                self._own.forget_reader()
                raise
            return
        with self.engine.connect() as connection:
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None  # a checked-out connection holds its driver's
            yield DriverConnection(self.engine.dialect, dbapi)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that commits at the end of the block, or rolls back on an exception."""
        with (
            self._write_turn,
            nullcontext(self._writer) if self._own is None else self._own.writer() as bind,
            Session(bind, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def checkpoints_apart(self) -> Iterator[None]:
        """While the block runs, a SQLite file's WAL is checkpointed by a thread of its own
        every ``CHECKPOINT_EVERY_S`` instead of by the write that crosses 1,000 pages.

        That write paid for copying the pages into the database and two fsyncs: 31 of 4,000
        spread filings took over 10 ms, up to 53 ms, against 2-4 (11 ms) without checkpoints
        (in-process); in a server every filing queued behind it waited too. Checkpoints run
        PASSIVE (they never block a writer or a reader); the WAL still restarts from its
        beginning once one has caught up. Elsewhere (PostgreSQL, memory) it does nothing.
        """
        with nullcontext() if self._own is None else self._own.checkpoints_apart():
            yield

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a writing transaction, retrying on deadlock or serialization failure."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.writing() as session:
                    return work(session)
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or not _retryable(error):
                    raise
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        if self._own is not None:
            self._own.close()
        self.engine.dispose()


class _ThreadConnections:
    """A SQLite file's connections kept by thread, out of the pool's turnover.

    - A reader per thread, for the prebuilt selects (the key lookup of every request): a
      checkout and a check-in cost the event loop more than the lookup (~12 % of its share
      of a filing, py-spy). It autocommits and the prebuilt selects close their cursors, so
      each select is a read of its own that sees every commit before it and holds no
      snapshot after.
    - One writer, kept checked out between transactions: a checkout, a check-in and a new
      :class:`Connection` for each write cost ~3 % of a filing's instructions. Writes take
      turns (the database's write turn), so every writing thread uses it in turn; after a
      write that failed it goes back to the pool, which rolls it back.

    - While a server runs (:meth:`checkpoints_apart`), a thread of its own checkpointing the
      WAL, and the writer never does.

    A thread's reader closes when the thread ends (its ``threading.local`` goes) or at
    :meth:`close` (the calling thread's); the writer at :meth:`close`.
    """

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine, self._writer_engine = engine, writer
        self._local = threading.local()
        self._writer: Connection | None = None  # used under the database's write turn only
        self._writer_autocheckpoint = SQLITE_AUTOCHECKPOINT_PAGES
        self._writer_taken = False
        self._checkpoints_apart = False  # then the writer never checkpoints (see Database)

    def reader(self) -> DriverConnection:
        reader: DriverConnection | None = getattr(self._local, "reader", None)
        if reader is None:
            fairy = _detached(self._engine)  # it lives as long as this thread
            assert fairy.dbapi_connection is not None
            reader = DriverConnection(self._engine.dialect, fairy.dbapi_connection)
            self._local.fairy = fairy  # kept, so no collection closes it under the reader
            self._local.reader = reader
        return reader

    def forget_reader(self) -> None:
        """Close this thread's reader (after an error): the next select opens another."""
        self._local.__dict__.pop("fairy", None)
        reader: DriverConnection | None = self._local.__dict__.pop("reader", None)
        if reader is not None:
            with contextlib.suppress(Exception):  # it may have failed already
                reader.dbapi.close()

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """The writer, for one transaction (under the database's write turn). A failed
        COMMIT or ROLLBACK can leave it inside its transaction, which only a pool's reset on
        check-in undoes: after any failure it goes back to the pool."""
        if self._writer_taken:  # a writing() inside another of this thread: it would join
            raise RuntimeError("a write transaction is already open on this thread")
        writer = self._writer
        if writer is None or writer.invalidated or writer.closed:
            writer = self._writer = self._writer_engine.connect()
            self._writer_autocheckpoint = SQLITE_AUTOCHECKPOINT_PAGES
        pages = 0 if self._checkpoints_apart else SQLITE_AUTOCHECKPOINT_PAGES
        if pages != self._writer_autocheckpoint:
            dbapi = writer.connection.dbapi_connection
            assert dbapi is not None  # a connected Connection holds its driver's
            dbapi.execute(f"PRAGMA wal_autocheckpoint={pages}")  # outside any transaction
            self._writer_autocheckpoint = pages
        self._writer_taken = True
        try:
            yield writer
        except BaseException:
            self.drop_writer()
            raise
        finally:
            self._writer_taken = False

    @contextmanager
    def checkpoints_apart(self) -> Iterator[None]:
        """The WAL checkpointed by a thread of its own, the writer never checkpointing."""
        checkpointer = _Checkpointer(self._engine)
        self._checkpoints_apart = True
        try:
            yield
        finally:
            self._checkpoints_apart = False
            checkpointer.stop()

    def drop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None and not writer.closed:
            writer.close()  # back to the pool, which rolls back whatever is left open

    def close(self) -> None:
        """Close the writer and the calling thread's reader (others close with their
        threads)."""
        self.drop_writer()
        self.forget_reader()


class _Checkpointer:
    """A thread checkpointing a SQLite file's WAL (PASSIVE) on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self._fairy = _detached(engine)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wellclear-checkpoint",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def _run(self) -> None:
        connection = self._fairy.dbapi_connection
        assert connection is not None
        try:
            while not self._stopping.wait(CHECKPOINT_EVERY_S):
                self._checkpoint(connection)
            self._checkpoint(connection)  # what the last writes left
        finally:
            connection.close()

    @staticmethod
    def _checkpoint(connection: Any) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception as error:  # the next pass tries again
            log.warning("WAL checkpoint failed: %s", error)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _detached(engine: Engine) -> Any:
    """A connection made as the pool makes them (WAL, timeouts, pragmas), no longer the
    pool's: its holder keeps it (the fairy too, so no collection closes it) and closes it."""
    fairy = engine.raw_connection()
    fairy.detach()
    return fairy


def _retryable(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def open_database(url: str = DEFAULT_DATABASE_URL, *, pool_size: int = 10) -> Database:
    """A :class:`Database` for a SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``)."""
    if url.startswith("sqlite"):
        return Database(_sqlite_engine(url))
    engine = create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size, pool_pre_ping=True)
    return Database(engine)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin) instead of pysqlite's own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("wellclear_begin", "DEFERRED")
    driver.execute(connection, f"BEGIN {mode}")

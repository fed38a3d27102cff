"""Driver SQL behaves as SQLAlchemy's own would: the same exception types (the filing's
duplicate path and the write retries rely on them) and the same typed results."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import bindparam, exc, select, text

from wellclear.service import Role, add_party
from wellclear.store import driver, open_database
from wellclear.store.database import Database
from wellclear.store.migrate import upgrade
from wellclear.store.models import PartyRow
from wellclear.store.parties import expire_keys, find_key


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(database_url)
    yield opened
    opened.dispose()


def test_a_constraint_violation_is_sqlalchemys_integrity_error(database: Database) -> None:
    insert = f"INSERT INTO once (k) VALUES ({'%s' if database.is_postgresql else '?'})"
    with database.writing() as session:
        connection = session.connection()
        driver.execute(connection, "CREATE TEMPORARY TABLE once (k INTEGER PRIMARY KEY)")
        driver.execute(connection, insert, [(1,), (2,)], many=True)
        assert driver.fetch(connection, "SELECT k FROM once ORDER BY k") == [(1,), (2,)]
        with pytest.raises(exc.IntegrityError):
            driver.execute(connection, insert, (1,))
        session.rollback()


def test_a_syntax_error_names_the_statement(database: Database) -> None:
    with database.reading() as session:
        connection = session.connection()
        with pytest.raises(exc.DBAPIError) as raised:
            driver.fetch(connection, "SELECT nonsense FROM nowhere")
    assert "nowhere" in str(raised.value)


def test_a_busy_sqlite_writer_is_an_operational_error_the_retries_know(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    first, second = open_database(url), open_database(url)
    try:
        with first.writing() as session:
            session.connection()  # BEGIN IMMEDIATE: the file's write lock is held
            with second.engine.connect() as other:
                other.exec_driver_sql("PRAGMA busy_timeout=0")
                with pytest.raises(exc.OperationalError, match="database is locked"):
                    driver.execute(other, "BEGIN IMMEDIATE")
    finally:
        first.dispose()
        second.dispose()


def test_the_key_lookup_types_its_columns_as_the_orm_does(database: Database) -> None:
    key = add_party(database, "blue-air", Role.OPERATOR).key
    key_id = key.split("_")[1]
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with database.querying() as connection:
        found = find_key(connection, key_id)
    assert found is not None
    assert (found.party_name, found.role, found.disabled, found.expires_at) == (
        "blue-air", "operator", False, None,
    )  # fmt: skip
    with database.writing() as session:
        expire_keys(session, found.party_id, moment)
    with database.querying() as connection:
        expiring = find_key(connection, key_id)
        assert find_key(connection, "0" * 16) is None
    assert expiring is not None
    assert expiring.expires_at == moment
    assert expiring.expires_at - moment == timedelta(0)  # an aware datetime, as stored


def test_a_driver_select_refuses_values_it_could_not_bind_as_sqlalchemy_would(
    database: Database,
) -> None:
    with_value = select(PartyRow.id).where(PartyRow.name == "blue-air")
    with pytest.raises(ValueError, match="only named parameters"):
        driver.select_of(database.engine.dialect, with_value)
    named = select(PartyRow.id).where(PartyRow.name == bindparam("name"))
    add_party(database, "blue-air", Role.OPERATOR)
    with database.querying() as connection:
        assert connection.first(named, {"name": "blue-air"}) is not None
        assert connection.first(named, {"name": "red-air"}) is None


@pytest.mark.parametrize(
    ("values", "cast"),
    [
        ([608787259612725247, -1, 0], "bigint[]"),
        ([581.7821872831423, 1e-05, 1e20, -0.0], "float8[]"),
        ([1, 2.5], "float8[]"),
        ([True, False, True], "boolean[]"),
        (["eee1a429-c2ae", 'say "hi"', "back\\slash", "a,b", "{}", "", "NULL"], "varchar[]"),
        ([], "bigint[]"),
    ],
)
def test_an_array_literal_reads_back_as_the_values(postgres_url: str, values, cast) -> None:
    """PostgreSQL reads :func:`driver.array_literal` back as the very values (quoting included)."""
    opened = open_database(postgres_url)
    try:
        with opened.reading() as session:
            sql = f"SELECT %s::{cast}"
            (row,) = driver.fetch(session.connection(), sql, (driver.array_literal(values),))
    finally:
        opened.dispose()
    assert row[0] == values


def test_a_replanned_query_is_never_prepared_and_others_are(postgres_url: str) -> None:
    """psycopg prepares a statement from its sixth run, and PostgreSQL may then keep one
    generic plan; the candidate query asks to be planned for each call's own cells."""
    opened = open_database(postgres_url)
    try:
        with opened.reading() as session:
            connection = session.connection()
            for replan, sql in ((True, "SELECT %s::bigint + 1"), (False, "SELECT %s::bigint + 2")):
                for n in range(8):
                    assert driver.fetch(connection, sql, (n,), replan=replan) == [
                        (n + 1 + (not replan),)
                    ]
            prepared = driver.fetch(connection, "SELECT statement FROM pg_prepared_statements")
    finally:
        opened.dispose()
    texts = " ".join(statement for (statement,) in prepared)
    assert "+ 2" in texts
    assert "+ 1" not in texts


def test_an_array_literal_refuses_null_and_writes_numpy_numbers_plainly() -> None:
    with pytest.raises(ValueError, match="no NULL"):
        driver.array_literal([1, None])
    assert driver.array_literal([np.float64(1.5), np.int64(7)]) == "{1.5,7}"


def test_sqlite_selects_run_on_one_connection_per_thread_that_holds_no_snapshot(
    tmp_path,
) -> None:
    """On a SQLite file each thread keeps its own connection for the prebuilt selects, out
    of the pool; every select sees the commits before it, and none leaves a read open (a
    TRUNCATE checkpoint, which waits for no reader, empties the WAL right after one)."""
    database = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(database)
    try:
        with database.querying() as first, database.querying() as again:
            assert first.dbapi is again.dbapi
        seen: list[object] = []
        other = threading.Thread(target=lambda: seen.append(_reader_of(database)))
        other.start()
        other.join()
        assert seen
        assert seen[0] is not first.dbapi
        for number in range(3):  # each key added after the reader opened is found at once
            key = add_party(database, f"p-{number}", Role.OPERATOR).key
            with database.querying() as connection:
                found = find_key(connection, key.split("_")[1])
            assert found is not None
            assert found.party_name == f"p-{number}"
            with database.engine.connect() as writer:
                busy, _, _ = writer.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            assert busy == 0, "a select left a read transaction open"
        checked_out = database.engine.pool.checkedout()  # type: ignore[attr-defined]
        with database.querying():  # no pooled connection taken
            assert database.engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]
    finally:
        database.dispose()


def _reader_of(database: Database) -> object:
    with database.querying() as connection:
        return connection.dbapi


def test_a_commit_that_fails_leaves_the_next_write_working(tmp_path) -> None:
    """SQLite keeps a transaction open after a failed COMMIT; the kept writing connection
    goes back to the pool (which rolls it back) rather than jam every later write."""
    path = tmp_path / "w.db"
    database = open_database(f"sqlite:///{path}")
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES "
                "parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        with pytest.raises(exc.IntegrityError), database.writing() as session:
            session.execute(text("INSERT INTO child VALUES (1, 99)"))  # refused at COMMIT
        with database.writing() as session:
            session.execute(text("INSERT INTO parent VALUES (1)"))
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the file is not left locked
        other.rollback()
        other.close()
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM parent").scalar() == 1
            assert connection.exec_driver_sql("SELECT count(*) FROM child").scalar() == 0
    finally:
        database.dispose()


def test_sqlite_writes_of_many_threads_share_one_kept_connection(tmp_path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(database)
    try:
        threads = [
            threading.Thread(target=add_party, args=(database, f"p-{n}", Role.OPERATOR))
            for n in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert database.engine.pool.checkedout() <= 1  # type: ignore[attr-defined]
        with (
            database.writing(),
            pytest.raises(RuntimeError, match="already open"),
            database.writing(),
        ):
            pass  # writes do not nest (the inner one would join the outer, not commit)
        with database.writing() as session:  # and the outer one ended cleanly
            session.execute(text("SELECT 1"))
    finally:
        database.dispose()


def test_with_checkpoints_apart_a_thread_checkpoints_and_writes_do_not(tmp_path) -> None:
    path = tmp_path / "w.db"
    database = open_database(f"sqlite:///{path}")
    upgrade(database)

    def writer_autocheckpoint() -> int:
        with database.writing() as session:
            return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())

    try:
        assert writer_autocheckpoint() == 1000  # SQLite's own: the write checkpoints
        with database.checkpoints_apart():
            assert writer_autocheckpoint() == 0
            for number in range(30):
                add_party(database, f"p-{number}", Role.OPERATOR)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # the thread copies the WAL into the file
                with database.engine.connect() as connection:
                    found = connection.exec_driver_sql("SELECT count(*) FROM parties").scalar()
                    parties_in_file = _parties_in_file_alone(path)
                if found == 30 and parties_in_file == 30:
                    break
                time.sleep(0.1)
            assert parties_in_file == 30
        assert writer_autocheckpoint() == 1000
    finally:
        database.dispose()


def _parties_in_file_alone(path) -> int:
    """Parties in the database file itself, its WAL ignored (an immutable open reads no WAL)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM parties").fetchone()[0])
    except sqlite3.OperationalError:  # not even the table has been checkpointed yet
        return 0
    finally:
        connection.close()

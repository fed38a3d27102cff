"""Exactly one leader at a time: a PostgreSQL advisory lock, or a file lock beside SQLite's."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from wellclear.service.leader import Leadership
from wellclear.store import open_database


def test_one_leader_and_a_takeover(database_url):
    """Two processes' databases (engines) on one PostgreSQL or one SQLite file."""
    first, second = open_database(database_url), open_database(database_url)
    a, b = Leadership(first), Leadership(second)
    try:
        assert a.acquire()
        assert not b.acquire()
        assert a.acquire()  # still leading: its connection answers, or it holds the file
        assert not b.acquire()
        a.release()
        assert b.acquire()
        assert not a.acquire()
    finally:
        a.release()
        b.release()
        first.dispose()
        second.dispose()


@pytest.mark.postgres
def test_a_leader_whose_session_dies_steps_down(postgres_url):
    first, second = open_database(postgres_url), open_database(postgres_url)
    a, b = Leadership(first), Leadership(second)
    try:
        assert a.acquire()
        with second.engine.connect() as admin:  # the leader's session is killed
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = 1464028242 AND objid = 1"
                )
            )
            admin.commit()
        # The backend ends (and its lock goes) a moment after the signal, not with it.
        deadline = time.monotonic() + 5
        while not b.acquire():
            assert time.monotonic() < deadline, "the killed leader's lock was never freed"
            time.sleep(0.05)
        assert not a.acquire()
    finally:
        a.release()
        b.release()
        first.dispose()
        second.dispose()


def test_on_sqlite_a_killed_leader_frees_the_lead(sqlite_url):
    database = open_database(sqlite_url)
    ours = Leadership(database)
    command = [sys.executable, "-c", HOLD_THE_LEAD, sqlite_url]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "leading"
            assert not ours.acquire()
            holder.kill()  # SIGKILL: no release, the kernel drops the lock with the process
            holder.wait(10)
            assert ours.acquire()
        finally:
            holder.kill()
            ours.release()
            database.dispose()


HOLD_THE_LEAD = """
import sys, time
from wellclear.service.leader import Leadership
from wellclear.store import open_database
assert Leadership(open_database(sys.argv[1])).acquire()
print("leading", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_leads_without_a_lock_file(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = open_database(url)
    assert Leadership(database).acquire()
    assert Leadership(database).acquire()
    database.dispose()
    assert list(tmp_path.iterdir()) == []


def test_the_lock_file_is_where_sqlite_has_the_database(sqlite_url, tmp_path):
    """Through a symlink, or a ``file:`` URI, it is the same file, so the same lock."""
    real = Path(sqlite_url.removeprefix("sqlite:///"))
    link = tmp_path / "link.db"
    link.symlink_to(real)
    urls = (sqlite_url, f"sqlite:///{link}", f"sqlite:///file:{real}?uri=true")
    databases = [open_database(url) for url in urls]
    first, *others = [Leadership(database) for database in databases]
    try:
        assert first.acquire()
        assert not any(other.acquire() for other in others)
        assert Path(f"{real}-leader").exists()
    finally:
        first.release()
        for database in databases:
            database.dispose()


def test_a_lock_file_that_cannot_be_opened_is_not_leading(sqlite_url, caplog):
    Path(sqlite_url.removeprefix("sqlite:///") + "-leader").mkdir()  # open() fails: a directory
    database = open_database(sqlite_url)
    try:
        leadership = Leadership(database)
        assert not leadership.acquire()
        assert not leadership.acquire()
        assert caplog.text.count("cannot take the leader file lock") == 1  # not every cycle
    finally:
        database.dispose()

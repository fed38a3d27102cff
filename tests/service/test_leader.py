"""Exactly one leader at a time (PostgreSQL advisory lock); SQLite's process always leads."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from wellclear.service.leader import Leadership
from wellclear.store import open_database


@pytest.mark.postgres
def test_one_leader_and_a_takeover(postgres_url):
    first, second = open_database(postgres_url), open_database(postgres_url)
    a, b = Leadership(first), Leadership(second)
    try:
        assert a.acquire()
        assert not b.acquire()
        assert a.acquire()  # still leading: its connection answers
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


def test_on_sqlite_the_process_leads(sqlite_url):
    database = open_database(sqlite_url)
    assert Leadership(database).acquire()
    assert Leadership(database).acquire()
    database.dispose()

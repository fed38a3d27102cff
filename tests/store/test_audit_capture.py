"""The audit listener records every way the store changes an audited table — ORM flushes,
bulk UPDATE/DELETE (ORM and Core), bulk INSERT with and without keys — takes back what a
savepoint or a transaction rolls back, and leaves unaudited tables out (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, delete, insert, select, update

from wellclear.store import open_database
from wellclear.store.audit import AuditEntryRow
from wellclear.store.models import IdempotencyRow, PartyRow


@pytest.fixture
def database(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


def log(database):
    with database.reading() as session:
        rows = session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))
        return [(r.action, r.subject, json.loads(r.payload)) for r in rows]


def party_row(name, **extra):
    return {
        "name": name,
        "role": "operator",
        "disabled": False,
        "created_at": datetime.now(UTC),
    } | extra


def test_every_kind_of_write_is_recorded(database):
    database.write(lambda s: s.add(PartyRow(name="a", role="operator")))
    database.write(lambda s: s.execute(insert(PartyRow), [party_row("b"), party_row("c")]))
    database.write(lambda s: s.execute(insert(PartyRow), [party_row("d", id=50)]))
    database.write(
        lambda s: s.execute(
            update(PartyRow).where(PartyRow.name.in_(["a", "b"])).values(role="observer")
        )
    )
    table = PartyRow.__table__
    database.write(
        lambda s: s.execute(update(table).where(table.c.name == "c").values(disabled=True))
    )
    database.write(lambda s: s.execute(delete(PartyRow).where(PartyRow.name == "d")))

    def orm_change(session):
        session.scalars(select(PartyRow).where(PartyRow.name == "a")).one().disabled = True
        session.delete(session.scalars(select(PartyRow).where(PartyRow.name == "b")).one())

    database.write(orm_change)
    done = [(action, subject) for action, subject, _ in log(database)]
    assert done[:4] == [
        ("parties.insert", "parties:1"),
        ("parties.insert", "parties:2"),
        ("parties.insert", "parties:3"),
        ("parties.insert", "parties:50"),
    ]
    assert sorted(done[4:6]) == [("parties.update", "parties:1"), ("parties.update", "parties:2")]
    assert done[6:] == [
        ("parties.disabled", "parties:3"),
        ("parties.delete", "parties:50"),
        ("parties.disabled", "parties:1"),
        ("parties.delete", "parties:2"),
    ]
    payloads = [payload for _, _, payload in log(database)]
    assert payloads[4]["row"]["role"] == "observer"
    assert payloads[4]["changed"] == ["role"]
    assert payloads[7]["row"]["name"] == "d"  # a delete records the row as it was


def test_what_is_rolled_back_is_not_recorded(database):
    def with_savepoint(session):
        session.add(PartyRow(name="kept", role="operator"))
        session.flush()
        savepoint = session.begin_nested()
        session.add(PartyRow(name="undone", role="operator"))
        session.flush()
        savepoint.rollback()

    database.write(with_savepoint)

    def inserted_then_deleted(session):
        row = PartyRow(name="brief", role="operator")
        session.add(row)
        session.flush()
        session.delete(row)

    database.write(inserted_then_deleted)

    def failing(session):
        session.add(PartyRow(name="failed", role="operator"))
        session.flush()
        raise RuntimeError("the use case refuses")

    with pytest.raises(RuntimeError):
        database.write(failing)
    assert [(a, p["row"]["name"]) for a, _, p in log(database)] == [("parties.insert", "kept")]


def test_unaudited_tables_are_left_out(database):
    database.write(lambda s: s.add(PartyRow(id=7, name="a", role="operator")))
    database.write(
        lambda s: s.add(
            IdempotencyRow(
                party_id=7, key="k", request_hash="h", status_code=201, response_json="{}"
            )
        )
    )
    assert [a for a, _, _ in log(database)] == ["parties.insert"]


def test_secret_columns_are_left_out_of_payloads(database):
    # parties.webhook_secret signs a party's webhooks (notices); the URL is no secret.
    secret = "whsec-0123456789abcdef"

    def add(session):
        session.add(PartyRow(name="a", role="operator", webhook_url="https://a.example/hook",
                             webhook_secret=secret))  # fmt: skip

    database.write(add)
    ((action, _, payload),) = log(database)
    assert action == "parties.insert"
    assert payload["row"]["webhook_url"] == "https://a.example/hook"
    assert "webhook_secret" not in payload["row"]
    assert secret not in json.dumps(payload)


def test_executemany_updates_and_rowcounts_are_kept(database):
    database.write(lambda s: s.execute(insert(PartyRow), [party_row(n) for n in "abcd"]))
    by_key = [{"id": 1, "role": "observer"}, {"id": 2, "role": "admin"}]
    database.write(lambda s: s.execute(update(PartyRow), by_key))  # ORM bulk by primary key
    table = PartyRow.__table__
    by_name = update(table).where(table.c.name == bindparam("b_name")).values(disabled=True)
    database.write(lambda s: s.execute(by_name, [{"b_name": "c"}, {"b_name": "d"}]))

    def guarded(session):  # the notices' pattern: "did this call do it?" by rowcount
        statement = (
            update(PartyRow)
            .where(PartyRow.name == "a", PartyRow.disabled.is_(False))
            .values(disabled=True)
            .execution_options(synchronize_session=False)
        )
        return session.execute(statement).rowcount

    assert database.write(guarded) == 1
    assert database.write(guarded) == 0
    done = [(action, subject) for action, subject, _ in log(database)][4:]
    assert done == [
        ("parties.update", "parties:1"),
        ("parties.update", "parties:2"),
        ("parties.disabled", "parties:3"),
        ("parties.disabled", "parties:4"),
        ("parties.disabled", "parties:1"),
    ]

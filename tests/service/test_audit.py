"""The audit log on SQLite and PostgreSQL: entries written with the changes they record
(filings, lifecycle, parties and keys), nothing for what is rolled back, no secrets, the
disclosure of entries per caller, and verification catching each kind of tampering."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.model import State
from wellclear.service import (
    FilingRequest,
    Role,
    add_party,
    authenticate,
    change_state,
    end_intent,
    file_intent,
    rotate_key,
    set_disabled,
)
from wellclear.service import audit as audit_service
from wellclear.service.audit import (
    GENESIS_HASH,
    acting_as,
    audit_head,
    export_entries,
    list_audit_entries,
    verify_chain,
)
from wellclear.service.errors import ConflictRejected
from wellclear.store.audit import canonical_json, sha256_hex

NEAR = offset(0, 3_000)


def party(service, name, role=Role.OPERATOR):
    return authenticate(service.database, add_party(service.database, name, role).key)


def file(service, caller, body):
    return file_intent(service, caller, FilingRequest(encoded(body)))


def entries(service):
    return list(export_entries(service))


def actions(service):
    return [e["action"] for e in entries(service)]


def sql(service, statement, **params):
    engine = create_engine(service.database.engine.url)
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def notify_pair(service):
    """blue and red file overlapping operations: a notify conflict between them."""
    blue, red = party(service, "blue"), party(service, "red")
    with acting_as("party:blue"):
        mine = file(service, blue, intent_body("operation", circle_extent(radius_m=500)))
    with acting_as("party:red"):
        theirs = file(service, red, intent_body("operation", circle_extent(offset(90, 4_000), 500)))
    assert len(theirs.conflicts) == 1
    return blue, red, mine, theirs


def test_an_empty_log_has_the_genesis_head(service):
    observer = party(service, "joint", Role.OBSERVER)
    head = audit_head(service, observer)
    assert head.seq == 2  # the observer's party and key
    sql(service, "DELETE FROM audit_entry_parties")
    sql(service, "DELETE FROM audit_entries")
    assert audit_head(service, observer).as_json() == {"seq": 0, "hash": GENESIS_HASH, "at": None}
    assert verify_chain(service).as_json()["entries"] == 0


def test_filings_lifecycle_and_parties_build_one_chain(service):
    blue, red, mine, theirs = notify_pair(service)
    with acting_as("party:blue"):
        change_state(service, blue, mine.intent.id, State.ACTIVATED)
        end_intent(service, blue, mine.intent.id)
    with acting_as("cli:root"):
        rotate_key(service.database, "red", timedelta(hours=1))
        set_disabled(service.database, "red")

    log = entries(service)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    done = [(e["actor"], e["action"]) for e in log]
    expected = [
        ("system", "parties.insert"),
        ("system", "api_keys.insert"),
        ("party:blue", "intents.insert"),
        ("party:red", "intents.insert"),
        ("party:red", "conflicts.insert"),
        ("party:blue", "intents.activated"),
        ("party:blue", "intents.ended"),
        ("party:blue", "conflicts.resolved"),
        ("cli:root", "api_keys.expiring"),
        ("cli:root", "api_keys.insert"),
        ("cli:root", "parties.disabled"),
    ]
    position = 0
    for step in expected:  # in this order (notices may come in between)
        position = done.index(step, position) + 1
    conflict = next(e for e in log if e["action"] == "conflicts.insert")
    assert conflict["party_ids"] == sorted([blue.party_id, red.party_id])
    assert conflict["subject"] == f"conflicts:{theirs.conflicts[0].id}"
    ended = next(e for e in log if e["action"] == "intents.ended")
    assert ended["payload"]["row"]["state"] == "ended"
    assert "state" in ended["payload"]["changed"]
    for entry in log:  # the export reproduces each payload's hash
        assert sha256_hex(canonical_json(entry["payload"])) == entry["payload_sha256"]
    check = verify_chain(service)
    assert check.intact, check
    assert (check.entries, check.head_seq, check.head_hash) == (len(log), len(log), log[-1]["hash"])


def test_no_key_secret_ever_enters_the_log(service):
    party(service, "blue")
    rotate_key(service.database, "blue")
    engine = create_engine(service.database.engine.url)
    with engine.connect() as connection:
        secrets = [
            v
            for row in connection.execute(text("SELECT salt, key_hash FROM api_keys"))
            for v in row
        ]
        payloads = " ".join(
            p for (p,) in connection.execute(text("SELECT payload FROM audit_entries"))
        )
    engine.dispose()
    assert len(secrets) == 4
    for secret in secrets:
        assert secret not in payloads
    assert '"key_id"' in payloads
    assert "salt" not in payloads
    assert "key_hash" not in payloads
    assert "secret" not in payloads  # nor a party's webhook signing secret


def test_a_refused_filing_writes_no_entry(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    before = audit_head(service, blue)
    with pytest.raises(ConflictRejected):
        file(service, red, intent_body("flight", circle_extent(NEAR)))
    assert audit_head(service, blue) == before


def test_a_party_reads_entries_about_itself_and_no_other_geometry(service):
    blue, red, _mine, _theirs = notify_pair(service)
    observer = party(service, "joint", Role.OBSERVER)

    seen = list_audit_entries(service, blue, limit=500).items
    assert seen
    assert all(blue.party_id in e.party_ids for e in seen)
    subjects = {e.subject.split(":")[0] for e in seen}
    assert {"parties", "api_keys", "intents", "conflicts"} <= subjects
    for entry in seen:
        alone = list(entry.party_ids) == [blue.party_id]
        assert (entry.payload is not None) == alone
    red_intent_entries = [
        e for e in list_audit_entries(service, red, limit=500).items if e.action == "intents.insert"
    ]
    red_vertices = json.dumps(red_intent_entries[0].payload)
    blue_text = json.dumps([e.as_json() for e in seen])
    assert red_vertices not in blue_text
    red_extents = red_intent_entries[0].payload["row"]["extents_json"]
    assert red_extents not in blue_text

    everything = list_audit_entries(service, observer, limit=500).items
    assert len(everything) == audit_head(service, observer).seq
    assert all(e.payload is not None for e in everything)


def test_pages_and_after_seq(service):
    blue = party(service, "blue")
    for _ in range(3):
        file(service, blue, intent_body("operation", circle_extent(radius_m=500)))
    first = list_audit_entries(service, blue, limit=2)
    assert [e.seq for e in first.items] == [1, 2]
    assert first.next_cursor == "2"
    rest = list_audit_entries(service, blue, cursor=first.next_cursor, limit=500)
    assert [e.seq for e in rest.items][:1] == [3]
    assert rest.next_cursor is None
    assert next(e.seq for e in list_audit_entries(service, blue, after_seq=4).items) == 5


# --- tampering ------------------------------------------------------------------------------------

TAMPERING = {
    # name: (SQL run on a chain of >= 8 entries, broken seq, words in the reason)
    "payload altered": (
        "UPDATE audit_entries SET payload = replace(payload, 'insert', 'update') WHERE seq = 3",
        3,
        "payload",
    ),
    "payload and its hash altered": (
        "UPDATE audit_entries SET payload = '{}', "
        "payload_sha256 = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' "
        "WHERE seq = 3",
        3,
        "hash is not",
    ),
    "actor altered": ("UPDATE audit_entries SET actor = 'party:red' WHERE seq = 4", 4, "actor"),
    "middle entry removed": (
        "DELETE FROM audit_entries WHERE seq = 5; DELETE FROM audit_entry_parties WHERE seq = 5",
        5,
        "missing",
    ),
    "two entries swapped": (
        "UPDATE audit_entries SET seq = -1 WHERE seq = 4; "
        "UPDATE audit_entries SET seq = 4 WHERE seq = 5; "
        "UPDATE audit_entries SET seq = 5 WHERE seq = -1",
        4,
        "prev_hash",
    ),
    "party index altered": (
        "DELETE FROM audit_entry_parties WHERE seq = 6",
        6,
        "party index",
    ),
}


@pytest.mark.parametrize("batch", [3, 2000], ids=["batches of 3", "one batch"])
@pytest.mark.parametrize("kind", TAMPERING)
def test_verify_names_the_first_broken_entry(service, kind, batch, monkeypatch):
    monkeypatch.setattr(audit_service, "VERIFY_BATCH", batch)
    notify_pair(service)
    assert audit_head(service, party(service, "joint", Role.OBSERVER)).seq >= 8
    assert verify_chain(service).intact
    statement, seq, words = TAMPERING[kind]
    for part in statement.split("; "):
        sql(service, part)
    check = verify_chain(service)
    assert not check.intact
    assert check.broken_seq == seq, check
    assert words in check.reason
    assert check.entries == seq - 1


def test_a_rewritten_entry_is_caught_at_the_next_and_a_cut_tail_by_a_pin(service):
    notify_pair(service)
    observer = party(service, "joint", Role.OBSERVER)
    pinned = audit_head(service, observer)
    sql(service, "UPDATE audit_entries SET hash = :h WHERE seq = 3", h="f" * 64)
    check = verify_chain(service)
    assert check.broken_seq == 3
    assert "hash is not" in check.reason
    sql(
        service,
        "UPDATE audit_entries SET hash = "
        "(SELECT prev_hash FROM audit_entries WHERE seq = 4) WHERE seq = 3",
    )
    assert verify_chain(service).intact
    # Cut the tail: the chain left is consistent; only the pinned head shows the loss.
    sql(service, "DELETE FROM audit_entry_parties WHERE seq = :s", s=pinned.seq)
    sql(service, "DELETE FROM audit_entries WHERE seq = :s", s=pinned.seq)
    assert verify_chain(service).intact
    check = verify_chain(service, expect=(pinned.seq, pinned.hash))
    assert check.broken_seq == pinned.seq
    assert "missing" in check.reason
    assert verify_chain(service, expect=(2, "0" * 64)).broken_seq == 2


def test_concurrent_writers_extend_one_chain(service):
    callers = [party(service, f"p{i}") for i in range(4)]
    errors = []

    def work(index, caller):
        try:
            with acting_as(f"party:p{index}"):
                for n in range(5):
                    spot = offset(90 * index, 20_000 + 3_000 * n)
                    file(service, caller, intent_body("operation", circle_extent(spot, 200)))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = verify_chain(service)
    assert check.intact, check
    filed = [e for e in entries(service) if e["action"] == "intents.insert"]
    assert len(filed) == 20
    assert {e["actor"] for e in filed} == {f"party:p{i}" for i in range(4)}

"""The audit log over real HTTP: the head, entries per caller (no other party's geometry), the
actor of a request, and 2 server processes on one PostgreSQL filing at once without forking
the chain."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import httpx
import pytest

from intent_bodies import circle_extent, intent_body, offset
from wellclear.service import Role, Service, add_party
from wellclear.service.audit import GENESIS_HASH, verify_chain
from wellclear.store import open_database
from wellclear.store.audit import canonical_json, record_hash, sha256_hex

HEX64 = 64


def keys(database_url, *names_roles):
    service = Service(open_database(database_url))
    found = {name: add_party(service.database, name, role).key for name, role in names_roles}
    service.database.dispose()
    return found


def client(base_url, key):
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60.0, verify=False
    )


def all_entries(http):
    items, cursor = [], None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = http.get("/v1/audit/entries", params=params)
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def test_head_entries_and_disclosure(database_url, start_server):
    found = keys(
        database_url,
        ("blue", Role.OPERATOR),
        ("red", Role.OPERATOR),
        ("joint", Role.OBSERVER),
        ("boss", Role.ADMIN),
    )
    server = start_server(database_url)
    blue, red = client(server.base_url, found["blue"]), client(server.base_url, found["red"])
    observer = client(server.base_url, found["joint"])
    with blue, red, observer:
        filed = blue.post("/v1/intents", json=intent_body("operation", circle_extent(radius_m=500)))
        assert filed.status_code == 201, filed.text
        theirs = intent_body("operation", circle_extent(offset(90, 4_000), 500))
        assert red.post("/v1/intents", json=theirs).status_code == 201

        head = red.get("/v1/audit/head").json()
        assert head["seq"] >= 11
        assert len(head["hash"]) == HEX64
        assert observer.get("/v1/audit/head").json() == head

        everything = all_entries(observer)
        assert [e["seq"] for e in everything] == list(range(1, head["seq"] + 1))
        assert everything[-1]["hash"] == head["hash"]
        assert all(e["payload"] is not None for e in everything)
        previous = GENESIS_HASH
        for entry in everything:  # a client can check the chain from the wire alone
            assert entry["prev_hash"] == previous
            assert sha256_hex(canonical_json(entry["payload"])) == entry["payload_sha256"]
            fields = {k: entry[k] for k in ("seq", "actor", "action", "subject", "payload_sha256")}
            assert entry["hash"] == record_hash(
                **fields,
                at=_parse(entry["at"]),
                parties=entry["party_ids"],
                prev_hash=entry["prev_hash"],
            )
            previous = entry["hash"]
        filings = [e for e in everything if e["action"] == "intents.insert"]
        assert [e["actor"] for e in filings] == ["party:blue", "party:red"]
        assert everything[0]["actor"].startswith(("system", "cli:"))

        red_vertices = json.dumps(theirs["extents"][0]["volume"]["outline_circle"]["center"])
        red_row = filings[1]["payload"]["row"]
        mine = all_entries(blue)
        blue_id = filings[0]["party_ids"][0]
        assert mine
        assert all(blue_id in e["party_ids"] for e in mine)
        assert {e["action"] for e in mine} >= {
            "parties.insert",
            "intents.insert",
            "conflicts.insert",
        }
        text = json.dumps(mine)
        assert red_row["extents_json"] not in text
        assert red_row["uid"] not in text
        assert str(theirs["extents"][0]["volume"]["outline_circle"]["center"]["lat"]) not in text
        assert red_vertices not in text
        for entry in mine:
            assert (entry["payload"] is None) == (entry["party_ids"] != [blue_id])

        after = blue.get("/v1/audit/entries", params={"after_seq": head["seq"]}).json()
        assert after == {"items": [], "next_cursor": None}
        assert blue.get("/v1/audit/entries", params={"cursor": "x"}).status_code == 422
        assert httpx.get(f"{server.base_url}/v1/audit/head").status_code == 401


def _parse(moment):
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


@pytest.mark.postgres
def test_two_processes_filing_at_once_keep_one_chain(postgres_url, start_servers):
    parties = [(f"p{i}", Role.OPERATOR) for i in range(8)]
    found = keys(postgres_url, *parties)
    servers = start_servers(postgres_url, 2)
    statuses, lock = [], threading.Lock()

    def run(index, name):
        with client(servers[index % 2].base_url, found[name]) as http:
            for n in range(6):
                spot = offset(45 * index, 30_000 + 2_500 * n)
                body = intent_body("operation", circle_extent(spot, 300))
                status = http.post("/v1/intents", json=body).status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=run, args=(i, name)) for i, (name, _) in enumerate(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 48

    service = Service(open_database(postgres_url))
    check = verify_chain(service)
    service.database.dispose()
    assert check.intact, check
    assert check.entries >= 16 + 48  # parties and keys, then at least one entry per filing

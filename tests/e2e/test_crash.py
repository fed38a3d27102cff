"""A server killed with SIGKILL in the middle of a write load (SQLite and PostgreSQL).

20 client threads file intents (half into one 10 × 10 km area, so many conflict and are
refused; half spread over 600 km; some replacing their own intents with ``If-Match``), each
with an ``Idempotency-Key``. Once enough answers are in, the server is ``kill -9``-ed while
the clients are still writing. After a restart on the same database:

- every intent answered 2xx is stored with the version it was answered with;
- notices and the audit log survive too: each stored conflict has one notice per party,
  each notice its delivery event, and `verify_chain` finds the audit chain intact;
- nothing is half-written: every cell row and conflict row belongs to a stored intent, every
  live intent has exactly the cell rows its cover computes, an ended one none; every kept
  idempotent answer of a creation names a stored intent;
- a request that got no answer, retried with its key, gets one answer whose intent (if
  accepted) is stored; the invariant holds over every live intent;
- the service serves again: a new filing is accepted.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from intent_bodies import ORIGIN, circle_extent, intent_body, offset
from wellclear.ingest import default_policy
from wellclear.model import Mode, State
from wellclear.service import Role, Service, add_party
from wellclear.service.audit import verify_chain
from wellclear.service.candidates import cover_intent, domain_intent
from wellclear.store import open_database
from wellclear.store.models import ConflictRow, IdempotencyRow, IntentCellRow, IntentRow
from wellclear.store.notices import NoticeEventRow, NoticeRow
from wellclear.strategic import find_conflicts

CLIENTS = 20
PARTIES = 5
ANSWERS_BEFORE_KILL = 60
LOAD_TIMEOUT_S = 60.0


@dataclass
class Client:
    """One client's view: what it was told, and the request the crash left unanswered."""

    party: str
    key: str
    versions: dict[str, str] = field(default_factory=dict)  # intent id → last 2xx version
    unanswered: tuple[str, str | None, dict] | None = None  # (idempotency key, id, body)
    answered: Counter[int] = field(default_factory=Counter)
    error: BaseException | None = None


def random_body(rng: random.Random) -> dict:
    hot = rng.random() < 0.5
    half_side_m = 5_000.0 if hot else 300_000.0
    centre = offset(90, rng.uniform(-half_side_m, half_side_m),
                    offset(0, rng.uniform(-half_side_m, half_side_m), ORIGIN))  # fmt: skip
    start = rng.uniform(0, 60 if hot else 24 * 60)
    floor_m = rng.uniform(500, 1_500)
    ceiling_m = floor_m + rng.uniform(100, 1_500)
    end = start + rng.uniform(10, 60)
    extent = circle_extent(centre, rng.uniform(100, 1_500), floor_m, ceiling_m, start, end)
    kind = "operation" if rng.random() < 0.3 else "flight"  # operations notify each other
    return intent_body(kind, extent, priority=rng.randrange(3))


def run_client(base_url: str, client: Client, seed: int, stop: threading.Event, answers) -> None:
    try:
        load(base_url, client, seed, stop, answers)
    except BaseException as error:
        client.error = error


def load(base_url: str, client: Client, seed: int, stop: threading.Event, answers) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {client.key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0, verify=False) as http:
        n = 0
        while not stop.is_set():
            n += 1
            idempotency_key = f"c{seed}-{n}"
            body = random_body(rng)
            replacing = client.versions and rng.random() < 0.2
            intent_id = rng.choice(sorted(client.versions)) if replacing else None
            try:
                if intent_id is None:
                    response = http.post("/v1/intents", json=body,
                                         headers={"Idempotency-Key": idempotency_key})  # fmt: skip
                else:
                    response = http.put(f"/v1/intents/{intent_id}", json=body, headers={
                        "Idempotency-Key": idempotency_key,
                        "If-Match": f'"{client.versions[intent_id]}"',
                    })  # fmt: skip
            except httpx.TransportError:  # the server died with this request in flight
                client.unanswered = (idempotency_key, intent_id, body)
                return
            client.answered[response.status_code] += 1
            if response.status_code in (200, 201):
                intent = response.json()["intent"]
                client.versions[intent["id"]] = intent["version"]
            else:
                assert response.status_code == 409, response.text
            answers.append(response.status_code)


def retry_unanswered(base_url: str, client: Client) -> None:
    """Send the request the crash cut off again, with its key: it gets exactly one answer (the
    kept one, if it had committed — even a replacement's, before If-Match is looked at)."""
    assert client.unanswered is not None
    idempotency_key, intent_id, body = client.unanswered
    headers = {"Authorization": f"Bearer {client.key}", "Idempotency-Key": idempotency_key}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0, verify=False) as http:
        if intent_id is None:
            response = http.post("/v1/intents", json=body)
        else:
            headers = {"If-Match": f'"{client.versions[intent_id]}"'}
            response = http.put(f"/v1/intents/{intent_id}", json=body, headers=headers)
    assert response.status_code in (200, 201, 409), response.text
    if response.status_code in (200, 201):
        intent = response.json()["intent"]
        client.versions[intent["id"]] = intent["version"]


def test_kill_9_under_write_load_loses_nothing_answered(database_url, start_servers):
    service = Service(open_database(database_url))
    keys = [add_party(service.database, f"op-{n}", Role.OPERATOR).key for n in range(PARTIES)]
    (server,) = start_servers(database_url, 1)
    clients = [Client(f"op-{c % PARTIES}", keys[c % PARTIES]) for c in range(CLIENTS)]
    stop, answers = threading.Event(), []
    threads = [
        threading.Thread(target=run_client, args=(server.base_url, client, seed, stop, answers))
        for seed, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while len(answers) < ANSWERS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(answers) >= ANSWERS_BEFORE_KILL, "the server answered too slowly"
    server.process.kill()  # SIGKILL, with the clients still writing
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert [c.error for c in clients if c.error is not None] == []
    assert sum(c.unanswered is not None for c in clients) > 0, "no request was cut off"
    statuses = Counter(s for c in clients for s in c.answered.elements())
    assert statuses[201] > 0, statuses
    assert statuses[409] > 0, statuses

    (restarted,) = start_servers(database_url, 1)
    for client in clients:
        if client.unanswered is not None:
            retry_unanswered(restarted.base_url, client)

    for client in clients:  # every 2xx answer is there, with its version
        headers = {"Authorization": f"Bearer {client.key}"}
        with httpx.Client(base_url=restarted.base_url, headers=headers, verify=False) as http:
            for intent_id, version in client.versions.items():
                response = http.get(f"/v1/intents/{intent_id}")
                assert response.status_code == 200, response.text
                assert response.json()["version"] == version

    assert_nothing_half_written(service)
    assert_notices_match_their_events(service)
    assert_invariant(service)
    check = verify_chain(service)  # the audit chain survived the crash unbroken
    assert check.intact, (check.broken_seq, check.reason)

    with httpx.Client(base_url=restarted.base_url, verify=False) as http:  # serves again
        far = circle_extent(offset(180, 800_000), 500.0)
        response = http.post("/v1/intents", json=intent_body("flight", far),
                             headers={"Authorization": f"Bearer {keys[0]}"})  # fmt: skip
        assert response.status_code == 201, response.text
    service.database.dispose()


def assert_nothing_half_written(service: Service) -> None:
    with service.database.reading() as session:
        uids = set(session.scalars(select(IntentRow.uid)))
        cell_owners = set(session.scalars(select(IntentCellRow.intent_uid).distinct()))
        assert cell_owners <= uids, "cell rows without their intent"
        for conflict in session.scalars(select(ConflictRow)):
            assert {conflict.intent_a, conflict.intent_b} <= uids, "a conflict without its intent"
        rows_per_intent = dict(
            session.execute(
                select(IntentCellRow.intent_uid, func.count()).group_by(IntentCellRow.intent_uid)
            ).all()
        )
        for row in session.scalars(select(IntentRow)):
            if row.state == State.ENDED:
                assert row.uid not in rows_per_intent
                continue
            covers = cover_intent(domain_intent(row), service.policy)
            expected = sum(len(cells) for cover in covers for cells in cover.cells.values())
            assert rows_per_intent.get(row.uid) == expected, f"{row.uid}: cells half-written"
        for answer in session.scalars(select(IdempotencyRow)):
            if answer.status_code in (200, 201):
                intent = json.loads(answer.response_json)["intent"]
                stored = session.scalars(
                    select(IntentRow).where(
                        IntentRow.party_id == answer.party_id, IntentRow.id == intent["id"]
                    )
                ).one_or_none()
                assert stored is not None, "a kept answer without its intent"


def assert_notices_match_their_events(service: Service) -> None:
    """No event without its notices, no notice without its event: each stored conflict has
    exactly one conflict notice per party in it (with its delivery event), and each conflict
    notice names a stored conflict."""
    with service.database.reading() as session:
        conflicts = {c.id: {c.party_a, c.party_b} for c in session.scalars(select(ConflictRow))}
        notified: dict[str, list[int]] = {}
        for notice in session.scalars(select(NoticeRow).where(NoticeRow.kind == "conflict")):
            notified.setdefault(notice.subject.removeprefix("conflict:"), []).append(
                notice.party_id
            )
        with_events = set(session.scalars(select(NoticeEventRow.notice_id).distinct()))
        every_notice = set(session.scalars(select(NoticeRow.id)))
    assert conflicts, "the load recorded no conflict: nothing to check"
    assert set(notified) == set(conflicts), "conflicts and conflict notices differ"
    for conflict_id, parties in conflicts.items():
        assert sorted(notified[conflict_id]) == sorted(parties), conflict_id
    assert every_notice == with_events, "a notice without its delivery event"


def assert_invariant(service: Service) -> None:
    with service.database.reading() as session:
        rows = session.scalars(select(IntentRow).where(IntentRow.state != State.ENDED))
        intents = {row.uid: domain_intent(row) for row in rows}
    for conflict in find_conflicts(list(intents.values()), default_policy()):
        if conflict.rule.mode is Mode.REJECT:
            a, b = (intents[uid] for uid in conflict.intents)
            assert a.priority != b.priority, f"{a.id} and {b.id} conflict at equal priority"

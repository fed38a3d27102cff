"""Webhooks to a real local receiver that checks every signature: retries with backoff after
failures, every attempt recorded, dead letters after the configured number (SQLite, PG)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from notice_support import make_parties, notify_conflict

from wellclear.service import Role, Service
from wellclear.service.errors import UnknownParty
from wellclear.service.webhooks import SEQ_HEADER, SIGNATURE_HEADER, set_webhook, verify
from wellclear.store import open_database


class Receiver:
    """An HTTP server that answers 500 to its first ``failures`` requests, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.secret = ""
        self.received: list[tuple[float, dict, bool]] = []  # (at, body, signature valid)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = verify(receiver.secret, self.headers[SIGNATURE_HEADER], body,
                               now_unix=int(time.time()))  # fmt: skip
                document = json.loads(body)
                assert self.headers[SEQ_HEADER] == str(document["seq"])
                receiver.received.append((time.monotonic(), document, valid))
                failing = len(receiver.received) <= receiver.failures
                self.send_response(500 if failing or not valid else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, f"{len(self.received)} of {count} deliveries"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(failures: int) -> Receiver:
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def deliveries(base_url, headers, **params):
    with httpx.Client(base_url=base_url, timeout=30) as client:
        answer = client.get("/v1/notices/deliveries", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]


def test_retries_until_delivered_and_dead_letters_after_the_limit(
    database_url, start_server, receivers
):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    flaky, broken = receivers(3), receivers(10**6)
    service = Service(open_database(database_url))
    flaky.secret = set_webhook(service, "blue", flaky.url) or ""
    broken.secret = set_webhook(service, "red", broken.url) or ""
    with pytest.raises(UnknownParty):
        set_webhook(service, "nobody", flaky.url)
    service.database.dispose()
    server = start_server(database_url, webhook_backoff_s=0.2, webhook_max_attempts=5)
    notify_conflict(server.base_url, headers["blue"], headers["red"], 0)

    flaky.wait_for(4)
    time.sleep(0.5)
    assert len(flaky.received) == 4  # the 4th succeeded: no more
    assert all(valid for _at, _body, valid in flaky.received)
    bodies = [body for _at, body, _valid in flaky.received]
    assert len({b["seq"] for b in bodies}) == 1
    assert bodies[0]["action"] == "created"
    assert bodies[0]["notice"]["kind"] == "conflict"
    gaps = [b[0] - a[0] for a, b in zip(flaky.received, flaky.received[1:], strict=False)]
    assert gaps[2] > gaps[0]  # exponential backoff: 0.2, 0.4, 0.8 s
    attempts = deliveries(server.base_url, headers["blue"])
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in attempts] == [
        (1, "failed", 500), (2, "failed", 500), (3, "failed", 500), (4, "delivered", 204)
    ]  # fmt: skip
    assert attempts[0]["next_attempt_at"] is not None
    assert deliveries(server.base_url, headers["blue"], dead="true") == []

    broken.wait_for(5)
    deadline = time.monotonic() + 10
    while (
        not deliveries(server.base_url, headers["red"], dead="true") and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    (dead,) = deliveries(server.base_url, headers["red"], dead="true")
    assert dead["attempt"] == 5
    assert dead["dead_lettered"]
    time.sleep(0.6)
    assert len(broken.received) == 5
    # each party sees its own attempts only
    assert all(a["url"] == flaky.url for a in deliveries(server.base_url, headers["blue"]))


def redeliver(base_url, headers, delivery_id=None):
    path = "/v1/notices/deliveries/" + (f"{delivery_id}/redeliver" if delivery_id else "redeliver")
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return client.post(path, headers=headers)


def test_a_dead_letter_is_redelivered_once_on_request(database_url, start_server, receivers):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    blue_hook, red_hook = receivers(10**6), receivers(10**6)
    service = Service(open_database(database_url))
    blue_hook.secret = set_webhook(service, "blue", blue_hook.url) or ""
    red_hook.secret = set_webhook(service, "red", red_hook.url) or ""
    service.database.dispose()
    server = start_server(database_url, webhook_backoff_s=0.1, webhook_max_attempts=2)
    notify_conflict(server.base_url, headers["blue"], headers["red"], 0)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(
        deliveries(server.base_url, headers[p], dead="true") for p in ("blue", "red")
    ):
        time.sleep(0.1)
    (dead,) = deliveries(server.base_url, headers["red"], dead="true")
    (blue_dead,) = deliveries(server.base_url, headers["blue"], dead="true")

    # another party's dead letter does not exist for the caller; one still retrying is 409
    assert redeliver(server.base_url, headers["blue"], dead["id"]).status_code == 404
    failed = deliveries(server.base_url, headers["red"], dead="false")[0]
    refused = redeliver(server.base_url, headers["red"], failed["id"])
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"

    # redelivering everything resends the caller's own dead letters only (red's stays)
    blue_hook.failures = len(blue_hook.received)
    everything = redeliver(server.base_url, headers["blue"])
    assert everything.status_code == 202
    assert [d["seq"] for d in everything.json()["items"]] == [blue_dead["seq"]]
    blue_hook.wait_for(3)
    assert redeliver(server.base_url, headers["blue"]).json()["items"] == []
    assert deliveries(server.base_url, headers["red"], dead="true") == [dead]

    red_hook.failures = len(red_hook.received)  # the receiver is mended: the next one lands
    answer = redeliver(server.base_url, headers["red"], dead["id"])
    assert answer.status_code == 202, answer.text
    again = answer.json()
    assert (again["attempt"], again["outcome"], again["seq"]) == (1, "pending", dead["seq"])
    red_hook.wait_for(3)
    assert red_hook.received[-1][1]["seq"] == dead["seq"]
    assert red_hook.received[-1][2]  # signed
    assert deliveries(server.base_url, headers["red"], dead="true") == []
    assert redeliver(server.base_url, headers["red"], dead["id"]).status_code == 409  # once
    outcomes = [d["outcome"] for d in deliveries(server.base_url, headers["red"])]
    deadline = time.monotonic() + 10
    while outcomes[-1] == "pending" and time.monotonic() < deadline:
        time.sleep(0.1)
        outcomes = [d["outcome"] for d in deliveries(server.base_url, headers["red"])]
    assert outcomes == ["failed", "dead", "delivered"]

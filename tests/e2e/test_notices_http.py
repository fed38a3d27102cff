"""Notices over real HTTP (SQLite and PostgreSQL): the inbox, acknowledgement, atomicity with
the conflict, the SSE stream and its resumption across a server restart."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx
import pytest
from notice_support import StreamReader, make_parties, notify_conflict, operation_near

import wellclear.ingest
from intent_bodies import circle_extent, intent_body
from wellclear.service import Role, Service
from wellclear.service.escalation import set_escalation_contact
from wellclear.store import open_database

FAST_STREAM = {"stream_keepalive_s": 0.5, "stream_poll_s": 0.2}


def test_inbox_ack_and_others_get_404(database_url, start_server):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR,
                           watch=Role.OBSERVER)  # fmt: skip
    server = start_server(database_url)
    conflict_id = notify_conflict(server.base_url, headers["blue"], headers["red"], 0)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        (blue_notice,) = client.get("/v1/notices", headers=headers["blue"]).json()["items"]
        (red_notice,) = client.get("/v1/notices", headers=headers["red"]).json()["items"]
        assert blue_notice["subject"] == red_notice["subject"] == f"conflict:{conflict_id}"
        assert blue_notice["payload"]["counterparty"] == "red"
        assert blue_notice["acked_at"] is None
        assert client.get("/v1/notices", headers=headers["watch"]).json()["items"] == []

        ack = client.post(f"/v1/notices/{blue_notice['id']}/ack", headers=headers["blue"])
        assert ack.status_code == 200
        assert ack.json()["acked_by"] == "blue"
        again = client.post(f"/v1/notices/{blue_notice['id']}/ack", headers=headers["blue"])
        assert again.json()["acked_at"] == ack.json()["acked_at"]
        unacked = client.get("/v1/notices", params={"unacked": "true"}, headers=headers["blue"])
        assert unacked.json()["items"] == []
        for method, path in (("POST", f"/v1/notices/{blue_notice['id']}/ack"),
                             ("GET", f"/v1/notices/{blue_notice['id']}")):  # fmt: skip
            other = client.request(method, path, headers=headers["red"])
            assert other.status_code == 404
            assert other.headers["content-type"] == "application/problem+json"
        assert client.get(f"/v1/notices/{red_notice['id']}", headers=headers["red"]).json()[
            "acked_at"
        ] is None  # fmt: skip
        bad = client.get("/v1/notices", params={"kind": "gossip"}, headers=headers["blue"])
        assert bad.status_code == 422


def test_a_refused_filing_creates_no_notice(database_url, start_server):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    server = start_server(database_url)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert (
            client.post("/v1/intents", json=intent_body(), headers=headers["blue"]).status_code
            == 201
        )
        near = intent_body("flight", circle_extent(radius_m=1_500))
        refused = client.post("/v1/intents", json=near, headers=headers["red"])
        assert refused.status_code == 409
        for name in ("blue", "red"):
            assert client.get("/v1/notices", headers=headers[name]).json()["items"] == []


def test_stream_delivers_and_resumes_across_a_restart(database_url, start_servers):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    (server,) = start_servers(database_url, 1, **FAST_STREAM)
    reader = StreamReader(server.base_url, headers["blue"], {"last_event_id": 0}).start()
    notify_conflict(server.base_url, headers["blue"], headers["red"], 0)
    notify_conflict(server.base_url, headers["blue"], headers["red"], 1)
    first = reader.wait_for(2)
    assert [e.event for e in first] == ["notice", "notice"]
    assert first[0].id < first[1].id
    assert first[0].data["kind"] == "conflict"
    time.sleep(1.2)
    assert reader.comments >= 2  # the opening comment, then keep-alives

    # the server dies; notices keep coming through another; resume from the last id seen
    server.process.kill()
    server.process.wait(timeout=15)
    reader.stop()
    (second,) = start_servers(database_url, 1, **FAST_STREAM)
    for index in (2, 3, 4):
        notify_conflict(second.base_url, headers["blue"], headers["red"], index)
    with httpx.Client(base_url=second.base_url, timeout=30) as client:
        (notice,) = client.get("/v1/notices", params={"limit": 1}, headers=headers["blue"]).json()[
            "items"
        ]  # fmt: skip
        client.post(f"/v1/notices/{notice['id']}/ack", headers=headers["blue"])
    resumed_headers = {**headers["blue"], "Last-Event-ID": str(first[-1].id)}
    resumed = StreamReader(second.base_url, resumed_headers).start()
    after = resumed.wait_for(4)
    resumed.stop()
    ids = [e.id for e in first + after]
    assert ids == sorted(set(ids))  # no duplicate, in order
    everything = StreamReader(second.base_url, headers["blue"], {"last_event_id": 0}).start()
    all_events = everything.wait_for(6)
    everything.stop()
    assert [e.id for e in all_events] == ids  # no gap: every event of blue's, once
    assert after[-1].data["acked_by"] == "blue"  # the ack is an event too


def test_a_stream_without_an_id_starts_at_new_events(database_url, start_server):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    server = start_server(database_url, **FAST_STREAM)
    notify_conflict(server.base_url, headers["blue"], headers["red"], 0)
    reader = StreamReader(server.base_url, headers["blue"]).start()
    notify_conflict(server.base_url, headers["blue"], headers["red"], 1)
    (event,) = reader.wait_for(1)
    time.sleep(0.5)
    reader.stop()
    assert len(reader.events) == 1
    assert event.data["payload"]["intent"] is not None
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        bad = client.get("/v1/notices/stream", headers={**headers["blue"], "Last-Event-ID": "x"})
        assert bad.status_code == 422


@pytest.mark.postgres
def test_a_notice_filed_through_one_server_wakes_a_stream_on_another(postgres_url, start_servers):
    """LISTEN/NOTIFY: the streaming server polls only every 5 s while listening, so a prompt
    delivery is the notification's doing. Prints the latency (filing answered → event)."""
    headers = make_parties(postgres_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    one, two = start_servers(postgres_url, 2, stream_keepalive_s=30, stream_poll_s=30)
    reader = StreamReader(two.base_url, headers["blue"]).start()
    time.sleep(1.0)  # the stream's first poll is done; now it waits
    latencies = []
    with httpx.Client(base_url=one.base_url, timeout=30) as client:
        for index in range(10):
            first = client.post("/v1/intents", json=operation_near(index), headers=headers["blue"])
            assert first.status_code == 201
            answered = client.post("/v1/intents", json=operation_near(index, 4_000),
                                   headers=headers["red"])  # fmt: skip
            filed_at = time.monotonic()
            assert answered.status_code == 201
            (event,) = reader.wait_for(index + 1)[index:]
            latencies.append(max(0.0, event.received_at - filed_at))
    reader.stop()
    median_ms, max_ms = statistics.median(latencies) * 1000, max(latencies) * 1000
    print(
        f"\nPostgreSQL, 2 servers: answered → SSE event {median_ms:.0f} ms median, {max_ms:.0f} max"
    )
    assert statistics.median(latencies) < 1.0


def test_the_servers_escalate_an_unacknowledged_notice_once(database_url, start_servers, tmp_path):
    """The background loop of two real servers, with a 1 s conflict deadline (the service
    tests cover the rules with an injected clock; this covers the loop)."""
    policy = tmp_path / "policy.toml"
    shipped = (Path(wellclear.ingest.__file__).parent / "default_policy.toml").read_text()
    policy.write_text(shipped.replace("conflict_s = 900", "conflict_s = 1"))
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR,
                           duty=Role.OPERATOR, watch=Role.OBSERVER)  # fmt: skip
    service = Service(open_database(database_url))
    set_escalation_contact(service, "blue", "duty")
    service.database.dispose()
    count = 2 if database_url.startswith("postgresql") else 1
    servers = start_servers(database_url, count, policy=policy)
    notify_conflict(servers[0].base_url, headers["blue"], headers["red"], 0)
    with httpx.Client(base_url=servers[-1].base_url, timeout=30) as client:

        def escalations(name):
            answer = client.get("/v1/notices", params={"kind": "escalation"}, headers=headers[name])
            return sorted(n["payload"]["party"] for n in answer.json()["items"])

        deadline = time.monotonic() + 15
        while len(escalations("watch")) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.5)  # more passes of every server: still once each
        assert escalations("watch") == ["blue", "red"]  # every observer: both
        assert escalations("duty") == ["blue"]  # blue's contact: blue's only
        assert escalations("red") == []
        (blue_notice,) = client.get("/v1/notices", headers=headers["blue"]).json()["items"]
        assert blue_notice["escalated"]

"""The hotline over real HTTP (SQLite and PostgreSQL): messages, their notices, read receipts,
threads, and what a party may reference."""

from __future__ import annotations

import httpx
from notice_support import make_parties, notify_conflict

from wellclear.service import Role


def test_messages_notices_read_receipts_and_permissions(database_url, start_server):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR,
                           green=Role.OPERATOR, watch=Role.OBSERVER)  # fmt: skip
    server = start_server(database_url)
    ours = notify_conflict(server.base_url, headers["blue"], headers["red"], 0)
    theirs = notify_conflict(server.base_url, headers["red"], headers["green"], 1)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:

        def send(sender, **body):
            return client.post("/v1/hotline/messages", json=body, headers=headers[sender])

        sent = send(
            "blue", to="red", body="Climbing to FL200 over the ridge", regarding=f"conflict:{ours}"
        )
        assert sent.status_code == 201, sent.text
        message = sent.json()
        assert (message["from"], message["to"], message["read_at"]) == ("blue", "red", None)

        (notice,) = client.get("/v1/notices", params={"kind": "message"},
                               headers=headers["red"]).json()["items"]  # fmt: skip
        assert notice["subject"] == f"message:{message['id']}"
        assert notice["payload"]["body"] == "Climbing to FL200 over the ridge"
        assert notice["deadline_at"] is not None  # escalates like any notice
        assert (
            client.post(f"/v1/notices/{notice['id']}/ack", headers=headers["red"]).status_code
            == 200
        )
        (seen,) = client.get("/v1/hotline/messages", headers=headers["blue"]).json()["items"]
        assert seen["read_at"] is not None  # the ack is the read receipt

        # a conflict the sender is not part of, or that does not exist: the same 422
        for regarding in (f"conflict:{theirs}", "conflict:no-such-conflict", "alert:999999"):
            refused = send("blue", to="red", body="hello", regarding=regarding)
            assert refused.status_code == 422, refused.text
            assert "regarding" in refused.text
            assert "green" not in refused.text
        # the recipient must be in it too
        refused = send("red", to="blue", body="hello", regarding=f"conflict:{theirs}")
        assert refused.status_code == 422
        assert "recipient" in refused.text
        assert send("blue", to="nobody", body="hello").status_code == 404
        assert send("blue", to="blue", body="hello").status_code == 422
        assert send("blue", to="red", body="   ").status_code == 422
        assert send("blue", to="red", body="x", regarding="intent:1").status_code == 422
        assert (
            send(
                "watch", to="green", body="Please coordinate", regarding=f"conflict:{theirs}"
            ).status_code
            == 201
        )

        send("green", to="red", body="Convoy at 14:00")
        threads = client.get(
            "/v1/hotline/messages", params={"with": "blue"}, headers=headers["red"]
        )
        assert [m["from"] for m in threads.json()["items"]] == ["blue"]
        all_red = client.get("/v1/hotline/messages", headers=headers["red"]).json()["items"]
        assert [m["from"] for m in all_red] == ["blue", "green"]
        green = client.get("/v1/hotline/messages", headers=headers["green"]).json()["items"]
        assert [m["from"] for m in green] == ["watch", "green"]
        assert "Climbing" not in str(green)
        assert client.get("/v1/hotline/messages", params={"with": "nobody"},
                          headers=headers["red"]).status_code == 404  # fmt: skip

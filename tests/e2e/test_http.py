"""The API over real HTTP against a real ``wellclear serve`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import secrets

import httpx
import pytest

from intent_bodies import circle_extent, intent_body, offset
from wellclear.service import Role, Service, add_party
from wellclear.store import open_database

PROBLEM = "application/problem+json"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(request, make_database_url, start_module_servers):
    """One server per database for the module; each test brings its own parties."""
    database_url = make_database_url(request.param)
    (server,) = start_module_servers(database_url, rate_per_s=1000, rate_burst=1000)
    return database_url, server


@pytest.fixture
def api(server):
    """Clients for fresh parties: blue and red (operators), joint (observer), anonymous."""
    database_url, running = server
    service = Service(open_database(database_url))
    suffix = secrets.token_hex(4)
    roles = {"blue": Role.OPERATOR, "red": Role.OPERATOR, "joint": Role.OBSERVER}
    keys = {
        name: add_party(service.database, f"{name}-{suffix}", role).key
        for name, role in roles.items()
    }
    service.database.dispose()
    clients = {
        name: httpx.Client(base_url=running.base_url, headers={"Authorization": f"Bearer {key}"})
        for name, key in keys.items()
    }
    clients["anonymous"] = httpx.Client(base_url=running.base_url)
    clients["suffix"] = suffix
    # Tests share the server: each works around its own place, far from the others'.
    clients["here"] = (random.uniform(20, 50), random.uniform(10, 50))
    yield clients
    for _name, client in clients.items():
        if isinstance(client, httpx.Client):
            client.close()


def body(api, north_m=0.0, kind="flight", **kwargs):
    return intent_body(kind, circle_extent(offset(0, north_m, api["here"])), **kwargs)


def test_file_read_replace_list_end(api):
    blue = api["blue"]
    created = blue.post("/v1/intents", json=body(api), headers={"Idempotency-Key": "a1"})
    assert created.status_code == 201, created.text
    intent = created.json()["intent"]
    assert created.headers["ETag"] == f'"{intent["version"]}"'
    assert created.headers["Location"] == f"/v1/intents/{intent['id']}"
    assert (
        blue.post("/v1/intents", json=body(api), headers={"Idempotency-Key": "a1"}).json()
        == created.json()
    )

    path = f"/v1/intents/{intent['id']}"
    assert blue.get(path).json() == intent
    assert api["red"].get(path).status_code == 404  # another party's: not disclosed
    stale = blue.put(path, json=body(api, priority=1), headers={"If-Match": '"nope"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    assert blue.put(path, json=body(api, priority=1)).status_code == 428
    replaced = blue.put(
        path, json=body(api, priority=1), headers={"If-Match": created.headers["ETag"]}
    )
    assert replaced.status_code == 200
    assert replaced.json()["intent"]["priority"] == 1

    put_new = blue.put("/v1/intents/sortie-7", json=body(api, 90_000))
    assert put_new.status_code == 201
    page = blue.get("/v1/intents", params={"limit": 1})
    assert len(page.json()["items"]) == 1
    assert page.json()["next_cursor"]
    rest = blue.get("/v1/intents", params={"limit": 1, "cursor": page.json()["next_cursor"]}).json()
    assert {page.json()["items"][0]["id"], rest["items"][0]["id"]} == {intent["id"], "sortie-7"}
    lat, lng = offset(0, 90_000, api["here"])
    bbox = f"{lng - 0.1},{lat - 0.1},{lng + 0.1},{lat + 0.1}"
    far = blue.get("/v1/intents", params={"bbox": bbox}).json()["items"]
    assert [i["id"] for i in far] == ["sortie-7"]

    activated = blue.post("/v1/intents/sortie-7/state", json={"state": "activated"})
    assert activated.json()["state"] == "activated"
    invalid = blue.post("/v1/intents/sortie-7/state", json={"state": "accepted"})
    assert invalid.status_code == 409
    assert blue.delete("/v1/intents/sortie-7").json()["state"] == "ended"
    assert [
        i["id"] for i in blue.get("/v1/intents", params={"state": "ended"}).json()["items"]
    ] == ["sortie-7"]


def test_refusal_and_conflicts_are_minimally_disclosed(api):
    blue = api["blue"].post("/v1/intents", json=body(api)).json()["intent"]
    refused = api["red"].post("/v1/intents", json=body(api, 3_000))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    (conflict,) = problem["conflicts"]
    assert conflict["counterparty"] == f"blue-{api['suffix']}"
    assert blue["id"] not in refused.text
    accepted = api["red"].post("/v1/intents", json=body(api, 3_000, priority=1))
    assert accepted.status_code == 201
    red_view = api["red"].get("/v1/conflicts").json()["items"]
    assert [c["must_act"] for c in red_view] == [[f"blue-{api['suffix']}"]]
    assert blue["id"] not in api["red"].get("/v1/conflicts").text
    joint_view = api["joint"].get("/v1/conflicts", params={"limit": 500}).json()["items"]
    assert any(blue["id"] in c["intents"] for c in joint_view)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"kind": "flight", "extents": [{"volume": {}}]}, "/extents/0/volume"),
        (
            intent_body("flight", circle_extent(radius_m=-5)),
            "/extents/0/volume/outline_circle/radius/value",
        ),
        ([1, 2], ""),
    ],
)
def test_bad_input_is_problem_json_with_the_field(api, body, pointer):
    response = api["blue"].post("/v1/intents", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_auth_and_limits(api):
    anonymous = api["anonymous"]
    assert anonymous.get("/v1/intents").status_code == 401
    assert (
        anonymous.get("/v1/intents", headers={"Authorization": "Bearer wc_x_y"}).status_code == 401
    )
    assert api["joint"].post("/v1/intents", json=body(api)).status_code == 403
    too_big = api["blue"].post("/v1/intents", content=b" " * 1_000_001)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == PROBLEM


def test_me_names_the_keys_party_and_role(api):
    suffix = api["suffix"]
    assert api["blue"].get("/v1/me").json() == {"party": f"blue-{suffix}", "role": "operator"}
    assert api["joint"].get("/v1/me").json() == {"party": f"joint-{suffix}", "role": "observer"}
    assert api["anonymous"].get("/v1/me").status_code == 401


def test_operations_endpoints(api):
    anonymous = api["anonymous"]
    assert anonymous.get("/healthz").json() == {"status": "ok", "detail": None}
    assert anonymous.get("/readyz").status_code == 200
    answered = anonymous.get("/healthz", headers={"X-Request-Id": "trace-42"})
    assert answered.headers["x-request-id"] == "trace-42"
    api["blue"].post("/v1/intents", json=body(api))
    metrics = anonymous.get("/metrics").text
    assert (
        'wellclear_http_requests_total{method="POST",route="/v1/intents",status="201"}' in metrics
    )
    assert 'wellclear_intent_filings_total{outcome="created"}' in metrics
    assert anonymous.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_rate_limit_answers_429_with_retry_after(sqlite_url, start_server):
    service = Service(open_database(sqlite_url))
    key = add_party(service.database, "blue", Role.OPERATOR).key
    service.database.dispose()
    server = start_server(sqlite_url, rate_per_s=0.5, rate_burst=2)
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [httpx.get(f"{server.base_url}/v1/intents", headers=headers) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1

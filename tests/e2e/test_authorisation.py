"""Every endpoint × every kind of caller, over real HTTP (SQLite and PostgreSQL).

DESIGN.md §4: a party reads its own intents in full; about another party it learns only the
party's name, the conflict region and the kinds involved. Observers and admins read
everything. §6: no usable key is 401, a disabled party 403, another party's intent 404.

The matrix is keyed by the app's routes: an endpoint without a row fails
:func:`test_every_endpoint_has_a_row`. Each cell asserts the status and, for every caller who
is not the owner, observer or admin, that the body holds none of the owner's vertices (no
coordinate as the owner is shown it, no point within ~0.1 m of one) and, unless the caller
named it, none of the owner's intent ids.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from intent_bodies import circle_extent, intent_body, offset
from wellclear.api import create_app
from wellclear.service import Role, Service, add_party, rotate_key, set_disabled
from wellclear.store import open_database

PROBLEM = "application/problem+json"
CENTRE = (34.6, 38.9)  # lat, lng


def polygon_extent(centre: tuple[float, float], radius_m: float = 2_000.0) -> dict[str, Any]:
    """An irregular pentagon around ``centre`` whose vertices have many distinctive digits."""
    extent = circle_extent(centre)
    vertices = []
    for i in range(5):
        lat, lng = offset(
            72 * i + random.uniform(-10, 10), radius_m * random.uniform(0.8, 1.2), centre
        )
        vertices.append({"lat": lat, "lng": lng})
    del extent["volume"]["outline_circle"]
    extent["volume"]["outline_polygon"] = {"vertices": vertices}
    return extent


def strip_extent(
    centre: tuple[float, float], east_m: float, half_width_m: float, half_length_m: float
):
    """A north-south rectangle ``east_m`` east of ``centre``."""
    middle = offset(90, east_m, centre) if east_m >= 0 else offset(270, -east_m, centre)
    corners = [
        offset(0, half_length_m, offset(90, half_width_m, middle)),
        offset(180, half_length_m, offset(90, half_width_m, middle)),
        offset(180, half_length_m, offset(270, half_width_m, middle)),
        offset(0, half_length_m, offset(270, half_width_m, middle)),
    ]
    extent = circle_extent(centre)
    del extent["volume"]["outline_circle"]
    extent["volume"]["outline_polygon"] = {"vertices": [{"lat": a, "lng": b} for a, b in corners]}
    return extent


# --- the world: parties, the owner's intents, conflicts ---------------------------------------

CALLERS = [
    "no key", "malformed", "wrong key", "disabled", "rotated out",
    "other operator", "observer", "admin", "owner",
]  # fmt: skip
NOT_AUTHENTICATED = {"no key", "malformed", "wrong key", "rotated out"}
READS_EVERYTHING = {"observer", "admin", "owner"}

PLACES = {  # the owner's intents, far enough apart not to matter to each other
    "read": CENTRE,
    "put": offset(90, 150_000, CENTRE),
    "state": offset(90, 300_000, CENTRE),
    "delete": offset(90, 450_000, CENTRE),
    "guarded": offset(90, 600_000, CENTRE),
    "op": offset(0, 200_000, CENTRE),
}


@dataclass
class World:
    database_url: str
    base_url: str
    suffix: str
    headers: dict[str, dict[str, str]]
    names: dict[str, str]
    ids: dict[str, str]  # owner's intents by place
    vertices: set[tuple[float, float]] = field(default_factory=set)  # the owner's, as shown
    probe: dict[str, Any] = field(default_factory=dict)  # an operation crossing the owner's

    def client(self, caller: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers[caller], timeout=30)


def _key_header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _points(document: Any) -> Iterator[tuple[float, float]]:
    """Every (lat, lng) in a JSON document: F3548 ``{lat, lng}`` and GeoJSON ``[lng, lat]``."""
    if isinstance(document, dict):
        if isinstance(document.get("lat"), float) and isinstance(document.get("lng"), float):
            yield document["lat"], document["lng"]
        for value in document.values():
            yield from _points(value)
    elif isinstance(document, list):
        if len(document) == 2 and all(isinstance(v, float) for v in document):
            yield document[1], document[0]
        for item in document:
            yield from _points(item)


def build_world(database_url: str, base_url: str) -> World:
    service = Service(open_database(database_url))
    suffix = secrets.token_hex(3)
    roles = {
        "owner": Role.OPERATOR,
        "other operator": Role.OPERATOR,
        "observer": Role.OBSERVER,
        "admin": Role.ADMIN,
        "disabled": Role.OPERATOR,
        "rotated out": Role.OPERATOR,
    }
    names = {caller: f"{caller.split()[0]}-{suffix}" for caller in roles}
    keys = {
        caller: add_party(service.database, names[caller], role).key
        for caller, role in roles.items()
    }
    set_disabled(service.database, names["disabled"])
    rotate_key(service.database, names["rotated out"], grace=timedelta(seconds=-1))  # old key: past
    service.database.dispose()
    key_id = keys["owner"].split("_")[1]
    headers = {caller: _key_header(key) for caller, key in keys.items()}
    headers |= {
        "no key": {},
        "malformed": {"Authorization": "Basic " + "b3duZXI6cGFzc3dvcmQ="},
        "wrong key": _key_header(f"wc_{key_id}_{secrets.token_urlsafe(32)}"),
    }
    world = World(database_url, base_url, suffix, headers, names, ids={})
    with world.client("owner") as owner:
        for place, centre in PLACES.items():
            kind = "operation" if place == "op" else "flight"
            intent_id = f"{place}-{secrets.token_hex(4)}"
            body = intent_body(kind, polygon_extent(centre))
            filed = owner.put(f"/v1/intents/{intent_id}", json=body)
            assert filed.status_code == 201, filed.text
            world.ids[place] = intent_id
            world.vertices |= set(_points(filed.json()["intent"]))
    world.probe = intent_body("operation", strip_extent(PLACES["op"], 3_000, 300, 6_000))
    with world.client("other operator") as other:
        # notify: operations close together; reject with priority: a flight near "read"
        noticed = other.post("/v1/intents", json=world.probe)
        assert noticed.status_code == 201, noticed.text
        assert noticed.json()["conflicts"]
        outranking = intent_body("flight", strip_extent(CENTRE, -6_000, 500, 5_000), priority=1)
        accepted = other.post("/v1/intents", json=outranking)
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["conflicts"]
    return world


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request, make_database_url, start_module_servers) -> World:
    database_url = make_database_url(request.param)
    (server,) = start_module_servers(database_url, rate_per_s=10_000, rate_burst=10_000)
    return build_world(database_url, server.base_url)


# --- the matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One endpoint: the request every caller sends, and what each authenticated one gets."""

    request: Callable[[World], tuple[str, str, dict[str, Any]]]
    other: int
    observer: int
    admin: int
    owner: int
    public: bool = False
    names_an_intent: bool = False  # the caller sent the owner's id: it may be echoed

    def expected(self, caller: str) -> int:
        if self.public:
            return self.owner
        if caller in NOT_AUTHENTICATED:
            return 401
        if caller == "disabled":
            return 403
        return {"other operator": self.other, "observer": self.observer, "admin": self.admin,
                "owner": self.owner}[caller]  # fmt: skip


def _public(path: str) -> Row:
    return Row(lambda w: ("GET", path, {}), 200, 200, 200, 200, public=True)


def _public_page(path: str) -> Row:
    """The map page and its files: public; 200 once built (``make web``), else 503 or 404."""
    built = (Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html").is_file()
    status = 200 if built else 503 if path == "/" else 404
    return Row(lambda w: ("GET", path, {}), status, status, status, status, public=True)


def _own(place: str) -> Callable[[World], str]:
    return lambda w: f"/v1/intents/{w.ids[place]}"


def _owners_notice(world: World) -> int:
    """The id of one of the owner's notices (the world's conflicts gave it some)."""
    with world.client("owner") as owner:
        items = owner.get("/v1/notices", params={"limit": 1}).json()["items"]
    assert items, "the owner has no notice"
    return int(items[0]["id"])


_TRACK_STATE = {"id": "4CA2D6", "lat": 10.0, "lon": 10.0, "alt_ft": 10_000, "trk_deg": 90,
                "gs_kt": 300}  # fmt: skip

MATRIX: dict[tuple[str, str], Row] = {
    ("POST", "/v1/intents"): Row(
        lambda w: ("POST", "/v1/intents", {"json": w.probe}),
        other=201, observer=403, admin=403, owner=201,
    ),
    ("GET", "/v1/intents"): Row(
        lambda w: ("GET", "/v1/intents", {"params": {"party": w.names["owner"], "limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("PUT", "/v1/intents/{intent_id}"): Row(
        lambda w: ("PUT", _own("put")(w), {"json": w.probe, "headers": {"If-Match": "*"}}),
        other=412, observer=403, admin=403, owner=200, names_an_intent=True,
    ),
    ("GET", "/v1/intents/{intent_id}"): Row(
        lambda w: ("GET", _own("read")(w), {"params": {"party": w.names["owner"]}}),
        other=404, observer=200, admin=200, owner=200, names_an_intent=True,
    ),
    ("POST", "/v1/intents/{intent_id}/state"): Row(
        lambda w: ("POST", _own("state")(w) + "/state", {"json": {"state": "activated"}}),
        other=404, observer=403, admin=403, owner=200, names_an_intent=True,
    ),
    ("DELETE", "/v1/intents/{intent_id}"): Row(
        lambda w: ("DELETE", _own("delete")(w), {}),
        other=404, observer=403, admin=403, owner=200, names_an_intent=True,
    ),
    ("GET", "/v1/conflicts"): Row(
        lambda w: ("GET", "/v1/conflicts", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("POST", "/v1/tracks"): Row(
        lambda w: ("POST", "/v1/tracks", {"json": {"states": [_TRACK_STATE]}}),
        other=200, observer=403, admin=403, owner=200,
    ),
    ("GET", "/v1/tracks"): Row(
        lambda w: ("GET", "/v1/tracks", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/alerts"): Row(
        lambda w: ("GET", "/v1/alerts", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/"): _public_page("/"),
    ("GET", "/assets/{name}"): _public_page("/assets/app.css"),
    ("GET", "/v1/audit/head"): Row(
        lambda w: ("GET", "/v1/audit/head", {}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/audit/entries"): Row(
        lambda w: ("GET", "/v1/audit/entries", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/notices"): Row(
        lambda w: ("GET", "/v1/notices", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/notices/deliveries"): Row(
        lambda w: ("GET", "/v1/notices/deliveries", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("POST", "/v1/notices/deliveries/redeliver"): Row(  # no webhook here: nothing to resend
        lambda w: ("POST", "/v1/notices/deliveries/redeliver", {}),
        other=202, observer=202, admin=202, owner=202,
    ),
    ("POST", "/v1/notices/deliveries/{delivery_id}/redeliver"): Row(  # see test_webhooks.py
        lambda w: ("POST", "/v1/notices/deliveries/2147483647/redeliver", {}),
        other=404, observer=404, admin=404, owner=404,
    ),
    ("GET", "/v1/notices/stream"): Row(
        lambda w: ("GET", "/v1/notices/stream", {"params": {"last_event_id": 0, "wait_s": 0}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/notices/{notice_id}"): Row(
        lambda w: ("GET", f"/v1/notices/{_owners_notice(w)}", {}),
        other=404, observer=404, admin=404, owner=200,  # a party's notices are its own
    ),
    ("POST", "/v1/notices/{notice_id}/ack"): Row(
        lambda w: ("POST", f"/v1/notices/{_owners_notice(w)}/ack", {}),
        other=404, observer=404, admin=404, owner=200,
    ),
    ("POST", "/v1/hotline/messages"): Row(
        lambda w: ("POST", "/v1/hotline/messages",
                   {"json": {"to": w.names["rotated out"], "body": "Coordinate, please"}}),
        other=201, observer=201, admin=201, owner=201,
    ),
    ("GET", "/v1/hotline/messages"): Row(
        lambda w: ("GET", "/v1/hotline/messages", {"params": {"limit": 500}}),
        other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/v1/me"): Row(
        lambda w: ("GET", "/v1/me", {}), other=200, observer=200, admin=200, owner=200,
    ),
    ("GET", "/healthz"): _public("/healthz"),
    ("GET", "/readyz"): _public("/readyz"),
    ("GET", "/metrics"): _public("/metrics"),
    ("GET", "/openapi.json"): _public("/openapi.json"),
    ("GET", "/docs"): _public("/docs"),
    ("GET", "/docs/oauth2-redirect"): _public("/docs/oauth2-redirect"),
    ("GET", "/redoc"): _public("/redoc"),
}  # fmt: skip


def app_endpoints() -> set[tuple[str, str]]:
    """(method, path) of every route of the app; HEAD only where GET is not there too."""
    app = create_app(Service(open_database("sqlite://")))  # the routes; no database is touched
    endpoints = set()
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        endpoints |= {(method, str(route.path)) for method in methods}
    return endpoints


def test_every_endpoint_has_a_row():
    assert app_endpoints() == set(MATRIX)


def assert_discloses_nothing_of_the_owner(world: World, response: httpx.Response, *, named: bool):
    """No vertex of the owner's in the body: no coordinate as the owner is shown it, and no
    point within 1e-6° (~0.1 m) of one; and no id of the owner's unless the caller sent it."""
    where = f"{response.request.method} {response.url}"
    shown = sorted(
        json.dumps(c) for v in world.vertices for c in v if json.dumps(c) in response.text
    )
    assert not shown, f"owner's coordinates {shown[:3]} in {where}"
    if response.headers.get("content-type", "").endswith("json"):
        near = [
            p for p in _points(response.json())
            if any(abs(p[0] - v[0]) < 1e-6 and abs(p[1] - v[1]) < 1e-6 for v in world.vertices)
        ]  # fmt: skip
        assert not near, f"owner's vertices {near[:3]} in {where}"
    if not named:
        ids = [i for i in world.ids.values() if i in response.text]
        assert not ids, f"owner's intent ids {ids} in {where}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", list(MATRIX), ids=" ".join)
def test_matrix(world, endpoint, caller):
    row = MATRIX[endpoint]
    method, path, kwargs = row.request(world)
    with world.client(caller) as client:
        response = client.request(method, path, **kwargs)
    assert response.status_code == row.expected(caller), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if caller not in READS_EVERYTHING:
        assert_discloses_nothing_of_the_owner(world, response, named=row.names_an_intent)


# --- what the other operator does see ---------------------------------------------------------


def test_another_operator_sees_region_counterparty_and_kinds_only(world):
    with world.client("other operator") as other:
        conflicts = other.get("/v1/conflicts", params={"limit": 500})
        refused = other.post(
            "/v1/intents", json=intent_body("flight", strip_extent(CENTRE, 4_000, 500, 5_000))
        )
    assert conflicts.status_code == 200
    items = conflicts.json()["items"]
    assert {tuple(c["kinds"]) for c in items} >= {("operation", "operation"), ("flight", "flight")}
    for conflict in items:
        assert conflict["counterparty"] == world.names["owner"]
        assert conflict["parties"] == [world.names["other operator"], world.names["owner"]]
        assert conflict["intents"][0] is not None
        assert conflict["intents"][1] is None
        assert conflict["region"]["footprint"]["type"] in ("Polygon", "MultiPolygon")
    assert_discloses_nothing_of_the_owner(world, conflicts, named=False)

    assert refused.status_code == 409  # a flight of equal priority near the owner's
    (conflict,) = refused.json()["conflicts"]
    assert conflict["counterparty"] == world.names["owner"]
    assert conflict["intents"][1] is None
    assert conflict["region"]["footprint"]["coordinates"]
    assert_discloses_nothing_of_the_owner(world, refused, named=False)


def test_the_owner_sees_the_same_conflicts_from_its_side(world):
    with world.client("owner") as owner:
        items = owner.get("/v1/conflicts", params={"limit": 500}).json()["items"]
        own_ids = {c["intents"][0] for c in items}
        assert {world.ids["read"], world.ids["op"]} <= own_ids
        assert all(owner.get(f"/v1/intents/{i}").status_code == 200 for i in own_ids)
    assert all(c["counterparty"] == world.names["other operator"] for c in items)
    assert all(c["intents"][1] is None for c in items)


def test_observers_and_admins_see_both_sides(world):
    for caller in ("observer", "admin"):
        with world.client(caller) as reader:
            items = reader.get("/v1/conflicts", params={"limit": 500}).json()["items"]
            one = reader.get(
                f"/v1/intents/{world.ids['read']}", params={"party": world.names["owner"]}
            )
        assert any(world.ids["read"] in c["intents"] and None not in c["intents"] for c in items)
        assert one.status_code == 200
        assert one.json()["party"] == world.names["owner"]


def test_nobody_else_can_change_the_owners_intent(world):
    path = f"/v1/intents/{world.ids['guarded']}"
    with world.client("owner") as owner:
        before = owner.get(path).json()
    for caller in CALLERS[:-1]:
        with world.client(caller) as client:
            tries = [
                client.put(path, json=world.probe, headers={"If-Match": "*"}),
                client.put(path, json=world.probe, headers={"If-Match": before["version"]}),
                client.post(f"{path}/state", json={"state": "ended"}),
                client.delete(path, headers={"If-Match": before["version"]}),
            ]
        assert all(t.status_code in (401, 403, 404, 412) for t in tries), caller
        for attempt in tries:
            assert_discloses_nothing_of_the_owner(world, attempt, named=True)
    with world.client("owner") as owner:
        assert owner.get(path).json() == before


def test_a_put_to_another_partys_id_makes_the_callers_own_intent(world):
    """Intent ids are per party: the owner's id names nothing of another operator's."""
    path = f"/v1/intents/{world.ids['guarded']}"
    with world.client("other operator") as other:
        created = other.put(
            path, json=intent_body("flight", circle_extent(offset(180, 500_000, CENTRE)))
        )
    assert created.status_code == 201, created.text
    assert created.json()["intent"]["party"] == world.names["other operator"]
    assert_discloses_nothing_of_the_owner(world, created, named=True)
    with world.client("owner") as owner:
        assert owner.get(path).json()["party"] == world.names["owner"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic b3duZXI6cGFzc3dvcmQ=",
        "Bearer",
        "Bearer ,",
        "Token {key}",
        "{key}",
        "Bearer wc_",
        "Bearer wc__",
        "Bearer wc_{key_id}_",
        "Bearer not-a-key",
        "Bearer {key} trailing",
        "Bearer {key}x",
        "Bearer wc_{key_id}_{key_id}",
    ],
)
def test_malformed_authorization_is_401(world, authorization):
    key = world.headers["owner"]["Authorization"].removeprefix("Bearer ")
    value = authorization.format(key=key, key_id=key.split("_")[1])
    response = httpx.get(f"{world.base_url}/v1/intents", headers={"Authorization": value})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM


def test_the_scheme_is_case_insensitive(world):
    key = world.headers["owner"]["Authorization"].removeprefix("Bearer ")
    response = httpx.get(f"{world.base_url}/v1/intents", headers={"Authorization": f"bearer {key}"})
    assert response.status_code == 200


def test_a_rotated_key_works_until_its_grace_ends(world):
    """The old key of "rotated out" (grace over) is 401 in the matrix; within grace, both work."""
    service = Service(open_database(world.database_url))
    name = f"graced-{world.suffix}"
    old = add_party(service.database, name, Role.OPERATOR).key
    new = rotate_key(service.database, name, grace=timedelta(hours=1)).key
    service.database.dispose()
    for key in (old, new):
        response = httpx.get(f"{world.base_url}/v1/intents", headers=_key_header(key))
        assert response.status_code == 200, response.text

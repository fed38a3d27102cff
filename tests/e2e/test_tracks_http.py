"""Live tracks and alerts over real HTTP against real ``wellclear serve`` processes: the API,
the background monitor, ``serve --sbs`` with a real TCP feed, and leader failover (kill -9)
on PostgreSQL and on one SQLite file."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import Server, _wait_ready, free_port
from intent_bodies import circle_extent, intent_body, offset
from wellclear.service import Role, Service, add_party, authenticate
from wellclear.service.notices import list_notices
from wellclear.store import open_database

PROBLEM = "application/problem+json"
KT_PER_MPS = 3600 / 1852
FAST = {"monitor_interval_s": 0.2, "rate_per_s": 1000, "rate_burst": 1000}


def parties(database_url: str, *names_roles: tuple[str, Role]) -> dict[str, str]:
    service = Service(open_database(database_url))
    suffix = secrets.token_hex(3)
    keys = {
        name: add_party(service.database, f"{name}-{suffix}", role).key
        for name, role in names_roles
    }
    service.database.dispose()
    keys["suffix"] = suffix
    return keys


def client(server: Server, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def state(ident, position, trk_deg, speed_mps=200.0, alt_ft=10_000, **extra):
    return {"id": ident, "lat": position[0], "lon": position[1], "alt_ft": alt_ft,
            "trk_deg": trk_deg, "gs_kt": speed_mps * KT_PER_MPS, **extra}  # fmt: skip


def converging(here, distance_m=30_000):
    return (
        state("B0A1", offset(270, distance_m / 2, here), 90.0, callsign="BLUE1"),
        state("C0D2", offset(90, distance_m / 2, here), 270.0, callsign="RED7"),
    )


def wait_for(probe, timeout_s=10.0, every_s=0.1):
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every_s)


def test_tracks_and_alerts_over_http(database_url, start_server):
    server = start_server(database_url, **FAST)
    keys = parties(
        database_url, ("blue", Role.OPERATOR), ("red", Role.OPERATOR), ("joint", Role.OBSERVER)
    )
    here = (30.0, 20.0)
    own, other = converging(here)
    with (
        client(server, keys["blue"]) as blue,
        client(server, keys["red"]) as red,
        client(server, keys["joint"]) as joint,
    ):
        posted = blue.post("/v1/tracks", json={"states": [own]})
        assert posted.status_code == 200, posted.text
        assert posted.json() == {"received": 1}
        assert red.post("/v1/tracks", json={"states": [other]}).status_code == 200
        assert joint.post("/v1/tracks", json={"states": [own]}).status_code == 403

        bad = blue.post("/v1/tracks", json={"states": [{**own, "lat": 91}, {**own, "id": ""}]})
        assert bad.status_code == 422
        assert bad.headers["content-type"] == PROBLEM
        assert [e["path"] for e in bad.json()["errors"]] == ["states[0].lat", "states[1].id"]
        assert [e["pointer"] for e in bad.json()["errors"]] == ["/states/0/lat", "/states/1/id"]

        mine = blue.get("/v1/tracks").json()
        assert [(t["party"], t["id"], t["callsign"]) for t in mine["items"]] == [
            (f"blue-{keys['suffix']}", "B0A1", "BLUE1")
        ]
        assert mine["next_cursor"] is None
        assert mine["items"][0]["alt_m"] == pytest.approx(3048.0)
        assert {t["id"] for t in joint.get("/v1/tracks").json()["items"]} >= {"B0A1", "C0D2"}

        # the background monitor finds the encounter: 30 km head-on at 400 m/s closing
        items = wait_for(lambda: blue.get("/v1/alerts").json()["items"])
        assert len(items) == 1, items
        (alert,) = items
        assert alert["kind"] == "conflict"
        assert alert["level"] == "warning"
        assert [t["id"] for t in alert["tracks"]] == ["B0A1", "C0D2"]
        (seen_by_red,) = red.get("/v1/alerts", params={"status": "open"}).json()["items"]
        assert seen_by_red["id"] == alert["id"]
        assert [t["id"] for t in seen_by_red["tracks"]] == ["C0D2", "B0A1"]
        assert "BLUE1" not in red.get("/v1/alerts").text  # blue's callsign is blue's
        assert [t["id"] for t in red.get("/v1/tracks").json()["items"]] == ["C0D2"]
        assert blue.get("/v1/alerts", params={"status": "closed"}).json()["items"] == []
        assert blue.get("/v1/alerts", params={"status": "later"}).status_code == 422
        time.sleep(0.6)  # a few more cycles: still one alert
        assert len(joint.get("/v1/alerts").json()["items"]) == 1

    # the background loop wrote one notice per party with the alert
    service = Service(open_database(database_url))
    for name in ("blue", "red"):
        caller = authenticate(service.database, keys[name])
        (notice,) = list_notices(service, caller, subject=f"alert:{alert['id']}").items
        assert (notice.kind, notice.level, notice.closed) == ("alert", "warning", False)
    service.database.dispose()


class SbsFeeder:
    """A BaseStation feed on a local TCP port: two aircraft head-on, 12 km apart, FL100."""

    LINES = (
        "MSG,3,1,1,{icao},1,2026/12/01,10:00:00.000,2026/12/01,10:00:00.000,,10000,,,{lat},{lon}"
        ",,,0,,0,0",
        "MSG,4,1,1,{icao},1,2026/12/01,10:00:00.000,2026/12/01,10:00:00.000,,,{gs},{trk},,,0"
        ",,0,,0,0",
        "MSG,1,1,1,{icao},1,2026/12/01,10:00:00.000,2026/12/01,10:00:00.000,{callsign},,,,,,,,,,,",
    )

    def __init__(self, here: tuple[float, float]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        west, east = offset(270, 6_000, here), offset(90, 6_000, here)
        self.aircraft = [("3C6586", west, 90, "DLH4AB"), ("4CA2D6", east, 270, "EIN12")]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _lines(self) -> bytes:
        text = ""
        for icao, (lat, lon), trk, callsign in self.aircraft:
            for line in self.LINES:
                text += line.format(icao=icao, lat=f"{lat:.5f}", lon=f"{lon:.5f}", gs=300,
                                    trk=trk, callsign=callsign) + "\r\n"  # fmt: skip
        return (text + "garbage,line\r\n").encode()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                while not self.stop.is_set():
                    try:
                        conn.sendall(self._lines())
                    except OSError:
                        break
                    time.sleep(0.2)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def feeder() -> Iterator[SbsFeeder]:
    running = SbsFeeder((40.0, 10.0))
    yield running
    running.close()


def spawn_serve(tmp_path: Path, database_url: str, *args: str) -> Server:
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    env = {**os.environ, "WELLCLEAR_DATABASE_URL": database_url,
           "WELLCLEAR_MONITOR_INTERVAL_S": "0.2"}  # fmt: skip
    command = [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port), *args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", process, log_path)


def test_an_intent_shows_the_tracks_tied_to_it(database_url, start_server):
    server = start_server(database_url)
    keys = parties(database_url, ("blue", Role.OPERATOR))
    body = intent_body("flight", circle_extent((31.0, 21.0)), tracks=["bluE1 ", "4ca2d6", "BLUE1"])
    with client(server, keys["blue"]) as blue:
        filed = blue.post("/v1/intents", json=body)
        assert filed.status_code == 201, filed.text
        intent = filed.json()["intent"]
        assert intent["tracks"] == ["4CA2D6", "BLUE1"]  # as stored: upper case, sorted, once
        one = blue.get(f"/v1/intents/{intent['id']}").json()
        (listed,) = blue.get("/v1/intents").json()["items"]
        activated = blue.post(f"/v1/intents/{intent['id']}/state", json={"state": "activated"})
        assert one["tracks"] == listed["tracks"] == activated.json()["tracks"] == intent["tracks"]
        del body["tracks"]
        version = activated.json()["version"]
        replaced = blue.put(f"/v1/intents/{intent['id']}", json=body, headers={"If-Match": version})
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["intent"]["tracks"] == []
        assert blue.get(f"/v1/intents/{intent['id']}").json()["tracks"] == []


def test_serve_sbs_ingests_a_feed_for_a_party(sqlite_url, tmp_path, feeder):
    keys = parties(sqlite_url, ("blue", Role.OPERATOR))
    party = f"blue-{keys['suffix']}"
    server = spawn_serve(
        tmp_path, sqlite_url, "--sbs", f"127.0.0.1:{feeder.port}", "--sbs-party", party
    )
    try:
        _wait_ready(server)
        with client(server, keys["blue"]) as blue:
            items = wait_for(lambda: len(blue.get("/v1/tracks").json()["items"]) == 2 and
                             blue.get("/v1/tracks").json()["items"])  # fmt: skip
            assert items, server.log()
            by_id = {t["id"]: t for t in items}
            assert set(by_id) == {"3C6586", "4CA2D6"}
            track = by_id["4CA2D6"]
            assert track["source"] == "sbs"
            assert track["callsign"] == "EIN12"
            assert track["alt_m"] == pytest.approx(3048.0)
            assert track["gs_mps"] == pytest.approx(300 / KT_PER_MPS)
            assert track["trk_deg"] == 270
            east = offset(90, 6_000, (40.0, 10.0))
            assert (track["lat"], track["lon"]) == pytest.approx(east, abs=1e-5)
            # both are blue's, 12 km apart head-on: the monitor alerts blue
            alerts = wait_for(lambda: blue.get("/v1/alerts").json()["items"])
            assert [a["kind"] for a in alerts] == ["conflict"], server.log()
            assert {t["id"] for t in alerts[0]["tracks"]} == {"3C6586", "4CA2D6"}
    finally:
        server.process.terminate()
        server.process.wait(10)


def test_serve_refuses_a_bad_sbs_party(sqlite_url, tmp_path):
    keys = parties(sqlite_url, ("joint", Role.OBSERVER))
    for args, says in [
        (["--sbs", "127.0.0.1:1", "--sbs-party", "nobody"], "no party named 'nobody'"),
        (["--sbs", "127.0.0.1:1", "--sbs-party", f"joint-{keys['suffix']}"], "only operators"),
        (["--sbs", "nohostport", "--sbs-party", "x"], "HOST:PORT"),
        (["--sbs", "127.0.0.1:1"], "--sbs-party"),
    ]:
        server = spawn_serve(tmp_path, sqlite_url, *args)
        assert server.process.wait(30) == 2
        assert says in server.log()


def leaders(servers: list[Server]) -> list[Server]:
    found = []
    for server in servers:
        try:
            text = httpx.get(f"{server.base_url}/metrics", timeout=5).text
        except httpx.TransportError:
            continue
        if re.search(r"^wellclear_monitor_leader 1\.0$", text, re.MULTILINE):
            found.append(server)
    return found


def test_a_follower_takes_over_when_the_leader_is_killed(database_url, start_servers):
    """Two servers on one database (PostgreSQL, or one SQLite file): one leads."""
    servers = start_servers(database_url, 2, **FAST)
    keys = parties(database_url, ("blue", Role.OPERATOR), ("red", Role.OPERATOR))
    assert wait_for(lambda: len(leaders(servers)) == 1, timeout_s=10), [s.log() for s in servers]
    time.sleep(1.0)  # the follower keeps trying and keeps losing
    (leader,) = leaders(servers)
    (follower,) = [s for s in servers if s is not leader]
    os.kill(leader.process.pid, signal.SIGKILL)
    leader.process.wait(10)
    killed_at = time.monotonic()

    own, other = converging((45.0, 30.0))
    with client(follower, keys["blue"]) as blue, client(follower, keys["red"]) as red:
        assert blue.post("/v1/tracks", json={"states": [own]}).status_code == 200
        assert red.post("/v1/tracks", json={"states": [other]}).status_code == 200
        alerts = wait_for(lambda: blue.get("/v1/alerts").json()["items"], timeout_s=10)
    took_s = time.monotonic() - killed_at
    assert len(alerts) == 1, follower.log()
    assert took_s < 5.0
    assert leaders([follower]) == [follower]
    assert "monitor leader" in follower.log()

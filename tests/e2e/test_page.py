"""The map page in a real browser (Debian's Chromium via Playwright) against a real server.

A scene on a fresh SQLite database, shared by the module's tests: two operators whose
operations overlap (a conflict each is told of, with its region), a flight of one of them, an
observer. Each test signs in from a fresh browser context at 1280×800, as a user would, and
checks what the page shows and what the server recorded; the restart test runs its own
servers. Screenshots go to out/screenshots/. Tests of endpoints a server lacks skip, naming
them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from page_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    VIEWPORT,
    WEB,
    check_prerequisites,
    colour_counts,
    hex_colour,
    near,
    unavailable,
)

from conftest import free_port
from intent_bodies import circle_extent, intent_body, offset, rfc3339, square_extent
from wellclear.service import Role, Service, add_party
from wellclear.store import open_database

ALEPPO = (36.2, 37.1)  # lat, lng
NORTH = offset(0, 20_000, ALEPPO)
LAND = hex_colour("#efece2")
WATER = hex_colour("#b7d2e8")
CONFLICT = hex_colour("#e0162b")
TIMEOUT_MS = 20_000


def timed(extent: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    extent["time_start"] = rfc3339(start)
    extent["time_end"] = rfc3339(end)
    return extent


@dataclass
class Scene:
    base_url: str
    keys: dict[str, str]
    names: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(hours=1))

    def client(self, who: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[who]}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def has_route(self, method: str, pattern: str) -> bool:
        """Whether the server has ``method`` on a path matching ``pattern`` (a regex)."""
        return has_route(self.base_url, method, pattern)


def has_route(base_url: str, method: str, pattern: str) -> bool:
    document = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
    return any(
        re.fullmatch(pattern, path) and method.lower() in operations
        for path, operations in document.get("paths", {}).items()
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    check_prerequisites()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (after the skip check)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def scene(browser, make_database_url, start_module_servers) -> Scene:
    database_url = make_database_url("sqlite")
    (server,) = start_module_servers(database_url, rate_per_s=10_000, rate_burst=10_000)
    service = Service(open_database(database_url))
    suffix = secrets.token_hex(2)
    roles = {"blue": Role.OPERATOR, "red": Role.OPERATOR, "joint": Role.OBSERVER}
    names = {who: f"{who}-air-{suffix}" if who != "joint" else f"joint-{suffix}" for who in roles}
    keys = {who: add_party(service.database, names[who], role).key for who, role in roles.items()}
    service.database.dispose()
    scene = Scene(server.base_url, keys, names)
    start, end = scene.start, scene.start + timedelta(hours=4)
    with scene.client("blue") as blue:
        for name, body in {
            "flight": intent_body("flight", timed(square_extent(ALEPPO, 3_000), start, end)),
            "op": intent_body(
                "operation",
                timed(circle_extent(NORTH, 6_000, 3_000, 6_000), start, end),
            ),
        }.items():
            filed = blue.post("/v1/intents", json=body)
            assert filed.status_code == 201, filed.text
            scene.ids[name] = filed.json()["intent"]["id"]
    with scene.client("red") as red:
        overlapping = circle_extent(offset(0, 8_000, NORTH), 6_000, 4_000, 7_000)
        filed = red.post(
            "/v1/intents", json=intent_body("operation", timed(overlapping, start, end))
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["conflicts"], "the operations should conflict (notify)"
        scene.ids["red-op"] = filed.json()["intent"]["id"]
    return scene


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def screenshot(page, name: str) -> bytes:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    data: bytes = page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    return data


def sign_in(page, scene: Scene, who: str) -> None:
    page.goto(scene.base_url + "/")
    page.wait_for_selector("body[data-map-ready]", timeout=TIMEOUT_MS)
    page.get_by_label("API key").fill(scene.keys[who])
    page.get_by_label("API key").press("Enter")
    page.wait_for_selector("body[data-signed-in]", timeout=TIMEOUT_MS)


def centre_on(page, place: tuple[float, float], zoom: float) -> None:
    """Move the map as a user would by panning and zooming."""
    page.evaluate(
        "([lng, lat, zoom]) => wellclear.map.jumpTo({center: [lng, lat], zoom})",
        [place[1], place[0], zoom],
    )


def wait_rendered(page, layer: str) -> None:
    page.wait_for_function(
        "(layer) => wellclear.map.queryRenderedFeatures({layers: [layer]}).length > 0",
        arg=layer,
        timeout=TIMEOUT_MS,
    )


# --- tests -----------------------------------------------------------------------------------


def test_a_wrong_key_is_refused_and_the_key_stays_in_the_tab(page, scene):
    page.goto(scene.base_url + "/")
    page.get_by_label("API key").fill("wc_nokey_" + secrets.token_urlsafe(16))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="not accepted").wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("sessionStorage.length") == 0
    sign_in(page, scene, "blue")
    assert page.evaluate("sessionStorage.getItem('wellclear.apiKey')") == scene.keys["blue"]
    assert page.evaluate("localStorage.length") == 0


def test_a_party_sees_its_intents_and_its_conflict_region(page, scene):
    sign_in(page, scene, "blue")
    page.get_by_role("tab", name="Lists").click()
    intents = page.locator("#intent-list li[data-intent-id]")
    intents.nth(1).wait_for(timeout=TIMEOUT_MS)
    assert sorted(intents.evaluate_all("items => items.map(i => i.dataset.intentId)")) == sorted(
        [scene.ids["flight"], scene.ids["op"]]
    )
    conflict = page.locator("#conflict-list li.conflict")
    conflict.first.wait_for(timeout=TIMEOUT_MS)
    assert scene.names["red"] in conflict.first.inner_text()
    wait_rendered(page, "intents-fill")
    wait_rendered(page, "conflicts-fill")
    assert page.get_by_text(f"Signed in as {scene.names['blue']}").is_visible()
    shot = screenshot(page, "intents-and-conflict")
    outline = sum(n for c, n in colour_counts(shot).items() if near(c, CONFLICT, 30))
    assert outline > 50, f"the conflict region's outline is not on the screen ({outline} px)"
    # the time slider: at a moment outside every intent, nothing is drawn
    page.get_by_label("Only intents in force at").check()
    page.get_by_label("Day (UTC)", exact=True).fill(
        (scene.start + timedelta(days=2)).strftime("%Y-%m-%d")
    )
    page.get_by_label("Day (UTC)", exact=True).dispatch_event("change")
    page.wait_for_function(
        "() => wellclear.map.queryRenderedFeatures({layers: ['intents-fill']}).length === 0",
        timeout=TIMEOUT_MS,
    )
    page.get_by_role("button", name="Now").click()
    wait_rendered(page, "intents-fill")


def test_an_observer_sees_every_party(page, scene):
    sign_in(page, scene, "joint")
    page.get_by_role("tab", name="Lists").click()
    page.locator("#intent-list li[data-intent-id]").nth(2).wait_for(timeout=TIMEOUT_MS)
    parties = page.evaluate("[...new Set(wellclear.intents.map(i => i.party))].sort()")
    assert parties == sorted([scene.names["blue"], scene.names["red"]])
    assert page.get_by_text("observer").first.is_visible()


def test_the_basemap_is_drawn(page, scene):
    sign_in(page, scene, "blue")
    page.evaluate("wellclear.map.jumpTo({center: [36.0, 34.5], zoom: 5})")  # Levant coast
    page.wait_for_function("() => wellclear.map.loaded()", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    shot = page.locator("#map").screenshot(path=str(SCREENSHOTS / "basemap.png"))
    counts = colour_counts(shot)
    total = sum(counts.values())
    land = sum(n for c, n in counts.items() if near(c, LAND))
    water = sum(n for c, n in counts.items() if near(c, WATER))
    other = total - land - water
    # Syria, Turkey, Lebanon... are land; the Mediterranean is water; borders and coasts
    # are lines of other colours. A blank or failed canvas would be one colour.
    assert land > 0.2 * total, (land, total)
    assert water > 0.05 * total, (water, total)
    assert other > 0.002 * total, (other, total)


def test_a_drawn_intent_that_is_refused_shows_where_and_why(page, scene):
    sign_in(page, scene, "red")
    page.get_by_role("tab", name="File intent").click()
    page.get_by_label("Kind").select_option("flight")
    page.evaluate(
        "([lng, lat]) => wellclear.map.jumpTo({center: [lng, lat], zoom: 11})",
        [ALEPPO[1], ALEPPO[0]],
    )
    page.get_by_role("button", name="Draw on the map").click()
    canvas = page.locator("#map canvas")
    for azimuth in (20, 140, 260):  # a triangle inside blue's flight, 1.5 km around its centre
        lat, lng = offset(azimuth, 1_500, ALEPPO)
        point = page.evaluate("([lng, lat]) => wellclear.map.project([lng, lat])", [lng, lat])
        canvas.click(position={"x": point["x"], "y": point["y"]})
    page.get_by_role("button", name="Finish drawing").click()
    assert len(page.get_by_label("Points", exact=False).input_value().splitlines()) == 3
    start = scene.start + timedelta(hours=1)
    page.get_by_label("Start (UTC)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("End (UTC)").fill((start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Lowest altitude", exact=False).fill("1200")
    page.get_by_label("Highest altitude", exact=False).fill("1800")
    page.get_by_role("button", name="Submit intent").click()
    result = page.locator("#file-result.refused")
    result.wait_for(timeout=TIMEOUT_MS)
    text = result.inner_text()
    assert "Refused" in text, text
    assert f"{scene.names['blue']}'s flight" in text, text
    assert "(reject)" in text, text
    wait_rendered(page, "refused-fill")
    screenshot(page, "refused-filing")
    with scene.client("red") as red:
        ids = [i["id"] for i in red.get("/v1/intents").json()["items"]]
    assert ids == [scene.ids["red-op"]], "the refused intent must not have been stored"


def track_state(track_id: str, position: tuple[float, float], heading: float) -> dict[str, Any]:
    return {
        "id": track_id, "callsign": track_id.upper(), "lat": position[0], "lon": position[1],
        "alt_m": 3_000.0, "trk_deg": heading, "gs_kt": 300.0, "vs_fpm": 0.0,
    }  # fmt: skip


def test_a_live_alert_appears_on_the_map(page, scene):
    if not scene.has_route("post", "/v1/tracks") or not scene.has_route("get", "/v1/alerts"):
        pytest.skip("this server has no POST /v1/tracks or GET /v1/alerts")
    sign_in(page, scene, "blue")
    page.get_by_role("tab", name="Lists").click()
    west, east = offset(270, 4_000, ALEPPO), offset(90, 4_000, ALEPPO)
    # Head-on at 300 kt each, 8 km apart at one altitude (a loss of separation in ~25 s),
    # reported every second as a feed would, until the test is done.
    done = threading.Event()
    errors: list[str] = []

    def report() -> None:
        with scene.client("blue") as blue, scene.client("red") as red:
            while not done.is_set():
                for client, state in ((blue, track_state("blu1", west, 90.0)),
                                      (red, track_state("red1", east, 270.0))):  # fmt: skip
                    sent = client.post("/v1/tracks", json={"states": [state]})
                    if sent.status_code != 200:
                        errors.append(sent.text)
                done.wait(1.0)

    feeder = threading.Thread(target=report, daemon=True)
    feeder.start()
    try:
        _see_the_alert(page, scene)
    finally:
        done.set()
        feeder.join(timeout=10)
    assert not errors, errors


def _see_the_alert(page, scene: Scene) -> None:
    page.locator("#alert-list li.alert.open[data-kind='conflict']").wait_for(timeout=TIMEOUT_MS)
    page.locator("#track-list li.alerting").wait_for(timeout=TIMEOUT_MS)
    centre_on(page, ALEPPO, 10.5)
    wait_rendered(page, "tracks")
    wait_rendered(page, "tracks-ring")
    wait_rendered(page, "alert-links")
    assert page.locator(".track-label.alerting").filter(has_text="BLU1").count() == 1
    if scene.has_route("get", NOTICES):  # and its notice, in the panel
        alert = page.locator("#notices li.notice[data-kind='alert']").first
        alert.wait_for(state="attached", timeout=TIMEOUT_MS)
        assert "blu1" in alert.text_content().lower()
    screenshot(page, "live-alert")


# --- the page's modules, without a browser ----------------------------------------------------


def test_the_page_modules_pass_their_unit_tests():
    node = shutil.which("node")
    if node is None:
        unavailable("no node (Node.js) to run web/test/ with: apt-get install nodejs")
    result = subprocess.run(
        [node, "--test", "test/"], cwd=WEB, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


# --- serving, without a browser --------------------------------------------------------------


def test_the_page_and_its_files_are_served_from_the_web_dir(start_server, sqlite_url, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>page</title>")
    (tmp_path / "assets" / "app.js").write_text("export {};")
    (tmp_path / "secret.txt").write_text("not an asset")
    server = start_server(sqlite_url, web_dir=tmp_path)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        script = client.get("/assets/app.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        for missing in ("/assets/nothing.js", "/assets/..%2Fsecret.txt", "/assets/.hidden.js"):
            assert client.get(missing).status_code in (404, 422), missing
        assert client.get("/assets/../secret.txt").status_code == 404


def test_without_a_built_page_the_root_says_how_to_build_it(start_server, sqlite_url, tmp_path):
    server = start_server(sqlite_url, web_dir=tmp_path / "nothing-here")
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        html = client.get("/", headers={"Accept": "text/html"})
        api = client.get("/", headers={"Accept": "application/json"})
        health = client.get("/healthz")
    assert html.status_code == 503
    assert "make web" in html.text
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
    assert "make web" in api.json()["detail"]
    assert health.status_code == 200


# --- notices and the hotline -----------------------------------------------------------------

NOTICES = r"/v1/notices"
ACK = r"/v1/notices/\{[^}]+\}/ack"
STREAM = r"/v1/notices/stream"
MESSAGES = r"/v1/hotline/messages"


def need(base_url: str, *routes: tuple[str, str]) -> None:
    """Skip unless the server has these routes (the stream is not in the OpenAPI document:
    it is probed)."""
    missing = [
        "GET /v1/notices/stream"
        for m, p in routes
        if p == STREAM and httpx.get(base_url + p, params={"wait_s": 0}).status_code == 404
    ]
    routes = tuple(r for r in routes if r[1] != STREAM)
    missing += [
        f"{m.upper()} {p.replace(chr(92), '').replace('{[^}]+}', '{id}')}"
        for m, p in routes
        if not has_route(base_url, m, p)
    ]
    if missing:
        pytest.skip(f"this server has no {', '.join(missing)}")


def sign_in_by_keyboard(page, scene: Scene, who: str) -> None:
    page.goto(scene.base_url + "/")
    page.wait_for_selector("body[data-map-ready]", timeout=TIMEOUT_MS)
    assert page.evaluate("document.activeElement.id") == "api-key"  # focused on arrival
    page.keyboard.type(scene.keys[who])
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-signed-in]", timeout=TIMEOUT_MS)


def tab_to(page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} is not reachable with Tab")


def test_a_notice_is_acknowledged_from_the_keyboard_and_the_server_records_it(page, scene):
    need(scene.base_url, ("get", NOTICES), ("post", ACK))
    sign_in_by_keyboard(page, scene, "blue")
    first = page.locator("#notices li.notice.unacked[data-kind='conflict']").first
    first.wait_for(timeout=TIMEOUT_MS)
    notice_id = first.get_attribute("data-notice-id")
    tab_to(page, f"li[data-notice-id='{notice_id}'] button.ack")
    page.keyboard.press("Enter")
    acked = page.locator(f"#notices li.notice.acked[data-notice-id='{notice_id}']")
    acked.wait_for(timeout=TIMEOUT_MS)
    assert "Acknowledged" in acked.inner_text()
    screenshot(page, "notice-acknowledged")
    with scene.client("blue") as blue:
        items = blue.get("/v1/notices", params={"limit": 500}).json()["items"]
    (recorded,) = [n for n in items if str(n["id"]) == notice_id]
    assert recorded["acked_at"] is not None
    # acknowledged notices sink below the others
    kinds = page.locator("#notices li.notice").evaluate_all(
        "items => items.map(i => i.classList.contains('acked'))"
    )
    assert kinds == sorted(kinds)


def test_a_new_notice_arrives_live(page, scene):
    need(scene.base_url, ("get", NOTICES), ("get", STREAM))
    sign_in(page, scene, "blue")
    page.locator("#live.on").wait_for(timeout=TIMEOUT_MS)
    before = page.locator("#notices li.notice").count()
    start = scene.start
    with scene.client("red") as red:
        near_blue = circle_extent(offset(180, 6_000, NORTH), 4_000, 3_500, 5_500)
        body = intent_body("operation", timed(near_blue, start, start + timedelta(hours=2)))
        filed = red.post("/v1/intents", json=body)
        assert filed.status_code == 201, filed.text
        assert filed.json()["conflicts"]
    # the page polls notices only every 30 s: within 10 s, this came through the stream
    page.wait_for_function(
        "(n) => document.querySelectorAll('#notices li.notice').length > n",
        arg=before,
        timeout=10_000,
    )


def test_a_message_is_sent_from_the_hotline_panel(page, scene):
    need(scene.base_url, ("get", MESSAGES), ("post", MESSAGES))
    sign_in(page, scene, "blue")
    page.get_by_role("tab", name="Hotline").click()
    text = f"Moving the op 5 km west at 10:00Z ({secrets.token_hex(3)})"
    page.get_by_label("To party").fill(scene.names["red"])
    page.get_by_role("textbox", name="Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()
    page.locator("#thread li.message").filter(has_text=text).wait_for(timeout=TIMEOUT_MS)
    with scene.client("red") as red:
        items = red.get("/v1/hotline/messages", params={"limit": 500}).json()["items"]
    assert any(m["body"] == text and m["from"] == scene.names["blue"] for m in items)
    # signing out forgets the key; the other side then sees the message in its thread
    page.get_by_role("button", name="Sign out").click()
    assert page.evaluate("sessionStorage.length") == 0
    sign_in(page, scene, "red")
    page.get_by_role("tab", name="Hotline").click()
    page.locator("#thread li.message").filter(has_text=text).wait_for(timeout=TIMEOUT_MS)


# --- the stream survives a server restart ----------------------------------------------------


def serve(database_url: str, port: int, log_path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WELLCLEAR_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"server not ready:\n{log_path.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def file_conflicting_pairs(scene: Scene, count: int) -> None:
    """``count`` pairs of overlapping operations of blue's and red's (a notice each)."""
    start, end = scene.start, scene.start + timedelta(hours=2)
    with scene.client("blue") as blue, scene.client("red") as red:
        for n in range(count):
            centre = offset(90, 30_000 * n, ALEPPO)
            for client, place in ((blue, centre), (red, offset(0, 2_000, centre))):
                extent = timed(circle_extent(place, 3_000, 3_000, 5_000), start, end)
                filed = client.post("/v1/intents", json=intent_body("operation", extent))
                assert filed.status_code == 201, filed.text


def test_after_a_server_restart_the_page_catches_up_without_losing_notices(
    page, sqlite_url, tmp_path
):
    port, other_port = free_port(), free_port()
    log = tmp_path / "server.log"
    process = serve(sqlite_url, port, log)
    try:
        need(f"http://127.0.0.1:{port}", ("get", NOTICES), ("get", STREAM))
        service = Service(open_database(sqlite_url))
        names = {who: f"{who}-{secrets.token_hex(2)}" for who in ("blue", "red")}
        keys = {w: add_party(service.database, n, Role.OPERATOR).key for w, n in names.items()}
        service.database.dispose()
        scene = Scene(f"http://127.0.0.1:{port}", keys, names)
        sign_in(page, scene, "blue")
        page.locator("#live.on").wait_for(timeout=TIMEOUT_MS)
        stop(process)
        page.locator("#live.off").wait_for(timeout=TIMEOUT_MS)
        # While the page's server is down, another process makes notices for blue.
        elsewhere = serve(sqlite_url, other_port, log)
        try:
            file_conflicting_pairs(
                Scene(f"http://127.0.0.1:{other_port}", keys, names, start=scene.start), 3
            )
            with scene.client("blue") as blue:
                blue.base_url = httpx.URL(f"http://127.0.0.1:{other_port}")
                items = blue.get("/v1/notices", params={"limit": 500}).json()["items"]
        finally:
            stop(elsewhere)
        expected = {str(n["id"]) for n in items}
        assert len(expected) >= 3
        process = serve(sqlite_url, port, log)
        page.locator("#live.on").wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            "(n) => document.querySelectorAll('#notices li.notice').length >= n",
            arg=len(expected),
            timeout=10_000,
        )
        shown = page.locator("#notices li.notice").evaluate_all(
            "items => items.map(i => i.dataset.noticeId)"
        )
        assert set(shown) == expected
    finally:
        stop(process)

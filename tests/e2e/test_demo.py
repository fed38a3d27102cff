"""``wellclear demo`` end to end: a real process, its printed keys, the API over real HTTP."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import free_port

SLICE = Path(__file__).parents[1] / "demo" / "data" / "quickstart_1100s_180s.json.gz"
KEY_ROW = re.compile(
    r"(?P<party>[a-z][a-z0-9-]*)\s*│\s*(?:operator|observer)\s*│\s*(?P<key>wc_[0-9a-f]{16}_[A-Za-z0-9_-]+)"
)
URL = re.compile(r"Wellclear demo at (?P<url>http://127\.0\.0\.1:\d+/)")
OPERATORS = ("blue-air", "red-air", "un-convoys", "ngo-sites")


@dataclass
class Demo:
    """A running ``wellclear demo`` and what it has printed so far (both streams are read
    in threads, so neither pipe ever fills up)."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)

    def wait_for(self, predicate: Callable[[str], bool], timeout_s: float = 60.0) -> str:
        """Read output until a line satisfies ``predicate``; that line."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError("demo output never showed it:\n" + self.output + self.stderr)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def stderr(self) -> str:
        return "".join(self.errors)

    def url_and_keys(self) -> tuple[str, dict[str, str]]:
        """The printed URL and keys (once the parties' table has ended)."""
        self.wait_for(lambda line: "Demo parties" in line)
        self.wait_for(lambda line: line.startswith("└"))
        url = URL.search(self.output)
        assert url is not None, self.output
        keys = {m["party"]: m["key"] for m in KEY_ROW.finditer(self.output)}
        return url["url"], keys

    def finish(self, timeout_s: float = 60.0) -> tuple[int, str]:
        """Exit code and stderr once the process has ended and both streams are read."""
        code = self.process.wait(timeout=timeout_s)
        for reader in self._readers:
            reader.join(timeout=10.0)
        while (line := self._queue.get(timeout=5.0)) is not None:
            self.lines.append(line)
        return code, self.stderr

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30.0)
        for reader in self._readers:
            reader.join(timeout=10.0)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def run_demo(tmp_path: Path) -> Iterator[Callable[..., Demo]]:
    started: list[Demo] = []

    def run(*args: str) -> Demo:
        command = [
            sys.executable, "-m", "wellclear.cli", "demo", "--port", str(free_port()),
            "--database", str(tmp_path / "demo.db"), *args,
        ]  # fmt: skip
        env = {**os.environ, "COLUMNS": "200"}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=tmp_path,
        )  # fmt: skip
        demo = Demo(process)
        started.append(demo)
        return demo

    yield run
    for demo in started:
        demo.close()


def get_all(http: httpx.Client, path: str, key: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": "500", **params} | ({"cursor": cursor} if cursor else {})
        answer = http.get(path, params=query, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def poll(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout_s} s: {what}")
        time.sleep(0.5)


def test_demo_files_the_scenario_and_flies_it_live(run_demo):
    demo = run_demo("--duration", "30", "--speed", "10")
    url, keys = demo.url_and_keys()
    assert set(keys) == {*OPERATORS, "joint-cell"}
    demo.wait_for(lambda line: "red-32" in line)  # the last filing's row
    with httpx.Client(base_url=url, timeout=10.0) as http:
        # Every printed key works; each operator sees its own intents, the observer all.
        mine = {p: get_all(http, "/v1/intents", keys[p]) for p in OPERATORS}
        for party, intents in mine.items():
            assert intents, party
            assert {i["party"] for i in intents} == {party}
        every = get_all(http, "/v1/intents", keys["joint-cell"])
        assert {i["id"] for i in every} == {i["id"] for v in mine.values() for i in v}
        ids = {i["id"] for i in every}
        assert {"un-convoy-m5", "blue-11", "red-31", "ngo-hospital-university"} <= ids
        assert {"red-strike-kuweires", "red-32"}.isdisjoint(ids)  # refused: nothing stored
        convoy = next(i for i in mine["un-convoys"] if i["id"] == "un-convoy-m5")
        assert convoy["kind"] == "movement"
        assert "time_end" in convoy["extents"][0]

        conflicts = get_all(http, "/v1/conflicts", keys["joint-cell"])
        pairs = {tuple(sorted(c["intents"])) for c in conflicts}
        assert pairs == {
            ("blue-isr-north", "red-strike-east"),
            ("ngo-hospital-university", "red-training-north"),
            ("red-patrol-hama", "un-convoy-m5"),
        }
        assert {c["mode"] for c in conflicts} == {"notify"}
        assert "refused (409)" in demo.output

        # Tracks: every aircraft reports, each under its own party.
        tracks = poll(
            lambda: (t := get_all(http, "/v1/tracks", keys["joint-cell"])) and len(t) >= 3 and t,
            15.0, "tracks posted",
        )  # fmt: skip
        by_callsign = {t["callsign"]: t["party"] for t in tracks}
        assert by_callsign.get("BLUE11") == "blue-air"
        assert by_callsign.get("RED31") == "red-air"
        own = get_all(http, "/v1/tracks", keys["red-air"])
        assert {t["party"] for t in own} == {"red-air"}

        # Alerts: BLUE11 and RED31 converge; RED31 leaves its intent.
        def alerts() -> list[dict[str, Any]]:
            return get_all(http, "/v1/alerts", keys["joint-cell"])

        def converging() -> list[dict[str, Any]]:
            return [
                a for a in alerts()
                if a["kind"] == "conflict"
                and {t["callsign"] for t in a["tracks"]} == {"BLUE11", "RED31"}
            ]  # fmt: skip

        assert poll(converging, 15.0, "a conflict alert between BLUE11 and RED31")
        off = poll(
            lambda: [a for a in alerts() if a["kind"] == "nonconforming"],
            15.0, "a nonconforming alert",
        )  # fmt: skip
        assert {t["callsign"] for a in off for t in a["tracks"]} == {"RED31"}
        assert {a["intent"]["id"] for a in off} == {"red-31"}
        # The alert rises as they close (preventive, then corrective, then warning).
        rising = poll(
            lambda: [a for a in converging() if a["level"] in ("corrective", "warning")],
            15.0, "the conflict alert rising to corrective",
        )  # fmt: skip
        assert rising
        # Nobody acknowledges: the notices escalate to the observer.
        escalations = poll(
            lambda: get_all(http, "/v1/notices", keys["joint-cell"], kind="escalation"),
            20.0, "an escalation of an unacknowledged notice",
        )  # fmt: skip
        assert {e["payload"]["party"] for e in escalations} <= {"blue-air", "red-air"}
        red = get_all(http, "/v1/notices", keys["red-air"])
        assert any(n["escalated"] for n in red if n["kind"] in ("alert", "nonconforming"))
    code, stderr = demo.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert "demo stopped" in demo.output


def test_ctrl_c_stops_server_and_feeder_cleanly(run_demo):
    demo = run_demo("--speed", "5")
    url, keys = demo.url_and_keys()
    demo.wait_for(lambda line: "red-32" in line)
    with httpx.Client(base_url=url, timeout=10.0) as http:
        poll(lambda: get_all(http, "/v1/tracks", keys["joint-cell"]), 15.0, "tracks posted")
    demo.process.send_signal(signal.SIGINT)
    code, stderr = demo.finish(timeout_s=30.0)
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert "demo stopped" in demo.output
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "healthz", timeout=5.0)


def test_replay_feeds_recorded_traffic_through_the_tactical_pipeline(run_demo):
    demo = run_demo(
        "--replay", "--sample", str(SLICE), "--replay-from", "0", "--speed", "4",
        "--duration", "20",
    )  # fmt: skip
    url, keys = demo.url_and_keys()
    assert "adsb-feed" in keys
    with httpx.Client(base_url=url, timeout=10.0) as http:
        tracks = poll(
            lambda: (t := get_all(http, "/v1/tracks", keys["adsb-feed"])) and len(t) >= 10 and t,
            15.0, "recorded tracks",
        )  # fmt: skip
        assert {t["party"] for t in tracks} == {"adsb-feed"}
        assert all(47.5 < t["lat"] < 49.5 and 1.0 < t["lon"] < 4.0 for t in tracks)  # Paris
        assert poll(
            lambda: [a for a in get_all(http, "/v1/alerts", keys["joint-cell"])
                     if a["kind"] == "conflict"],
            15.0, "a conflict alert among the recorded aircraft",
        )  # fmt: skip
    code, stderr = demo.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr


def test_replay_of_an_unknown_sample_is_refused_with_the_reason(run_demo):
    demo = run_demo("--replay", "--sample", "no-such-sample")
    code, stderr = demo.finish()
    assert code == 2
    text = demo.output + stderr
    assert "pip install '.[replay]'" in text or "no sample 'no-such-sample'" in text


def test_a_port_in_use_is_refused_with_the_reason(run_demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = run_demo("--port", str(port))
        code, stderr = demo.finish()
    assert code == 2
    assert f"could not listen on 127.0.0.1:{port}" in demo.output
    assert "Traceback" not in stderr, stderr

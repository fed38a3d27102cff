"""Shared by the notice, SSE, hotline and webhook tests: parties on a database, filings over
HTTP that make a notify-mode conflict, and a server-sent events reader."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from intent_bodies import circle_extent, intent_body, offset
from wellclear.service import Role, Service, add_party
from wellclear.store import open_database


def make_parties(database_url: str, **roles: Role) -> dict[str, dict[str, str]]:
    """Parties by name → their ``Authorization`` headers."""
    service = Service(open_database(database_url))
    try:
        return {
            name: {"Authorization": f"Bearer {add_party(service.database, name, role).key}"}
            for name, role in roles.items()
        }
    finally:
        service.database.dispose()


def operation_near(index: int, east_m: float = 0.0) -> dict[str, Any]:
    """An operation in a place of its own (``index``), ``east_m`` east of its centre: two of
    them 4 km apart conflict in notify mode."""
    centre = offset(90, east_m, offset(0, 50_000 * index))
    return intent_body("operation", circle_extent(centre, 500))


def notify_conflict(
    base_url: str, first: dict[str, str], second: dict[str, str], index: int
) -> str:
    """File two operations that conflict (notify); the conflict's id."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        one = client.post("/v1/intents", json=operation_near(index), headers=first)
        assert one.status_code == 201, one.text
        two = client.post("/v1/intents", json=operation_near(index, 4_000), headers=second)
        assert two.status_code == 201, two.text
        (conflict,) = two.json()["conflicts"]
        return str(conflict["id"])


@dataclass
class Event:
    id: int
    event: str
    data: dict[str, Any]
    received_at: float


def parse_events(lines: Iterator[str]) -> Iterator[Event]:
    """Events of a ``text/event-stream`` (comments and ``retry:`` skipped)."""
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield Event(int(fields.get("id", "0")), fields.get("event", "message"),
                            json.loads(fields["data"]), time.monotonic())  # fmt: skip
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value


@dataclass
class StreamReader:
    """Reads a notice stream in a thread, collecting its events until stopped."""

    base_url: str
    headers: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    comments: int = 0
    connected: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def start(self) -> StreamReader:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop = threading.Event()
        self._thread.start()
        assert self.connected.wait(15), f"stream did not connect: {self.error}"
        return self

    def _run(self) -> None:
        try:
            with (
                httpx.Client(base_url=self.base_url, timeout=None) as client,
                client.stream(
                    "GET", "/v1/notices/stream", headers=self.headers, params=self.params
                ) as response,
            ):
                assert response.status_code == 200, response.read()
                self._response = response
                assert response.headers["content-type"].startswith("text/event-stream")
                self.connected.set()
                for event in parse_events(self._lines(response)):
                    self.events.append(event)
        except BaseException as error:
            self.error = error
            self.connected.set()

    def _lines(self, response: httpx.Response) -> Iterator[str]:
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            if line.startswith(":"):
                self.comments += 1
            yield line

    def wait_for(self, count: int, timeout_s: float = 15.0) -> list[Event]:
        deadline = time.monotonic() + timeout_s
        while len(self.events) < count and time.monotonic() < deadline:
            if self.error is not None and not isinstance(self.error, httpx.TransportError):
                raise self.error
            time.sleep(0.01)
        assert len(self.events) >= count, f"{len(self.events)} of {count} events: {self.error}"
        return self.events[:count]

    def stop(self) -> None:
        """Stop reading and close the connection (the server sees the client go)."""
        self._stop.set()
        response = getattr(self, "_response", None)
        if response is not None:
            with contextlib.suppress(Exception):
                response.close()
        self._thread.join(timeout=5)

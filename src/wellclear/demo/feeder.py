"""The demo's client side, over real HTTP: file the scenario, report tracks, watch alerts.

Each party uses its own API key, exactly as a party's own systems would; nothing here
reaches into the service other than through its API.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from wellclear.demo.clock import SimClock
from wellclear.demo.replay import Recording
from wellclear.demo.scenario import Filing, Flight, Scenario
from wellclear.demo.wire import intent_body, track_state

Report = Callable[[str], None]
TICK_S = 1.0
WATCH_EVERY_S = 2.0
STALE_WINDOW_S = 20.0  # the first replay tick reports states up to this old


class DemoError(Exception):
    """The service answered the demo unexpectedly (the answer's status and text)."""


@dataclass(frozen=True, slots=True)
class Filed:
    """What the service answered to one filing."""

    filing: Filing
    status: int
    conflicts: tuple[Mapping[str, Any], ...]
    detail: str

    @property
    def refused(self) -> bool:
        return self.status == httpx.codes.CONFLICT


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=httpx.Timeout(30.0))


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def file_scenario(
    http: httpx.Client, keys: Mapping[str, str], filings: Iterable[Filing]
) -> list[Filed]:
    """``PUT /v1/intents/{id}`` each filing with its party's key, in order."""
    results = []
    for filing in filings:
        intent = filing.intent
        answer = http.put(
            f"/v1/intents/{intent.id}", json=intent_body(intent), headers=_auth(keys[intent.party])
        )
        if answer.status_code not in (httpx.codes.CREATED, httpx.codes.CONFLICT):
            raise DemoError(f"filing {intent.id}: {answer.status_code} {answer.text}")
        document = answer.json()
        results.append(
            Filed(
                filing,
                answer.status_code,
                tuple(document.get("conflicts", ())),
                str(document.get("detail", "")),
            )
        )
    return results


def post_states(http: httpx.Client, key: str, states: list[dict[str, Any]]) -> None:
    """``POST /v1/tracks`` one batch of the caller's own tracks."""
    answer = http.post("/v1/tracks", json={"states": states}, headers=_auth(key))
    if answer.status_code != httpx.codes.OK:
        raise DemoError(f"POST /v1/tracks: {answer.status_code} {answer.text}")


def flight_states(flights: Iterable[Flight], t_s: float, at: datetime) -> dict[str, list[Any]]:
    """Every airborne flight's state at ``t_s`` scenario seconds, by party."""
    batches: dict[str, list[Any]] = defaultdict(list)
    for flight in flights:
        state = flight.path.state_at(t_s)
        if state is not None:
            plan = flight.path.plan
            batches[flight.party].append(track_state(plan.icao24, plan.callsign, state, at))
    return batches


def get_all(
    http: httpx.Client, path: str, key: str, params: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paged ``GET`` (``items`` and ``next_cursor``)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "500", **(params or {})} | ({"cursor": cursor} if cursor else {})
        answer = http.get(path, params=query, headers=_auth(key))
        if answer.status_code != httpx.codes.OK:
            raise DemoError(f"GET {path}: {answer.status_code} {answer.text}")
        page = answer.json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


@dataclass
class AlertWatch:
    """Reports alerts as they open, rise in level and close (``GET /v1/alerts``), and the
    escalations the observer is sent (``GET /v1/notices?kind=escalation``)."""

    http: httpx.Client
    key: str
    report: Report
    _seen: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    _escalations: set[int] = field(default_factory=set)

    def poll(self) -> None:
        for alert in get_all(self.http, "/v1/alerts", self.key):
            now = (alert["level"], alert["status"])
            before = self._seen.get(alert["id"])
            if before != now:
                self.report(_describe(alert, before))
                self._seen[alert["id"]] = now
        escalations = get_all(self.http, "/v1/notices", self.key, {"kind": "escalation"})
        for notice in escalations:
            if notice["id"] not in self._escalations:
                self._escalations.add(notice["id"])
                about = notice["payload"]
                deadline = _clock_time(about.get("deadline_at"))
                self.report(
                    f"escalation: {about.get('party')}'s {about.get('kind')} notice on "
                    f"{about.get('subject')} ({about.get('level') or 'no level'}) was not "
                    f"acknowledged by {deadline}"
                )


def _clock_time(rfc3339: object) -> str:
    """``HH:MM:SS`` of an RFC 3339 time (the text itself if it is not one)."""
    try:
        return datetime.fromisoformat(str(rfc3339).replace("Z", "+00:00")).strftime("%H:%M:%S")
    except ValueError:
        return str(rfc3339)


def _describe(alert: Mapping[str, Any], before: tuple[str | None, str] | None) -> str:
    names = " × ".join(
        f"{t.get('callsign') or t['id']} ({t['party']})" for t in alert.get("tracks", ())
    )
    what = alert["kind"]
    if alert.get("intent") and alert["intent"].get("kind"):
        names += f" vs {alert['intent'].get('id') or alert['intent']['kind']}"
    if alert["status"] == "closed":
        change = "closed" if before is not None else "opened and closed"
    elif before is None:
        change = "opened"
    else:
        change = "rose to"
    level = f" {alert['level']}" if alert.get("level") and change != "closed" else ""
    figures = ""
    if alert.get("dcpa_m") is not None and alert.get("tlos_s") is not None:
        miss_km, lost_s = alert["dcpa_m"] / 1000, alert["tlos_s"]
        figures = f" (miss {miss_km:.1f} km, separation lost in {lost_s:.0f} s)"
    detail = alert.get("detail") or {}
    if change == "closed":
        figures = ""
    elif detail.get("reason"):
        figures = f" ({detail['reason']}, {detail.get('outside_m', 0):.0f} m outside)"
    return f"alert {alert['id']} {what} {change}{level}: {names}{figures}"


def fly_scenario(
    http: httpx.Client,
    keys: Mapping[str, str],
    scenario: Scenario,
    clock: SimClock,
    stop: threading.Event,
    report: Report,
    watch: AlertWatch | None = None,
) -> None:
    """Report every flight's state each wall second until the last aircraft has left or
    ``stop`` is set. Flights start now: the scenario's filed windows (padded by minutes)
    absorb the time it took to file them."""
    ticker = Ticker(stop)
    origin = clock.now()
    while ticker.wait():
        at = clock.now()
        t_s = (at - origin).total_seconds()
        if t_s > scenario.end_s:
            report("every aircraft has left the area; the service stays up (Ctrl-C to stop)")
            return
        for party, states in flight_states(scenario.flights, t_s, at).items():
            post_states(http, keys[party], states)
        if watch is not None and ticker.every(WATCH_EVERY_S):
            watch.poll()


@dataclass
class Ticker:
    """Wakes once per :data:`TICK_S` wall second until ``stop`` is set."""

    stop: threading.Event
    _next_s: float | None = None
    _last_s: dict[float, float] = field(default_factory=dict)

    def wait(self) -> bool:
        """Wait for the next tick; ``False`` once ``stop`` is set."""
        now = time.monotonic()
        if self._next_s is None:
            self._next_s = now
        delay = self._next_s - now
        if delay > 0 and self.stop.wait(delay):
            return False
        self._next_s = max(self._next_s + TICK_S, time.monotonic() - TICK_S)
        return not self.stop.is_set()

    def every(self, period_s: float) -> bool:
        """Whether ``period_s`` has passed since this last said yes for that period."""
        now = time.monotonic()
        last = self._last_s.get(period_s)
        if last is None or now - last >= period_s:
            self._last_s[period_s] = now
            return True
        return False


def replay_recording(
    http: httpx.Client,
    key: str,
    recording: Recording,
    clock: SimClock,
    stop: threading.Event,
    report: Report,
    watch: AlertWatch | None = None,
    offset_s: float = 0.0,
) -> None:
    """Report the recording's states from ``offset_s`` seconds into it, each wall second,
    on the scenario clock, until the recording ends or ``stop`` is set."""
    ticker = Ticker(stop)
    recorded_start = clock.start - timedelta(seconds=offset_s)  # the recording's 0 s
    after_s = offset_s - STALE_WINDOW_S
    while ticker.wait():
        upto_s = offset_s + clock.elapsed_s()
        states = recording.states_between(after_s, upto_s, recorded_start)
        after_s = upto_s
        if states:
            post_states(http, key, states)
        if watch is not None and ticker.every(WATCH_EVERY_S):
            watch.poll()
        if upto_s > recording.duration_s:
            report("the recording has ended; the service stays up (Ctrl-C to stop)")
            return

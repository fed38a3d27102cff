"""Live BaseStation (SBS-1) feeds over TCP: reading lines, and feeding a party's tracks in.

:func:`received_lines` is the one place that reads a feed socket (``wellclear monitor
--sbs`` and ``wellclear serve --sbs`` both use it): it connects, reconnects with
exponential backoff (0.5 s doubling to 30 s) and yields each line with its time of receipt,
or ``None`` about twice a second when nothing arrives, so callers can do timed work and
honour a stop.

:class:`SbsIngest` runs in a thread beside the server: it merges lines into tracks
(``ingest.sbs``) and every ``flush_s`` writes the tracks that changed through
:func:`wellclear.service.tracks.record_states`, as the feed's party.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from wellclear.ingest.sbs import LineCounts, apply_line
from wellclear.ingest.track_states import TRACK_ID, TrackState
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.tracks import feed_caller, record_states
from wellclear.tactical.tracks import STALE_DEFAULT_S, Track, TrackTable

log = logging.getLogger("wellclear.feed")
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
POLL_S = 0.5


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:30003`` for IPv6) or ``ValueError`` saying what is expected."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def received_lines(
    host: str,
    port: int,
    should_stop: Callable[[], bool],
    say: Callable[[str], None],
) -> Iterator[tuple[float, str] | None]:
    """Lines of a BaseStation TCP feed with their POSIX time of receipt; ``None`` ticks."""
    backoff_s = BACKOFF_FIRST_S
    while not should_stop():
        try:
            with socket.create_connection((host, port), timeout=5.0) as conn:
                conn.settimeout(POLL_S)  # wake up to honour a stop
                backoff_s = BACKOFF_FIRST_S
                say(f"{host}:{port} connected")
                yield from _lines(conn, should_stop)
            if should_stop():
                return
            say(f"{host}:{port} closed the connection")
        except OSError as error:
            say(f"{host}:{port}: {error}; retry in {backoff_s:g} s")
        deadline = time.monotonic() + backoff_s
        while time.monotonic() < deadline:
            if should_stop():
                return
            yield None
            time.sleep(min(POLL_S, max(deadline - time.monotonic(), 0.0)))
        backoff_s = min(backoff_s * 2, BACKOFF_MAX_S)


def _lines(
    conn: socket.socket, should_stop: Callable[[], bool]
) -> Iterator[tuple[float, str] | None]:
    pending = b""
    while not should_stop():
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            yield None
            continue
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b"\n")
        now_s = time.time()
        for raw in lines:
            line = raw.decode("ascii", errors="replace")
            if line.strip():
                yield now_s, line


class SbsIngest:
    """A party's BaseStation feed into the service's tracks, in a daemon thread."""

    def __init__(
        self,
        service: Service,
        address: str,
        party: str,
        *,
        flush_s: float = 1.0,
        stale_s: float = STALE_DEFAULT_S,
    ) -> None:
        self.service = service
        self.host, self.port = parse_address(address)
        self.party = party
        self.flush_s = flush_s
        self.table = TrackTable(stale_s)
        self.counts = LineCounts()
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sbs-ingest", daemon=True)
        self._written_at: dict[str, tuple[float, float, float]] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            caller = feed_caller(self.service, self.party)
        except Exception as error:  # a thread has no one to raise to
            log.error("SBS feed not started: %s", error)
            return
        log.info("SBS feed %s:%d for party %s", self.host, self.port, self.party)
        last_flush = time.monotonic()
        lines = received_lines(self.host, self.port, self._stop.is_set, log.info)
        for item in lines:
            if item is not None:
                receipt_s, line = item
                self.counts.add(apply_line(self.table, line, receipt_s), line)
            if time.monotonic() - last_flush >= self.flush_s:
                last_flush = time.monotonic()
                try:
                    self.flush(caller)
                except Exception:  # keep reading; the next flush retries
                    log.exception("SBS feed: writing tracks failed")
        self.flush(caller)

    def flush(self, caller: Caller) -> int:
        """Write the tracks whose position or velocity changed since the last flush; how many."""
        self.table.drop_stale(time.time())
        changed = [
            t
            for t in self.table.tracks.values()
            if _ready(t) and self._written_at.get(t.id) != (t.position_s, t.velocity_s, t.alt_m)
        ]
        if not changed:
            return 0
        record_states(self.service, caller, [_state(t) for t in changed], source="sbs")
        for track in changed:
            self._written_at[track.id] = (track.position_s, track.velocity_s, track.alt_m)
        for gone in self._written_at.keys() - self.table.tracks.keys():
            del self._written_at[gone]
        self.written += len(changed)
        return len(changed)


def _ready(track: Track) -> bool:
    return (
        track.complete
        and not track.on_ground
        and math.isfinite(track.alt_m)
        and TRACK_ID.fullmatch(track.id) is not None
    )


def _state(track: Track) -> TrackState:
    return TrackState(
        id=track.id,
        callsign=track.callsign.strip()[:16],
        lat_deg=track.lat_deg,
        lon_deg=track.lon_deg,
        alt_m=track.alt_m,
        trk_deg=track.trk_deg % 360.0,
        gs_mps=track.gs_mps,
        vs_mps=track.vs_mps,
        at=datetime.fromtimestamp(track.position_s, UTC),
    )

"""``wellclear demo``: the service, demo parties, the Aleppo scenario and live tracks.

The command starts the service in this process (uvicorn in a thread) on a fresh SQLite
file, creates the demo parties and prints their keys; everything after that goes through
the HTTP API (:mod:`wellclear.demo.feeder`), as each party's own systems would.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from wellclear.cli import app
from wellclear.cli._problems import EXIT_BAD_INPUT

if TYPE_CHECKING:  # the demo's modules load only when the command runs (openap takes ~1 s)
    import uvicorn

    from wellclear.demo import feeder, replay, scenario
    from wellclear.demo.clock import SimClock
    from wellclear.service import Service

SERVER_START_TIMEOUT_S = 30.0
REPLAY_PARTY = ("adsb-feed", "operator", "reports the recorded ADS-B traffic")
DEMO_EXTRA_HINT = "pip install '.[demo]'  (OpenAP and httpx)"
STALE_ENV = "WELLCLEAR_TRACK_STALE_S"


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="TCP port of the service.")] = 8080,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    speed: Annotated[
        float, typer.Option(min=0.1, max=100.0, help="Scenario seconds per wall second.")
    ] = 1.0,
    duration: Annotated[
        float | None,
        typer.Option(min=0.0, help="Stop after this many wall seconds of live tracks."),
    ] = None,
    replay_: Annotated[
        bool,
        typer.Option("--replay", help="Replay recorded ADS-B traffic (needs the 'replay' extra)."),
    ] = False,
    sample: Annotated[
        str,
        typer.Option(
            help="With --replay: a sample of the traffic package, or a .json.gz file of it."
        ),
    ] = "quickstart",
    replay_from: Annotated[
        float, typer.Option(min=0.0, help="With --replay: start this many seconds in.")
    ] = 900.0,
    database: Annotated[
        Path, typer.Option(help="SQLite file, deleted and recreated on every run.")
    ] = Path("out/demo.db"),
) -> None:
    """Start the service with demo parties, file the Aleppo scenario and fly it live."""
    console = _console()
    missing = [m for m in ("openap", "httpx") if importlib.util.find_spec(m) is None]
    if missing:
        console.print(f"wellclear demo needs {', '.join(missing)}: {DEMO_EXTRA_HINT}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    # Imported here, not at the top: every `wellclear` command imports this module.
    import httpx  # noqa: PLC0415

    from wellclear.demo import feeder, scenario  # noqa: PLC0415
    from wellclear.demo.clock import SimClock  # noqa: PLC0415
    from wellclear.service import Role, add_party  # noqa: PLC0415

    recording = _recording(sample, console) if replay_ else None
    stop = threading.Event()
    _stop_on_signals(stop)
    clock = SimClock.starting_now(speed)
    service = _fresh_service(database, clock)
    os.environ.setdefault(STALE_ENV, str(max(30.0, 3.0 * speed)))
    server = _start_server(service, host, port, console)
    try:
        replay_party = scenario.Party(*REPLAY_PARTY)
        parties = (*scenario.PARTIES, replay_party) if recording else scenario.PARTIES
        keys = {p.name: add_party(service.database, p.name, Role(p.role)).key for p in parties}
        url = f"http://{host}:{port}/"
        _print_welcome(console, url, parties, keys, database, speed)
        with feeder.client(url) as http:
            watch = feeder.AlertWatch(http, keys["joint-cell"], _reporter(console, clock))
            if recording is not None:
                console.print(
                    f"Replaying {recording.name}: {recording.aircraft} aircraft over "
                    f"{recording.duration_s / 60:.0f} min recorded from "
                    f"{recording.first:%Y-%m-%d %H:%M} UTC (OpenSky Network), "
                    f"from {replay_from:.0f} s in.",
                    markup=False,
                )
                _run(stop, duration, lambda: feeder.replay_recording(
                    http, keys[replay_party.name], recording, clock, stop, watch.report, watch,
                    offset_s=replay_from,
                ))  # fmt: skip
            else:
                world = scenario.build(clock.now().replace(microsecond=0))
                _print_filings(console, feeder.file_scenario(http, keys, world.filings))
                _run(stop, duration, lambda: feeder.fly_scenario(
                    http, keys, world, clock, stop, watch.report, watch
                ))  # fmt: skip
            if duration is None:
                _wait(stop)
    except (feeder.DemoError, httpx.HTTPError) as error:
        if not stop.is_set():
            console.print(f"demo stopped: {error}", markup=False)
            raise typer.Exit(1) from None
    finally:
        _stop_server(server, service)
    console.print("demo stopped", markup=False)


def _console() -> Console:
    """Wide enough for a key on one line, even when stdout is a pipe."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(width=160, highlight=False)


def _recording(sample: str, console: Console) -> replay.Recording:
    from wellclear.demo import replay  # noqa: PLC0415

    try:
        return replay.load_recording(replay.find_sample(sample))
    except replay.SampleUnavailable as error:
        console.print(str(error), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _stop_on_signals(stop: threading.Event) -> None:
    """Ctrl-C (and SIGTERM) end the demo cleanly: the feeder stops, then the server."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _fresh_service(database: Path, clock: SimClock) -> Service:
    from wellclear.service import open_service, upgrade_database  # noqa: PLC0415

    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    service = dataclasses.replace(open_service(f"sqlite:///{database}"), clock=clock.now)
    upgrade_database(service)
    return service


@dataclasses.dataclass
class _Server:
    server: uvicorn.Server
    thread: threading.Thread


def _start_server(service: Service, host: str, port: int, console: Console) -> _Server:
    import uvicorn  # noqa: PLC0415

    from wellclear.api.app import create_app  # noqa: PLC0415
    from wellclear.api.settings import Settings  # noqa: PLC0415

    config = uvicorn.Config(
        create_app(service, Settings.from_env()),
        host=host, port=port, log_config=None, access_log=False, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="wellclear-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            service.database.dispose()
            console.print(f"the service could not listen on {host}:{port}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT)
        time.sleep(0.05)
    return _Server(server, thread)


def _stop_server(server: _Server, service: Service) -> None:
    server.server.should_exit = True
    server.thread.join(timeout=SERVER_START_TIMEOUT_S)
    service.database.dispose()


def _run(stop: threading.Event, duration: float | None, work: Callable[[], None]) -> None:
    """Run ``work`` in a thread; stop it after ``duration`` wall seconds, if given."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # handed to the main thread
            failure.append(error)
            stop.set()

    thread = threading.Thread(target=target, name="wellclear-demo-feeder", daemon=True)
    thread.start()
    if duration is not None:
        _wait(stop, time.monotonic() + duration)
        stop.set()
    while thread.is_alive():
        thread.join(0.2)
    if failure:
        raise failure[0]


def _wait(stop: threading.Event, until: float | None = None) -> None:
    """Wait for ``stop`` (or the monotonic time ``until``) in short waits, so a signal's
    handler runs promptly in the main thread."""
    while not stop.is_set() and (until is None or time.monotonic() < until):
        stop.wait(0.2 if until is None else min(0.2, max(until - time.monotonic(), 0.0)))


def _reporter(console: Console, clock: SimClock) -> feeder.Report:
    def report(line: str) -> None:
        console.print(f"{clock.now():%H:%M:%S}  {line}", markup=False)

    return report


def _print_welcome(
    console: Console,
    url: str,
    parties: tuple[scenario.Party, ...],
    keys: dict[str, str],
    database: Path,
    speed: float,
) -> None:
    console.print(f"Wellclear demo at {url}", markup=False)
    console.print(
        f"database {database} (fresh), scenario time ×{speed:g}; sign in on the page with a key",
        markup=False,
    )
    table = Table("party", "role", "API key", "plays", title="Demo parties")
    table.columns[2].no_wrap = True
    for party in parties:
        table.add_row(party.name, party.role, keys[party.name], party.about)
    console.print(table)


def _print_filings(console: Console, filed: list[feeder.Filed]) -> None:
    table = Table("intent", "party", "kind", "answer", "conflicts with", title="Filed over HTTP")
    for result in filed:
        intent = result.filing.intent
        answer = "refused (409)" if result.refused else "accepted"
        others = ", ".join(
            f"{c.get('counterparty')} {'/'.join(c.get('kinds', ()))} ({c.get('mode')})"
            for c in result.conflicts
        )
        table.add_row(intent.id, intent.party, str(intent.kind), answer, others)
    console.print(table)

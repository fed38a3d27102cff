"""Load on real servers: concurrent HTTP filings, throughput, latency and the invariant after.

Run: ``.venv/bin/python benchmarks/load.py [--quick] [--duration S] [--concurrency N]
[--loads closed,open] [--rate R] [--repeat N] [--no-pin]``.

Each row starts its own ``wellclear serve`` processes (uvicorn) on a fresh database — a
SQLite file, or a database on a throwaway PostgreSQL started from Debian's binaries
(``/usr/lib/postgresql/*/bin``; initdb into a temporary directory, a loopback port) — and
drives them for ``--duration`` seconds with asyncio ``httpx`` clients
(over aiohttp's transport, on uvloop; each server on a CPU of its own, ``serve --cpu``,
unless ``--no-pin``) filing flights (circles of 100-1,500 m radius, 10-60 min long,
priority 0-2) for 10 operator parties, round-robin over the processes. Scenarios:

- ``spread``: over a 600 × 600 km region (a country), times over a day: few conflicts.
- ``hot``: all in one 10 × 10 km area within an hour: most filings conflict, many refused.

Each row is either closed loop (``--concurrency`` clients, each sending its next filing when
the last is answered: the most the server can take, and a latency that is mostly
clients / throughput) or open loop (filings sent at random — Poisson — times averaging a fixed
rate, the issue's targets by default: 300/s spread, 100/s hot; each latency counted from the
time its filing was due, so a stalled server is charged for every filing waiting behind it).
``--loads`` picks them (both by default).

Afterwards the batch engine (:func:`wellclear.strategic.find_conflicts`) runs over every
live intent (read back over HTTP as an observer) and counts ``reject``-mode conflicts at
equal priority: the invariant says zero. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import math
import os
import pwd
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvloop
from httpx_aiohttp import AiohttpTransport
from sqlalchemy import create_engine, text

from wellclear.ingest import default_policy, parse_intents_json
from wellclear.model import Mode
from wellclear.service import Role, Service, add_party, upgrade_database
from wellclear.store import open_database
from wellclear.strategic import find_conflicts

PARTIES = 10
CENTRE = (35.0, 38.5)  # lat, lng
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
M_PER_DEG_LAT = 111_320.0
BODIES = 20_000


OPEN_LOOP_CONNECTIONS = 64  # per server; an open loop's filings wait for one past this


@dataclass(frozen=True)
class Scenario:
    name: str
    half_side_m: float
    window_min: float
    target_per_s: float  # the throughput target, the open loop's default rate


SCENARIOS = {
    "spread": Scenario("spread", 300_000.0, 24 * 60.0, 300.0),
    "hot": Scenario("hot", 5_000.0, 60.0, 100.0),
}
SETUPS = {"sqlite-1": ("sqlite", 1), "postgresql-1": ("postgresql", 1),
          "postgresql-2": ("postgresql", 2)}  # fmt: skip


def body(rng: random.Random, scenario: Scenario) -> bytes:
    north = rng.uniform(-scenario.half_side_m, scenario.half_side_m)
    east = rng.uniform(-scenario.half_side_m, scenario.half_side_m)
    lat = CENTRE[0] + north / M_PER_DEG_LAT
    lng = CENTRE[1] + east / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    start = T0 + timedelta(minutes=rng.uniform(0, scenario.window_min))
    end = start + timedelta(minutes=rng.uniform(10, 60))
    floor_m = rng.uniform(500, 1_500)
    extent = {
        "volume": {
            "outline_circle": {"center": {"lat": lat, "lng": lng},
                               "radius": {"value": rng.uniform(100, 1_500), "units": "M"}},
            "altitude_lower": {"value": floor_m, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": floor_m + rng.uniform(100, 1_500), "reference": "W84",
                               "units": "M"},
        },
        "time_start": {"value": _rfc3339(start), "format": "RFC3339"},
        "time_end": {"value": _rfc3339(end), "format": "RFC3339"},
    }  # fmt: skip
    document = {"kind": "flight", "priority": rng.randrange(3), "extents": [extent]}
    return json.dumps(document).encode()


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- a throwaway PostgreSQL -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_postgresql() -> Iterator[str]:
    """An admin URL of a PostgreSQL started from Debian's binaries, stopped at the end."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin)")
    bin_dir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="wellclear-bench-pg-"))
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres"
        pwd.getpwnam(user)
        shutil.chown(root, user)
    sockets, data, port = root / "sockets", root / "data", free_port()
    sockets.mkdir()
    if user is not None:
        shutil.chown(sockets, user)

    def run(*args: str) -> None:
        subprocess.run([str(bin_dir / args[0]), *args[1:]], check=True, capture_output=True,
                       user=user, cwd=root)  # fmt: skip

    run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    # Durable commits (fsync on, synchronous_commit on): what a deployment would run.
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
    run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(kind: str, admin_url: str | None, workdir: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'load-{secrets.token_hex(4)}.db'}"
    else:
        assert admin_url is not None
        name = f"load_{secrets.token_hex(4)}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    service = Service(open_database(url))
    upgrade_database(service)
    service.database.dispose()
    return url


# --- servers ----------------------------------------------------------------------------


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@dataclass
class Servers:
    urls: list[str]
    pids: list[int]


@contextmanager
def servers(url: str, count: int, workdir: Path, pin: bool = True) -> Iterator[Servers]:
    """``count`` servers; with ``pin``, each on a CPU of its own (``serve --cpu``), the first
    on the last CPU, the next on the one before, and so on."""
    env = {**os.environ, "WELLCLEAR_DATABASE_URL": url, "WELLCLEAR_RATE_PER_S": "100000",
           "WELLCLEAR_RATE_BURST": "100000"}  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        cpus = sorted(os.sched_getaffinity(0))
        for number in range(count):
            port = free_port()
            command = [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port)]
            if pin:
                command += ["--cpu", str(cpus[-1 - number % len(cpus)])]
            with (workdir / f"server-{port}.log").open("wb") as log:
                processes.append(subprocess.Popen(
                    command, env=env, stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for base_url, process in zip(urls, processes, strict=True):
            _wait_ready(base_url, process)
        yield Servers(urls, [p.pid for p in processes])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


def _wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server {base_url} exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server {base_url} not ready in 30 s")


# --- the load ---------------------------------------------------------------------------


@dataclass
class Run:
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    cpu_s: float = 0.0  # the generator's own


def _client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    """httpx on aiohttp's transport. httpx's own (httpcore, pure-Python HTTP/1.1) cost this
    generator ~3.6 ms of CPU per request on this 2-core machine, a whole core at ~280
    requests/s, taken from the server it measures; over aiohttp, ~0.6 ms against a trivial
    server and 1.0-1.5 ms per filing under load."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(
        base_url=base_url, timeout=60.0, transport=AiohttpTransport(limits=limits)
    )


FAILED = 0  # the status a request that got no answer (a timeout, a dropped connection) counts as


async def _file(run: Run, client: httpx.AsyncClient, key: str, body: bytes, since: float) -> None:
    """One filing; its latency runs from ``since``. A request without an answer counts as
    :data:`FAILED` (under "other") rather than ending the run."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        response = await client.post("/v1/intents", content=body, headers=headers)
    except httpx.HTTPError:
        status = FAILED
    else:
        status = response.status_code
        run.latencies_s.append(time.perf_counter() - since)
    run.statuses[status] = run.statuses.get(status, 0) + 1


async def drive(urls: list[str], keys: list[str], bodies: list[bytes], duration_s: float,
                concurrency: int) -> Run:  # fmt: skip
    run = Run()
    clients = [_client(u, concurrency) for u in urls]
    counter = iter(range(10**9))
    deadline = time.perf_counter() + duration_s

    async def worker() -> None:
        while time.perf_counter() < deadline:
            n = next(counter)
            await _file(run, clients[n % len(clients)], keys[n % len(keys)],
                        bodies[n % len(bodies)], time.perf_counter())  # fmt: skip

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        run.elapsed_s = time.perf_counter() - started
        run.cpu_s = time.process_time() - cpu_started
        for client in clients:
            await client.aclose()
    return run


async def drive_at_rate(urls: list[str], keys: list[str], bodies: list[bytes],
                        duration_s: float, rate_per_s: float, seed: str) -> Run:  # fmt: skip
    """Open loop: filings due at Poisson times averaging ``rate_per_s`` for ``duration_s``,
    sent when due whether or not earlier ones were answered. Each latency runs from the time
    its filing was due; ``elapsed_s`` includes waiting for the last answers."""
    if rate_per_s <= 0:
        raise ValueError(f"an open loop needs a positive rate, not {rate_per_s}")
    run = Run()
    clients = [_client(u, OPEN_LOOP_CONNECTIONS) for u in urls]
    arrivals = random.Random(seed)
    sent: list[asyncio.Task[None]] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        due = started + arrivals.expovariate(rate_per_s)
        while due < started + duration_s:
            wait_s = due - time.perf_counter()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            n = len(sent)
            filing = _file(run, clients[n % len(clients)], keys[n % len(keys)],
                           bodies[n % len(bodies)], due)  # fmt: skip
            sent.append(asyncio.create_task(filing))
            due += arrivals.expovariate(rate_per_s)
        await asyncio.gather(*sent)
    finally:
        for task in sent:
            task.cancel()  # only those still pending after an interruption
        run.elapsed_s = time.perf_counter() - started
        run.cpu_s = time.process_time() - cpu_started
        for client in clients:
            await client.aclose()
    return run


def live_intents(base_url: str, observer_key: str) -> list[dict[str, Any]]:
    intents: list[dict[str, Any]] = []
    cursor = None
    with httpx.Client(base_url=base_url, timeout=60.0,
                      headers={"Authorization": f"Bearer {observer_key}"}) as client:  # fmt: skip
        while True:
            params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/intents", params=params).json()
            intents.extend(i for i in page["items"] if i["state"] != "ended")
            cursor = page["next_cursor"]
            if cursor is None:
                return intents


def violations(stored: list[dict[str, Any]]) -> int:
    """``reject``-mode conflicts between live intents of equal priority (must be zero)."""
    if not stored:
        return 0
    document = {"intents": [
        {"id": f"{i['party']}/{i['id']}", "party": i["party"], "kind": i["kind"],
         "priority": i["priority"], "state": i["state"], "extents": i["extents"]}
        for i in stored
    ]}  # fmt: skip
    intents = {i.id: i for i in parse_intents_json(json.dumps(document), "stored")}
    found = find_conflicts(list(intents.values()), default_policy())
    return sum(
        1
        for c in found
        if c.rule.mode is Mode.REJECT
        and intents[c.intents[0]].priority == intents[c.intents[1]].priority
    )


@dataclass(frozen=True)
class Load:
    """Closed loop (``rate_per_s`` None): ``clients`` clients back to back; else open loop."""

    clients: int
    rate_per_s: float | None = None

    def __str__(self) -> str:
        if self.rate_per_s is None:
            return f"{self.clients} clients"
        return f"{self.rate_per_s:,.0f}/s offered"


@dataclass(frozen=True)
class Row:
    setup: str
    scenario: str
    load: Load
    filings_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float
    generator_cpu_ms: float
    accepted: int
    rejected: int
    other: int
    live: int
    violations: int


def measure(setup: str, scenario: Scenario, url: str, processes: int, workdir: Path,
            duration_s: float, load: Load, pin: bool, attempt: int = 0) -> Row:  # fmt: skip
    service = Service(open_database(url))
    suffix = secrets.token_hex(3)
    keys = [add_party(service.database, f"op-{n}-{suffix}", Role.OPERATOR).key
            for n in range(PARTIES)]  # fmt: skip
    observer = add_party(service.database, f"joint-{suffix}", Role.OBSERVER).key
    service.database.dispose()
    rng = random.Random(f"{setup}/{scenario.name}")
    bodies = [body(rng, scenario) for _ in range(BODIES)]
    with servers(url, processes, workdir, pin) as started:
        urls = started.urls
        uvloop.run(drive(urls, keys, bodies[:50], 1.0, 4))  # warm up (those are kept too)
        cpu_before_s = cpu_s(started.pids)
        if load.rate_per_s is None:
            driving = drive(urls, keys, bodies[50:], duration_s, load.clients)
        else:
            seed = f"{setup}/{scenario.name}/{attempt}"  # each --repeat its own arrivals
            driving = drive_at_rate(urls, keys, bodies[50:], duration_s, load.rate_per_s, seed)
        run = uvloop.run(driving)
        server_cpu_s = cpu_s(started.pids) - cpu_before_s
        stored = live_intents(urls[0], observer)
    latencies_ms = sorted(s * 1000 for s in run.latencies_s)
    if not latencies_ms:
        raise SystemExit(f"{setup} {scenario.name} {load}: no filing was answered "
                         f"({run.statuses})")  # fmt: skip
    accepted, rejected = run.statuses.get(201, 0), run.statuses.get(409, 0)
    return Row(
        setup, scenario.name, load, len(latencies_ms) / run.elapsed_s,
        statistics.median(latencies_ms), latencies_ms[min(len(latencies_ms) - 1,
                                                         int(0.99 * len(latencies_ms)))],
        server_cpu_s * 1000 / max(1, len(latencies_ms)),
        run.cpu_s * 1000 / max(1, len(latencies_ms)),
        accepted, rejected, sum(run.statuses.values()) - accepted - rejected, len(stored),
        violations(stored),
    )  # fmt: skip


def _loads(scenarios: list[Scenario], loads: list[str], clients: int,
           rate_per_s: float | None) -> list[tuple[Scenario, Load]]:  # fmt: skip
    """Each scenario's closed loop, then each one's open loop (at ``rate_per_s`` or its target)."""
    chosen = [(s, Load(clients)) for s in scenarios] if "closed" in loads else []
    if "open" in loads:
        chosen += [(s, Load(clients, rate_per_s if rate_per_s is not None else s.target_per_s))
                   for s in scenarios]  # fmt: skip
    return chosen


def _median_run(runs: list[Row]) -> Row:
    return sorted(runs, key=lambda r: r.filings_per_s)[len(runs) // 2]


def table(rows: list[Row]) -> str:
    lines = [
        "| database, processes | scenario | load | filings/s | p50 ms | p99 ms "
        "| server CPU ms/filing "
        "| generator CPU ms/filing | accepted | refused (409) | other | live intents "
        "| reject violations |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.setup} | {r.scenario} | {r.load} | {r.filings_per_s:,.0f} | {r.p50_ms:.1f}"
        f" | {r.p99_ms:.1f}"
        f" | {r.server_cpu_ms:.1f} | {r.generator_cpu_ms:.1f} | {r.accepted:,}"
        f" | {r.rejected:,} | {r.other:,}"
        f" | {r.live:,} | {r.violations} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per row, SQLite and PG 1")
    parser.add_argument("--duration", type=float, default=None, help="seconds per row (10)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="closed loop: concurrent clients (16)")  # fmt: skip
    parser.add_argument("--loads", default="closed,open", help="closed,open (both)")
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: filings/s (default: each scenario's target)")  # fmt: skip
    parser.add_argument("--setups", default=None, help=f"comma-separated of {', '.join(SETUPS)}")
    parser.add_argument("--scenarios", default="spread,hot", help="spread,hot")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per row, each on a fresh database; the "
        "row shows the run of median throughput (this machine's speed drifts ±10 %%)",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="let the OS move each server's threads between CPUs (default: serve --cpu)",
    )
    args = parser.parse_args()
    duration_s = args.duration or (3.0 if args.quick else 10.0)
    setups = args.setups or ("sqlite-1,postgresql-1" if args.quick else ",".join(SETUPS))
    chosen = [s.strip() for s in setups.split(",")]
    scenarios = [SCENARIOS[s.strip()] for s in args.scenarios.split(",")]
    loads = [s.strip() for s in args.loads.split(",")]
    if not set(loads) <= {"closed", "open"}:
        parser.error(f"--loads: closed and/or open, not {args.loads!r}")
    if args.rate is not None and args.rate <= 0:
        parser.error(f"--rate: filings per second, more than 0, not {args.rate:g}")
    rows: list[Row] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-load-")))
        admin_url = None
        if any(SETUPS[s][0] == "postgresql" for s in chosen):
            admin_url = stack.enter_context(throwaway_postgresql())
        for setup in chosen:
            kind, processes = SETUPS[setup]
            for scenario, load in _loads(scenarios, loads, args.concurrency, args.rate):
                runs = []
                for attempt in range(args.repeat):
                    url = fresh_database(kind, admin_url, workdir)
                    runs.append(measure(setup, scenario, url, processes, workdir, duration_s,
                                        load, not args.no_pin, attempt))  # fmt: skip
                    print(f"{setup} {scenario.name} {load}: {runs[-1].filings_per_s:,.0f}/s, "
                          f"p99 {runs[-1].p99_ms:.0f} ms", file=sys.stderr)  # fmt: skip
                rows.append(_median_run(runs))
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    pinned = "unpinned" if args.no_pin else "each server on its own CPU (serve --cpu)"
    print(f"{duration_s:g} s per run, median of {args.repeat} run(s) per row, "
          f"{os.cpu_count()} cores, {pinned}, load average at the end {load_average}")  # fmt: skip
    print(table(rows))
    if any(r.violations for r in rows):
        raise SystemExit("INVARIANT VIOLATED")


if __name__ == "__main__":
    main()

"""CPU of one filing in the service layer, without HTTP: what bounds a server process.

Run: ``.venv/bin/python benchmarks/filing.py [--filings N] [--warm N] [--database sqlite|both]``.

Files the flights of ``benchmarks/load.py`` (same generator, same scenarios) one after
another through :func:`wellclear.service.file_intent` on a fresh database, after ``--warm``
filings so the area already holds live intents, and prints the median CPU per filing over
batches of 100 (``time.process_time``: every thread of this process, SQLite's work
included; PostgreSQL's own processes are not). A server process runs this work plus HTTP,
and on one core its throughput is at most 1 / (this + the HTTP share).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from load import SCENARIOS, Scenario, body, fresh_database, throwaway_postgresql
from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.errors import ConflictRejected
from wellclear.store import open_database

BATCH = 100
PARTIES = 10


def measure(url: str, scenario: Scenario, warm: int, filings: int) -> tuple[float, int]:
    """Median CPU ms per filing over batches, and how many of the measured were refused."""
    service = Service(open_database(url))
    keys = [add_party(service.database, f"op-{n}", Role.OPERATOR).key for n in range(PARTIES)]
    callers = [authenticate(service.database, key) for key in keys]
    rng = random.Random(f"filing/{scenario.name}")
    bodies = [body(rng, scenario) for _ in range(warm + filings)]
    refused = 0

    def file(number: int) -> None:
        nonlocal refused
        try:
            file_intent(service, callers[number % PARTIES], FilingRequest(bodies[number]))
        except ConflictRejected:
            refused += number >= warm

    for number in range(warm):
        file(number)
    per_batch = []
    for start in range(warm, warm + filings, BATCH):
        started = time.process_time()
        for number in range(start, min(start + BATCH, warm + filings)):
            file(number)
        per_batch.append((time.process_time() - started) * 1000 / BATCH)
    service.database.dispose()
    return statistics.median(per_batch), refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=1_000, help="measured filings (1,000)")
    parser.add_argument("--warm", type=int, default=1_500, help="filings before (1,500)")
    parser.add_argument("--database", choices=("sqlite", "both"), default="sqlite")
    args = parser.parse_args()
    rows = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-filing-")))
        kinds = ["sqlite"] + (["postgresql"] if args.database == "both" else [])
        admin_url = stack.enter_context(throwaway_postgresql()) if "postgresql" in kinds else None
        for kind in kinds:
            for scenario in SCENARIOS.values():
                url = fresh_database(kind, admin_url, workdir)
                cpu_ms, refused = measure(url, scenario, args.warm, args.filings)
                rows.append((kind, scenario.name, cpu_ms, refused))
                print(f"{kind} {scenario.name}: {cpu_ms:.2f} ms", file=sys.stderr)
    print(f"{args.filings:,} filings measured after {args.warm:,}, median of batches of {BATCH}")
    print("| database | scenario | CPU ms/filing | refused | at most filings/s on one core |")
    print("| --- | --- | ---: | ---: | ---: |")
    for kind, name, cpu_ms, refused in rows:
        print(f"| {kind} | {name} | {cpu_ms:.2f} | {refused:,} | {1000 / cpu_ms:,.0f} |")


if __name__ == "__main__":
    main()

"""The audit log's cost on a filing: N filings into a fresh SQLite (or PostgreSQL) service,
with the audit listener installed and without, in the same process, alternating rounds.

Each filing is an ``operation`` circle far from the others (no conflicts), so the figure
is the log's cost on the plain write path: the extra SELECT of the written rows, the head
read, the hashing and the entry insert.

Usage: ``python benchmarks/audit.py [--filings 500] [--rounds 3] [--database-url URL]``
(a PostgreSQL URL must name an empty database the user may create tables in).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import MetaData

from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.health import upgrade_database
from wellclear.store import audit_capture, open_database

ORIGIN = (36.2, 37.1)


def body(n: int) -> bytes:
    lat = ORIGIN[0] + (n // 40) * 0.2
    lng = ORIGIN[1] + (n % 40) * 0.2
    extent = {
        "volume": {
            "outline_circle": {
                "center": {"lat": lat, "lng": lng},
                "radius": {"value": 300, "units": "M"},
            },
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 500, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": "2026-12-01T10:00:00Z", "format": "RFC3339"},
        "time_end": {"value": "2026-12-01T12:00:00Z", "format": "RFC3339"},
    }
    return json.dumps({"kind": "operation", "priority": 0, "extents": [extent]}).encode()


def run(url: str, filings: int, audited: bool) -> float:
    """Seconds per filing over ``filings`` filings on a fresh database at ``url``."""
    (audit_capture.install if audited else audit_capture.uninstall)()
    service = Service(open_database(url))
    upgrade_database(service)
    caller = authenticate(service.database, add_party(service.database, "bench", Role.OPERATOR).key)
    bodies = [body(n) for n in range(filings)]
    start = time.perf_counter()
    for data in bodies:
        file_intent(service, caller, FilingRequest(data))
    elapsed = time.perf_counter() - start
    service.database.dispose()
    audit_capture.install()
    return elapsed / filings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            for audited in (False, True) if round_ % 2 == 0 else (True, False):
                if args.database_url:
                    url = args.database_url
                    _reset(url)
                else:
                    url = f"sqlite:///{Path(scratch) / f'r{round_}-{int(audited)}.db'}"
                times[audited].append(run(url, args.filings, audited))
    plain, audited = statistics.median(times[False]), statistics.median(times[True])
    print(f"{args.filings} filings x {args.rounds} rounds (median of rounds)")
    print("| audit | ms per filing |")
    print("| --- | ---: |")
    print(f"| off | {plain * 1e3:.2f} |")
    print(f"| on | {audited * 1e3:.2f} |")
    print(f"overhead: {(audited - plain) * 1e3:.2f} ms per filing ({audited / plain - 1:+.1%})")


def _reset(url: str) -> None:
    database = open_database(url)
    metadata = MetaData()
    metadata.reflect(database.engine)
    metadata.drop_all(database.engine)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    database.dispose()


if __name__ == "__main__":
    main()

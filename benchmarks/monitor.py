"""The service's tactical monitor cycle: load live tracks, detect, write alerts and notices.

Run: ``.venv/bin/python benchmarks/monitor.py [--postgresql URL] [--sizes 1000,10000]``.
Scenes as ``benchmarks/tactical.py`` (N aircraft over 600 km x sqrt(N / 10,000) at 52N 5E),
spread over 10 operator parties, stored through ``record_states`` on a fresh SQLite file
(or the PostgreSQL database given, which must be migrated and empty). Prints a Markdown
table: the first cycle (opens every alert: one alert row and its notices each), then the
median of 5 steady cycles (every encounter already open: load + detect + one read of the
open alerts), each split into load, detect and write.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tactical import scene
from wellclear.ingest.track_states import TrackState
from wellclear.service import Role, Service, add_party, authenticate, upgrade_database
from wellclear.service.monitor import CycleReport, Monitor
from wellclear.service.tracks import record_states
from wellclear.store import open_database

PARTIES = 10
RUNS = 5
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def load(service: Service, n: int) -> None:
    sv = scene(n, 600.0 * (n / 10_000) ** 0.5)
    suffix = datetime.now(UTC).strftime("%H%M%S%f")
    callers = [
        authenticate(service.database, add_party(service.database, f"p{k}-{suffix}",
                                                 Role.OPERATOR).key)
        for k in range(PARTIES)
    ]  # fmt: skip
    batches: list[list[TrackState]] = [[] for _ in callers]
    for k in range(n):
        batches[k % PARTIES].append(
            TrackState(f"T{k:06d}", "", float(sv.lat_deg[k]), float(sv.lon_deg[k]),
                       float(sv.alt_m[k]), float(sv.trk_deg[k]), float(sv.gs_mps[k]),
                       float(sv.vs_mps[k]), NOW)
        )  # fmt: skip
    for caller, batch in zip(callers, batches, strict=True):
        for start in range(0, len(batch), 5_000):
            record_states(service, caller, batch[start : start + 5_000], source="api")


def ms(report: CycleReport) -> str:
    total = report.load_s + report.detect_s + report.write_s
    return (f"{total * 1000:,.0f} ({report.load_s * 1000:,.0f} / {report.detect_s * 1000:,.0f}"
            f" / {report.write_s * 1000:,.0f})")  # fmt: skip


def run(database_url: str, n: int) -> str:
    service = Service(open_database(database_url), clock=lambda: NOW)
    upgrade_database(service)
    load(service, n)
    monitor = Monitor(service)
    first = monitor.run_cycle()
    steady = []
    for k in range(RUNS):
        service = Service(service.database, clock=lambda k=k: NOW + timedelta(seconds=k + 1))
        monitor.service = service
        steady.append(monitor.run_cycle())
    median = sorted(steady, key=lambda r: r.load_s + r.detect_s + r.write_s)[RUNS // 2]
    service.database.dispose()
    alerts = first.conflicts
    return (f"| {service.database.engine.dialect.name} | {n:,} | {alerts:,} | {ms(first)} | "
            f"{ms(median)} | {statistics.median(r.opened for r in steady):.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--postgresql", help="A migrated, empty PostgreSQL database URL.")
    args = parser.parse_args()
    print("| database | tracks | alerts opened | first cycle ms (load / detect / write) "
          "| steady cycle ms (load / detect / write) | opened per steady cycle |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for n in (int(x) for x in args.sizes.split(",")):
        if args.postgresql:
            print(run(args.postgresql, n), flush=True)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                print(run(f"sqlite:///{tmp}/bench.db", n), flush=True)


if __name__ == "__main__":
    main()

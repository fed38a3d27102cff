"""Tactical engine benchmark: detection cycle time and memory vs N, and SBS parsing speed.

Run: ``.venv/bin/python benchmarks/tactical.py`` (``--quick`` skips N = 100,000 and
parses 200,000 SBS lines instead of 1,000,000). Prints a Markdown table.

Scenes (seeded): N aircraft uniform over a square of side 600 km x sqrt(N / 10,000)
centred at 52N 5E, FL100-FL400, 250-480 kt, 30 % climbing or descending at
500-3,000 fpm; plus a dense case of 20,000 aircraft in 600 x 600 km.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime

import numpy as np

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS
from wellclear.ingest.sbs import LineCounts, apply_line, apply_text
from wellclear.tactical import (
    EARTH_RADIUS_M,
    StateVectors,
    candidate_pairs,
    detect,
    detect_all_pairs,
    state_vectors,
)
from wellclear.tactical.tracks import TrackTable

RUNS = 5
ALL_PAIRS_MAX_N = 5_000


def scene(n: int, side_km: float, seed: int = 1) -> StateVectors:
    rng = np.random.default_rng(seed)
    half_m = side_km * 500.0
    north, east = rng.uniform(-half_m, half_m, (2, n))
    lat = 52.0 + np.degrees(north / EARTH_RADIUS_M)
    lon = 5.0 + np.degrees(east / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    moving = rng.random(n) < 0.3
    vs_fpm = np.where(moving, rng.choice([-1.0, 1.0], n) * rng.uniform(500, 3000, n), 0.0)
    return state_vectors(
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(10_000, 40_000, n) * FT_M,
        trk_deg=rng.uniform(0, 360, n),
        gs_mps=rng.uniform(250, 480, n) * KT_MPS,
        vs_mps=vs_fpm * FPM_MPS,
    )


def _median_s(func: object, *args: object) -> float:
    times = []
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        func(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_mib(func: object, *args: object) -> float:
    gc.collect()
    tracemalloc.start()
    func(*args)  # type: ignore[operator]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def row(label: str, sv: StateVectors) -> str:
    candidates = candidate_pairs(sv).i.size
    conflicts = detect(sv).size
    cycle_s = _median_s(detect, sv)
    peak = _peak_mib(detect, sv)
    ratio = "-"
    if sv.size <= ALL_PAIRS_MAX_N:
        brute = detect_all_pairs(sv)
        assert brute.size == conflicts, "broad phase disagrees with all pairs"
        ratio = f"{_median_s(detect_all_pairs, sv) / cycle_s:.1f}x"
    return (
        f"| {label} | {sv.size:,} | {candidates:,} | {conflicts:,} | "
        f"{cycle_s * 1000:,.1f} | {peak:,.0f} | {ratio} |"
    )


def sbs_file(path: str, lines: int) -> None:
    rng = np.random.default_rng(2)
    day = datetime(2024, 7, 6, tzinfo=UTC).timestamp()
    with open(path, "w", encoding="ascii") as out:
        for k in range(lines):
            stamp = datetime.fromtimestamp(day + k / 1000, UTC)
            when = f"{stamp:%Y/%m/%d},{stamp:%H:%M:%S}.{stamp.microsecond // 1000:03d}"
            when = f"{when},{when}"
            icao = f"{0x400000 + int(rng.integers(5000)):06X}"
            if k % 2:
                gs, trk = int(rng.integers(250, 480)), rng.uniform(0, 360)
                out.write(f"MSG,4,1,1,{icao},1,{when},,,{gs},{trk:.1f},,,-512,,0,,0,0\n")
            else:
                alt, lat, lon = int(rng.integers(10, 40)) * 1000, *rng.uniform((50, 3), (54, 7))
                out.write(f"MSG,3,1,1,{icao},1,{when},,{alt},,,{lat:.5f},{lon:.5f},,,0,0,0,0\n")


def _parse_s(path: str, bulk: bool) -> float:
    table = TrackTable()
    started = time.perf_counter()
    with open(path, encoding="ascii") as source:
        if bulk:
            apply_text(table, source, LineCounts())
        else:
            for line in source:
                apply_line(table, line)
    return time.perf_counter() - started


def sbs_rate(lines: int) -> str:
    """Lines per second of a whole recording (``apply_text``) and line by line (live path)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.sbs")
        sbs_file(path, lines)
        bulk_s = statistics.median(_parse_s(path, bulk=True) for _ in range(3))
        line_s = _parse_s(path, bulk=False)
    return (
        f"SBS parsing: {lines:,} lines, recording (bulk) {lines / bulk_s:,.0f} lines/s "
        f"(median of 3), line by line {lines / line_s:,.0f} lines/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")
    print()
    print("| scene | N | candidate pairs | conflicts | median cycle ms | peak MiB | vs all-pairs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    sizes = [1_000, 5_000, 10_000] + ([] if quick else [100_000])
    for n in sizes:
        print(row("uniform", scene(n, 600.0 * (n / 10_000) ** 0.5)), flush=True)
    print(row("dense", scene(20_000, 600.0)), flush=True)
    print()
    print(sbs_rate(200_000 if quick else 1_000_000))


if __name__ == "__main__":
    main()

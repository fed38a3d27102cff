"""Strategic engine benchmark: batch all-pairs, index build and incremental add-and-check.

The mix is one seeded day (UTC) over a 300 x 300 km region centred on 36.2 N 37.1 E,
shared by six parties (priorities 0-3), each with a home area where its ground activity
clusters:

- flights (``FLIGHT_SHARE``): corridors of 3-8 consecutive volumes along a wandering path,
  each volume a 2-5 km wide polygon around a 10-40 km leg, lasting 5-15 minutes, back to
  back in time; a flight keeps one cruise band 300-600 m thick, floors on a 915 m (3,000 ft)
  grid from 500 m up to 12,000 m; departures spread over the whole day;
- operations: polygons or circles 2-20 km across around a party's home area, 1-6 h,
  from the ground or low up to 1,500-4,500 m;
- movements (convoy routes): long thin polygons (150-400 m wide) along a road-like path of
  8-20 km legs from a party's home area, 0-50 m above ground, 2-8 h;
- sites: circles or squares 100-500 m across near a party's home, 0-100 m, open-ended in time;
- restrictions: polygons 2-15 km across anywhere in the region, 0-5,000 m, 2-8 h.

Density grows with N in a fixed region and day, so conflicts grow as N^2: the shares are
tuned so that 10,000 intents give conflicts for about 1 % of intents.

For each N the table reports: extents; index build (``IntentIndex.add_many`` of all N); all-pairs
(``find_conflicts`` over all N); conflicts found; incremental add-and-check (for fresh
intents, ``conflicts_of(x)`` then ``add(x)`` on the index holding N, median and p99); and
peak memory: ``ru_maxrss`` of a fresh process that loads the N intents (pickled by a
separate generator process, whose own peak is shown too) and then runs only that phase
(index build + incremental, or all-pairs), next to its RSS with the intents loaded.

A brute-force baseline (every extent pair, i < j, straight into the exact phase
``conflicts_among``, skipping only the grid broad phase) runs at small N in this process
and must find the same conflicting pairs as ``find_conflicts``.

Usage: ``python benchmarks/strategic.py [--sizes 1000,10000,100000] [--seed 7] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import pickle
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

import numpy as np

from wellclear.model import (
    CircleOutline,
    Conflict,
    Intent,
    Kind,
    LatLng,
    Mode,
    Outline,
    PairRule,
    Policy,
    PolygonOutline,
    Volume4D,
)
from wellclear.strategic import IntentIndex, find_conflicts
from wellclear.strategic.detect import conflicts_among
from wellclear.strategic.extents import build_table
from wellclear.strategic.rules import RuleTables

CENTRE_LAT, CENTRE_LNG = 36.2, 37.1
HALF_SIDE_KM = 150.0
KM_PER_DEG_LAT = 110.95
KM_PER_DEG_LNG = 111.32 * math.cos(math.radians(CENTRE_LAT))
DAY = datetime(2025, 6, 1, tzinfo=UTC)
DAY_S = 86_400.0
PARTIES = ("army", "airforce", "police", "relief", "un", "civil")
HOME_SPREAD_KM = 35.0
LEVEL_STRIDE_M = 915.0
LOWEST_FLOOR_M, HIGHEST_CEILING_M = 500.0, 12_000.0
SHARES: dict[Kind, float] = {
    Kind.FLIGHT: 0.55,
    Kind.OPERATION: 0.08,
    Kind.MOVEMENT: 0.12,
    Kind.SITE: 0.22,
    Kind.RESTRICTION: 0.03,
}
UNCHECKED_SHARE = 0.01
MAX_TRIES = 4
CELL_KM = 10.0
SLOT_S = 1_800.0
PER_DAY = 1_000
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
BASELINE_SIZES = (1_000, 2_000)
PROBES = 200
WARMUP = 5

Point = tuple[float, float]  # (x_km east, y_km north) from the centre


# ----------------------------------------------------------------------------- policy


def load_policy() -> Policy:
    """The shipped default policy; the same rules inline if ``default_policy`` is missing."""
    try:
        from wellclear.ingest import default_policy  # noqa: PLC0415
    except ImportError:
        return fallback_policy()
    return default_policy()


def fallback_policy() -> Policy:
    """The default policy's seven rules, for checkouts without ``ingest.default_policy``."""
    f, o, m, s, r = Kind.FLIGHT, Kind.OPERATION, Kind.MOVEMENT, Kind.SITE, Kind.RESTRICTION
    rules = {
        (f, f): PairRule(9260.0, 304.8, 0.0, Mode.REJECT),
        (f, o): PairRule(9260.0, 304.8, 0.0, Mode.REJECT),
        (f, r): PairRule(0.0, 0.0, 0.0, Mode.REJECT),
        (o, o): PairRule(5000.0, 304.8, 0.0, Mode.NOTIFY),
        (o, m): PairRule(2000.0, None, 600.0, Mode.NOTIFY),
        (o, s): PairRule(1000.0, None, 0.0, Mode.NOTIFY),
        (o, r): PairRule(0.0, 0.0, 0.0, Mode.REJECT),
    }
    return Policy({frozenset(pair): rule for pair, rule in rules.items()})


# ----------------------------------------------------------------------------- geometry


def to_latlng(point: Point) -> LatLng:
    x_km, y_km = point
    return LatLng(CENTRE_LAT + y_km / KM_PER_DEG_LAT, CENTRE_LNG + x_km / KM_PER_DEG_LNG)


def polygon(points: Sequence[Point]) -> PolygonOutline:
    return PolygonOutline(tuple(to_latlng(p) for p in points))


def inside(point: Point, margin_km: float = 0.0) -> bool:
    limit = HALF_SIDE_KM - margin_km
    return abs(point[0]) <= limit and abs(point[1]) <= limit


def clamp(point: Point, margin_km: float) -> Point:
    limit = HALF_SIDE_KM - margin_km
    return (min(max(point[0], -limit), limit), min(max(point[1], -limit), limit))


def step(point: Point, heading: float, length_km: float) -> Point:
    return (point[0] + length_km * math.sin(heading), point[1] + length_km * math.cos(heading))


def ribbon(path: Sequence[Point], width_km: float) -> list[Point]:
    """A closed outline ``width_km`` wide around a polyline (mitre joins, no self-check)."""
    half = width_km / 2
    left: list[Point] = []
    right: list[Point] = []
    for k, (x, y) in enumerate(path):
        a, b = path[max(k - 1, 0)], path[min(k + 1, len(path) - 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / norm * half, dx / norm * half
        left.append((x + nx, y + ny))
        right.append((x - nx, y - ny))
    return left + right[::-1]


def blob(rng: np.random.Generator, centre: Point, diameter_km: float) -> list[Point]:
    """A star-shaped polygon of 5-10 vertices roughly ``diameter_km`` across."""
    count = int(rng.integers(5, 11))
    angles = np.sort(rng.uniform(0.0, 2 * math.pi, count))
    radii = diameter_km / 2 * rng.uniform(0.6, 1.0, count)
    return [step(centre, float(a), float(r)) for a, r in zip(angles, radii, strict=True)]


def area(rng: np.random.Generator, centre: Point, diameter_km: float) -> Outline:
    """A circle or a polygon about ``diameter_km`` across, half and half."""
    if rng.random() < 0.5:
        return CircleOutline(to_latlng(centre), diameter_km * 500.0)
    return polygon(blob(rng, centre, diameter_km))


# ----------------------------------------------------------------------------- the mix

Box = tuple[float, float, float, float]  # x_lo, x_hi, y_lo, y_hi in km


@dataclass(frozen=True, slots=True)
class Draft:
    """One candidate intent's extents, with the km boxes covering each extent's footprint."""

    extents: tuple[Volume4D, ...]
    boxes: tuple[tuple[Box, ...], ...]


@dataclass(frozen=True, slots=True)
class World:
    """Each party's home area, where its ground activity clusters, and the horizon."""

    homes: dict[str, Point]
    horizon_s: float

    @classmethod
    def of(cls, rng: np.random.Generator, horizon_s: float) -> World:
        spots = rng.uniform(-HALF_SIDE_KM + 40, HALF_SIDE_KM - 40, (len(PARTIES), 2))
        homes = {p: (float(x), float(y)) for p, (x, y) in zip(PARTIES, spots, strict=True)}
        return cls(homes, horizon_s)

    def near_home(self, rng: np.random.Generator, party: str, margin_km: float) -> Point:
        hx, hy = self.homes[party]
        dx, dy = rng.normal(0.0, HOME_SPREAD_KM, 2)
        return clamp((hx + float(dx), hy + float(dy)), margin_km)

    def start_s(self, rng: np.random.Generator, duration_s: float) -> float:
        return float(rng.uniform(0.0, max(self.horizon_s - duration_s, 1.0)))


def at(seconds: float) -> datetime:
    return DAY + timedelta(seconds=round(seconds))


def box_of(points: Sequence[Point], pad_km: float = 0.0) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) - pad_km, max(xs) + pad_km, min(ys) - pad_km, max(ys) + pad_km)


def flight(rng: np.random.Generator, world: World, _party: str) -> Draft:
    legs = int(rng.integers(3, 9))
    durations = rng.uniform(300.0, 900.0, legs)
    start_s = world.start_s(rng, float(durations.sum()))
    levels = int((HIGHEST_CEILING_M - 600.0 - LOWEST_FLOOR_M) // LEVEL_STRIDE_M) + 1
    floor_m = LOWEST_FLOOR_M + LEVEL_STRIDE_M * int(rng.integers(0, levels))
    ceiling_m = floor_m + float(rng.uniform(300.0, 600.0))
    width_km = float(rng.uniform(2.0, 5.0))
    here = (float(rng.uniform(-130, 130)), float(rng.uniform(-130, 130)))
    heading = float(rng.uniform(0.0, 2 * math.pi))
    volumes, boxes = [], []
    for duration in durations:
        heading += float(rng.normal(0.0, 0.4))
        there = step(here, heading, float(rng.uniform(10.0, 40.0)))
        if not inside(there, 5.0):
            heading = math.atan2(-here[0], -here[1])  # turn back towards the centre
            there = clamp(step(here, heading, float(rng.uniform(10.0, 40.0))), 5.0)
        end_s = start_s + float(duration)
        outline = ribbon([here, there], width_km)
        volumes.append(Volume4D(polygon(outline), floor_m, ceiling_m, at(start_s), at(end_s)))
        boxes.append((box_of(outline),))
        here, start_s = there, end_s
    return Draft(tuple(volumes), tuple(boxes))


def operation(rng: np.random.Generator, world: World, party: str) -> Draft:
    diameter_km = float(rng.uniform(2.0, 20.0))
    centre = world.near_home(rng, party, diameter_km / 2)
    duration_s = float(rng.uniform(3_600.0, 6 * 3_600.0))
    start_s = world.start_s(rng, duration_s)
    floor_m = float(rng.choice([0.0, rng.uniform(0.0, 500.0)]))
    ceiling_m = float(rng.uniform(1_500.0, 4_500.0))
    outline = area(rng, centre, diameter_km)
    extent = Volume4D(outline, floor_m, ceiling_m, at(start_s), at(start_s + duration_s))
    return Draft((extent,), ((box_of([centre], diameter_km / 2),),))


def movement(rng: np.random.Generator, world: World, party: str) -> Draft:
    here = world.near_home(rng, party, 10.0)
    heading = float(rng.uniform(0.0, 2 * math.pi))
    path = [here]
    for _ in range(int(rng.integers(3, 9))):
        heading += float(rng.normal(0.0, 0.3))
        there = step(path[-1], heading, float(rng.uniform(8.0, 20.0)))
        if not inside(there, 2.0):
            break
        path.append(there)
    if len(path) < 2:
        path.append(clamp(step(here, heading + math.pi, 10.0), 2.0))
    duration_s = float(rng.uniform(2 * 3_600.0, 8 * 3_600.0))
    start_s = world.start_s(rng, duration_s)
    width_km = float(rng.uniform(0.15, 0.4))
    outline = polygon(ribbon(path, width_km))
    ceiling_m = float(rng.uniform(5.0, 50.0))
    extent = Volume4D(outline, 0.0, ceiling_m, at(start_s), at(start_s + duration_s))
    legs = tuple(box_of(path[k : k + 2], width_km) for k in range(len(path) - 1))
    return Draft((extent,), (legs,))


def site(rng: np.random.Generator, world: World, party: str) -> Draft:
    centre = world.near_home(rng, party, 1.0)
    half_km = float(rng.uniform(0.05, 0.25))
    if rng.random() < 0.5:
        outline: Outline = CircleOutline(to_latlng(centre), half_km * 1_000.0)
    else:
        x, y, h = centre[0], centre[1], half_km
        outline = polygon([(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)])
    start = at(world.start_s(rng, 0.0))
    extent = Volume4D(outline, 0.0, float(rng.uniform(10.0, 100.0)), start, None)
    return Draft((extent,), ((box_of([centre], half_km),),))


def restriction(rng: np.random.Generator, world: World, _party: str) -> Draft:
    diameter_km = float(rng.uniform(2.0, 15.0))
    centre = (float(rng.uniform(-140, 140)), float(rng.uniform(-140, 140)))
    duration_s = float(rng.uniform(2 * 3_600.0, 8 * 3_600.0))
    start_s = world.start_s(rng, duration_s)
    outline = blob(rng, centre, diameter_km)
    ceiling_m = float(rng.uniform(1_000.0, 5_000.0))
    extent = Volume4D(polygon(outline), 0.0, ceiling_m, at(start_s), at(start_s + duration_s))
    return Draft((extent,), ((box_of(outline),),))


MAKERS: dict[Kind, Callable[[np.random.Generator, World, str], Draft]] = {
    Kind.FLIGHT: flight,
    Kind.OPERATION: operation,
    Kind.MOVEMENT: movement,
    Kind.SITE: site,
    Kind.RESTRICTION: restriction,
}


# ----------------------------------------------------------------------------- deconfliction

Entry = tuple[str, float, float]  # party, floor_m, ceiling_m
CellKey = tuple[int | Kind, ...]  # (x, y, kind) or (x, y, time slot, kind)


class Airspace:
    """What the generator has accepted so far, filed under coarse (x, y, time, kind) cells.

    A conservative stand-in for a deconfliction service: a draft is refused when a cell
    its dilated boxes touch holds an extent of another party whose kind the policy checks
    against its own, with altitude bands too close. Accepted intents are therefore mostly
    clear of one another; conflicts come from the few placed unchecked or that found no room.
    """

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._timed: dict[CellKey, list[Entry]] = {}
        self._forever: dict[CellKey, list[Entry]] = {}
        self._any_time: dict[CellKey, list[Entry]] = {}
        self._pad_s = policy.max_time_s() / 2 + 1.0
        self._pad_km = {kind: policy.max_horizontal_m(kind) / 2_000.0 * 1.03 + 0.3 for kind in Kind}
        self._partners = {
            kind: [(other, policy.rule(kind, other).vertical_m) for other in Kind
                   if policy.rule(kind, other).checked]
            for kind in Kind
        }  # fmt: skip

    def fits(self, kind: Kind, party: str, draft: Draft) -> bool:
        for extent, keys in self._keys(kind, draft):
            for other, vertical_m in self._partners[kind]:
                for key in keys:
                    for old_party, floor_m, ceiling_m in self._lookup(key, other):
                        if old_party != party and (
                            vertical_m is None
                            or max(extent.floor_m, floor_m) - min(extent.ceiling_m, ceiling_m)
                            < vertical_m
                        ):
                            return False
        return True

    def take(self, kind: Kind, party: str, draft: Draft) -> None:
        for extent, keys in self._keys(kind, draft):
            entry = (party, extent.floor_m, extent.ceiling_m)
            for key in keys:
                if len(key) == 2:
                    self._forever.setdefault((*key, kind), []).append(entry)
                else:
                    self._timed.setdefault((*key, kind), []).append(entry)
                    self._any_time.setdefault((key[0], key[1], kind), []).append(entry)

    def _lookup(self, key: tuple[int, ...], kind: Kind) -> list[Entry]:
        cell = (key[0], key[1], kind)
        if len(key) == 2:
            return self._any_time.get(cell, []) + self._forever.get(cell, [])
        return self._timed.get((*key, kind), []) + self._forever.get(cell, [])

    def _keys(self, kind: Kind, draft: Draft) -> list[tuple[Volume4D, set[tuple[int, ...]]]]:
        pad = self._pad_km[kind]
        out = []
        for extent, boxes in zip(draft.extents, draft.boxes, strict=True):
            cells = {c for box in boxes for c in _cells(box, pad)}
            if extent.end is None:
                out.append((extent, set[tuple[int, ...]](cells)))
                continue
            first = int((extent.start_s - DAY.timestamp() - self._pad_s) // SLOT_S)
            last = int((extent.end_s - DAY.timestamp() + self._pad_s) // SLOT_S)
            out.append((extent, {(x, y, t) for x, y in cells for t in range(first, last + 1)}))
        return out


def _cells(box: Box, pad_km: float) -> list[tuple[int, int]]:
    x_lo, x_hi = int((box[0] - pad_km) // CELL_KM), int((box[1] + pad_km) // CELL_KM)
    y_lo, y_hi = int((box[2] - pad_km) // CELL_KM), int((box[3] + pad_km) // CELL_KM)
    return [(x, y) for x in range(x_lo, x_hi + 1) for y in range(y_lo, y_hi + 1)]


@dataclass(frozen=True, slots=True)
class Mix:
    """The generated intents and how they were placed."""

    intents: list[Intent]
    unchecked: int
    crowded: int
    horizon_days: float


def horizon_days(n: int, per_day: int) -> float:
    return max(1.0, n / per_day)


def generate(
    n: int, seed: int, policy: Policy, *, per_day: int, prefix: str = "i", world_n: int = 0
) -> Mix:
    """``n`` intents of the mix; the same arguments always give the same intents.

    ``world_n`` (default ``n``) sets the horizon, so fresh probe intents share the world.
    """
    days = horizon_days(world_n or n, per_day)
    world = World.of(np.random.default_rng(seed), days * DAY_S)
    rng = np.random.default_rng([seed, n, ord(prefix[0])])
    airspace = Airspace(policy)
    kinds = list(SHARES)
    drawn = rng.choice(len(kinds), size=n, p=list(SHARES.values()))
    intents, unchecked, crowded = [], 0, 0
    for number, code in enumerate(drawn):
        kind = kinds[int(code)]
        party = PARTIES[int(rng.integers(0, len(PARTIES)))]
        draft, checked = MAKERS[kind](rng, world, party), rng.random() >= UNCHECKED_SHARE
        tries = 1
        while checked and not airspace.fits(kind, party, draft) and tries < MAX_TRIES:
            draft, tries = MAKERS[kind](rng, world, party), tries + 1
        unchecked += not checked
        crowded += checked and tries == MAX_TRIES and not airspace.fits(kind, party, draft)
        airspace.take(kind, party, draft)
        intent_id = f"{prefix}{number:06d}-{kind.value}"
        intents.append(Intent(intent_id, party, kind, draft.extents, int(rng.integers(0, 4))))
    return Mix(intents, unchecked, crowded, days)


# ----------------------------------------------------------------------------- phases


def maxrss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def index_phase(mix: Mix, probes: Sequence[Intent], policy: Policy) -> dict[str, float]:
    """Build the index of all N, then time ``conflicts_of`` + ``add`` for each probe."""
    index = IntentIndex(policy)
    build_s = timed(lambda: index.add_many(mix.intents))
    samples = []
    for number, probe in enumerate(probes):
        start = time.perf_counter()
        index.conflicts_of(probe)
        index.add(probe)
        if number >= WARMUP:
            samples.append(time.perf_counter() - start)
        index.remove(probe.id)  # keep N resident
    samples.sort()
    p99 = samples[min(len(samples) - 1, math.ceil(0.99 * len(samples)) - 1)]
    return {"build_s": build_s, "median_ms": statistics.median(samples) * 1e3, "p99_ms": p99 * 1e3}


def allpairs_phase(mix: Mix, policy: Policy) -> dict[str, float]:
    found: list[tuple[Conflict, ...]] = []
    seconds = timed(lambda: found.append(find_conflicts(mix.intents, policy)))
    return {"allpairs_s": seconds, "conflicts": len(found[0])}


def cache_file(cache: str, n: int) -> pathlib.Path:
    return pathlib.Path(cache) / f"mix-{n}.pickle"


def run_child(n: int, phase: str, args: argparse.Namespace) -> None:
    """One phase in this (fresh) process; prints its results as one JSON line.

    ``generate`` draws the N intents and the probes and pickles them into the cache; the
    other phases load them, so their peak memory is the intents plus the engine's work,
    not the generator's bookkeeping.
    """
    path = cache_file(args.cache, n)
    if phase == "generate":
        policy = load_policy()
        mix = generate(n, args.seed, policy, per_day=args.per_day)
        fresh = generate(
            args.probes + WARMUP, args.seed, policy, per_day=args.per_day, prefix="p", world_n=n
        )
        with path.open("wb") as out:
            pickle.dump((mix, fresh.intents), out, protocol=pickle.HIGHEST_PROTOCOL)
        print(json.dumps({"rss_gen_mb": maxrss_mb()}))
        return
    with path.open("rb") as source:  # our own file, written by the generate phase above
        mix, probes = pickle.load(source)
    policy = load_policy()
    result: dict[str, float] = {
        "extents": sum(len(i.extents) for i in mix.intents),
        "unchecked": mix.unchecked,
        "crowded": mix.crowded,
        "days": mix.horizon_days,
        "rss_loaded_mb": maxrss_mb(),
    }
    if phase == "index":
        result |= index_phase(mix, probes, policy)
    else:
        result |= allpairs_phase(mix, policy)
    result["rss_peak_mb"] = maxrss_mb()
    print(json.dumps(result))


def in_child(n: int, phase: str, args: argparse.Namespace) -> dict[str, float]:
    """One phase in a fresh process; ``{}`` (and a note on stderr) when the process fails."""
    command = [
        sys.executable, __file__, "--child", f"{n}:{phase}", "--seed", str(args.seed),
        "--probes", str(args.probes), "--per-day", str(args.per_day), "--cache", args.cache,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        print(f"N={n:,} {phase}: exit status {done.returncode}; {tail[0]}", flush=True)
        return {}
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------- baseline


def pair_ids(conflicts: Sequence[Conflict]) -> set[tuple[str, str]]:
    return {c.intents for c in conflicts}


def brute_force(intents: Sequence[Intent], policy: Policy) -> tuple[Conflict, ...]:
    """Every extent pair i < j straight into the exact phase: no grid broad phase."""
    table = build_table(intents, {})
    i, j = np.triu_indices(len(table), k=1)
    return conflicts_among(
        table, i.astype(np.int64), j.astype(np.int64), intents, RuleTables.of(policy)
    )


def baseline_row(n: int, args: argparse.Namespace, policy: Policy) -> str:
    intents = generate(n, args.seed, policy, per_day=args.per_day).intents
    grid: list[tuple[Conflict, ...]] = []
    brute: list[tuple[Conflict, ...]] = []
    grid_s = timed(lambda: grid.append(find_conflicts(intents, policy)))
    brute_s = timed(lambda: brute.append(brute_force(intents, policy)))
    same = pair_ids(grid[0]) == pair_ids(brute[0])
    assert same, f"grid and brute force disagree at N={n}"
    return (
        f"| {n:,} | {grid_s:.3f} | {brute_s:.3f} | {grid_s / brute_s:.3f} "
        f"| {len(grid[0]):,} | {'yes' if same else 'NO'} |"
    )


# ----------------------------------------------------------------------------- report


def machine_info() -> list[str]:
    cpu = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
            cpu = names[0] if names else cpu
    return [
        f"command: {shlex.join([sys.executable, *sys.argv])}",
        f"machine: {platform.platform()}; {cpu}; cpu_count={os.cpu_count()}, "
        f"usable={len(os.sched_getaffinity(0))}",
        f"python {platform.python_version()}, numpy {version('numpy')}, "
        f"shapely {version('shapely')}, pyproj {version('pyproj')}",
    ]


HEADER = (
    "| N | extents | days | index build s | all-pairs s | conflicts | add+check median ms "
    "| add+check p99 ms | RSS generator MB | RSS intents loaded MB | peak RSS index MB "
    "| peak RSS all-pairs MB |"
)


def cell(values: dict[str, float], key: str, spec: str) -> str:
    return format(values[key], spec) if key in values else "failed"


def table_row(
    n: int, made: dict[str, float], index: dict[str, float], pairs: dict[str, float]
) -> str:
    both = pairs | index
    found = (
        f"{int(pairs['conflicts']):,} ({100 * pairs['conflicts'] / n:.1f} %)"
        if "conflicts" in pairs
        else "failed"
    )
    return (
        f"| {n:,} | {cell(both, 'extents', ',.0f')} | {cell(both, 'days', 'g')} "
        f"| {cell(index, 'build_s', '.2f')} | {cell(pairs, 'allpairs_s', '.2f')} | {found} "
        f"| {cell(index, 'median_ms', '.2f')} | {cell(index, 'p99_ms', '.2f')} "
        f"| {cell(made, 'rss_gen_mb', '.0f')} | {cell(both, 'rss_loaded_mb', '.0f')} "
        f"| {cell(index, 'rss_peak_mb', '.0f')} "
        f"| {cell(pairs, 'rss_peak_mb', '.0f')} |"
    )


def report(args: argparse.Namespace) -> None:
    sizes = QUICK_SIZES if args.quick else tuple(int(s) for s in args.sizes.split(","))
    print("\n".join(machine_info()))
    print(
        f"mix: seed {args.seed}, {args.per_day:,} intents per day of horizon, shares "
        + ", ".join(f"{k.value} {v:.0%}" for k, v in SHARES.items())
        + f"; {args.probes} fresh probes per N; RSS = ru_maxrss of a fresh process per phase"
    )
    print(f"\n{HEADER}\n|{'---|' * HEADER.count(' | ')}---|", flush=True)
    placed = []
    with tempfile.TemporaryDirectory(prefix="wellclear-bench-") as cache:
        args.cache = cache
        for n in sizes:
            made = in_child(n, "generate", args)
            index, pairs = in_child(n, "index", args), in_child(n, "allpairs", args)
            cache_file(cache, n).unlink(missing_ok=True)
            print(table_row(n, made, index, pairs), flush=True)
            placed.append(
                f"N={n:,}: {int(index['unchecked'])} unchecked, {int(index['crowded'])} crowded"
            )
    print("\nplaced without deconfliction: " + "; ".join(placed))
    policy = load_policy()
    print("\nbaseline (same process): find_conflicts vs every extent pair into conflicts_among")
    print(
        "| N | grid s | brute s | grid/brute | conflicts | same pairs |\n|---|---|---|---|---|---|"
    )
    for n in args.baseline_sizes:
        print(baseline_row(n, args, policy), flush=True)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="N = 1,000 and 10,000 only")
    parser.add_argument("--probes", type=int, default=PROBES)
    parser.add_argument("--per-day", type=int, default=PER_DAY)
    parser.add_argument(
        "--baseline-sizes",
        type=lambda text: [int(s) for s in text.split(",") if s],
        default=list(BASELINE_SIZES),
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.child:
        n, phase = args.child.split(":")
        run_child(int(n), phase, args)
    else:
        report(args)


if __name__ == "__main__":
    main()

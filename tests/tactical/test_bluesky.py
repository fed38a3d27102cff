"""Differential test: our ``detect`` against BlueSky's state-based detection, pair for pair.

BlueSky (PyPI ``bluesky-simulator``, the optional extra ``.[bluesky]``) is the reference the
issue names. Its ``StateBased.detect`` runs on N x N matrices, so scenes stay at a
thousand aircraft or fewer. Per scene: every unordered pair is compared; a pair on which the
two disagree is accepted only when it is decided within rounding of a threshold (dCPA at
the separation, entry at the look-ahead, exit at 0, or entry at exit), which our own
closest-approach values show. The numbers are recorded in ``docs/tactical.md``.
"""

from __future__ import annotations

import os
from types import ModuleType, SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest
from tactical_scenes import random_scene

from wellclear.tactical import StateVectors, closest_approach, detect

pytestmark = [
    pytest.mark.slow,
    # BlueSky's statebased.py builds np.matrix objects; the warning is about its code, not ours.
    pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning"),
]

LOOKAHEAD_S = 300.0
ROUNDING_M = 1e-6
ROUNDING_S = 1e-6


@pytest.fixture(scope="module")
def statebased(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    # matplotlib (imported by BlueSky) writes its cache under MPLCONFIGDIR, not $HOME.
    os.environ.setdefault("MPLCONFIGDIR", str(tmp_path_factory.mktemp("matplotlib")))
    return pytest.importorskip(
        "bluesky.traffic.asas.statebased",
        reason="BlueSky is not installed (pip install .[bluesky])",
    )


class Theirs(NamedTuple):
    conflicts: set[tuple[int, int]]  # both orders, as BlueSky lists them
    los: set[tuple[int, int]]
    tcpa_s: dict[tuple[int, int], float]


def bluesky_pairs(module: ModuleType, sv: StateVectors) -> Theirs:
    """BlueSky's conflicting pairs, pairs in loss of separation and per-pair tCPA."""
    n = sv.size
    traffic = SimpleNamespace(
        ntraf=n, id=list(range(n)), lat=sv.lat_deg, lon=sv.lon_deg, alt=sv.alt_m,
        trk=sv.trk_deg, gs=sv.gs_mps, vs=sv.vs_mps,
    )  # fmt: skip
    # ``detect`` uses no state of the detector object: call the function as BlueSky does.
    result = module.StateBased.detect(None, traffic, traffic, sv.rpz_m, sv.hpz_m, sv.lookahead_s)
    confpairs, lospairs, tcpa = result[0], result[1], result[7]
    return Theirs(
        {(int(a), int(b)) for a, b in confpairs},
        {(min(a, b), max(a, b)) for a, b in lospairs},
        dict(zip(confpairs, tcpa, strict=True)),
    )


class Agreement(NamedTuple):
    pairs: int
    ours: int
    theirs: int
    asymmetric: int  # BlueSky flags (i, j) but not (j, i): rounding inside BlueSky
    near_threshold: int
    unexplained: list[tuple[int, int]]
    max_tcpa_diff_s: float
    los_ours: int
    los_theirs: int
    los_same: bool


def _near_threshold(sv: StateVectors, i: int, j: int) -> bool:
    a = closest_approach(sv, [i], [j])
    rpz = max(sv.rpz_m[i], sv.rpz_m[j])
    lookahead = max(sv.lookahead_s[i], sv.lookahead_s[j])
    t_in, t_out = float(a.t_in_s[0]), float(a.t_out_s[0])
    return bool(
        abs(float(a.dcpa_m[0]) - rpz) <= ROUNDING_M * (1 + rpz)
        or abs(t_in - lookahead) <= ROUNDING_S * (1 + lookahead)
        or abs(t_out) <= ROUNDING_S
        or abs(t_in - t_out) <= ROUNDING_S * (1 + abs(t_in))
    )


def compare(module: ModuleType, sv: StateVectors) -> Agreement:
    ours_c = detect(sv)
    ours = set(zip(ours_c.i.tolist(), ours_c.j.tolist(), strict=True))
    their = bluesky_pairs(module, sv)
    both_orders = their.conflicts
    theirs = {(min(a, b), max(a, b)) for a, b in both_orders}
    asymmetric = sum(1 for a, b in theirs if ((a, b) in both_orders) != ((b, a) in both_orders))
    differ = ours ^ theirs
    near = [p for p in differ if _near_threshold(sv, *p)]
    unexplained = sorted(differ - set(near))
    tcpa_diff = [
        abs(float(ours_c.tcpa_s[k]) - their.tcpa_s[ours_c.i[k], ours_c.j[k]])
        for k in range(ours_c.size)
        if (int(ours_c.i[k]), int(ours_c.j[k])) in both_orders
    ]
    los = set(zip(ours_c.i[ours_c.los].tolist(), ours_c.j[ours_c.los].tolist(), strict=True))
    n = sv.size
    return Agreement(
        n * (n - 1) // 2, len(ours), len(theirs), asymmetric, len(near), unexplained,
        max(tcpa_diff, default=0.0), len(los), len(their.los), los == their.los,
    )  # fmt: skip


def _overrides(seed: int, n: int) -> StateVectors:
    """Per-aircraft separations (a pair takes the larger); one look-ahead for all, as
    BlueSky applies the ownship's look-ahead to each ordered pair."""
    sv = random_scene(seed, n, side_km=150.0, overrides=True)
    return sv._replace(lookahead_s=np.full(n, LOOKAHEAD_S))


SCENES = {
    "dense 1,000 in 100 km": lambda: random_scene(11, 1_000, side_km=100.0),
    "sparse 1,000 in 600 km": lambda: random_scene(12, 1_000, side_km=600.0),
    "overrides 600": lambda: _overrides(13, 600),
    "70°N 500": lambda: random_scene(14, 500, lat_deg=70.0, side_km=150.0),
    "antimeridian 500": lambda: random_scene(15, 500, lon_deg=180.0, side_km=150.0),
    "level and still 400": lambda: random_scene(16, 400, side_km=80.0, climbing=0.0, still=0.2),
}


@pytest.mark.parametrize("name", list(SCENES))
def test_detect_matches_bluesky_pair_for_pair(statebased: ModuleType, name: str) -> None:
    sv = SCENES[name]()
    agreement = compare(statebased, sv)
    print(f"\n{name}: {agreement._replace(unexplained=len(agreement.unexplained))}")
    assert agreement.unexplained == []
    assert agreement.ours > 0
    assert agreement.max_tcpa_diff_s < 1e-6
    assert agreement.los_same

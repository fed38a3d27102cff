"""The golden scenario, examples/aleppo.json (built by examples/build_aleppo.py).

Expected conflicts, worked out by hand from the construction:

1. blue-air-7 × red-strike-east (flight–operation, reject): blue's northbound corridor
   (4,500–5,100 m, 09:30–10:00) runs straight through red's strike box (4,000–7,000 m,
   09:00–11:00): footprints overlap, distance 0.
2. blue-isr-north × red-strike-east (operation–operation, notify): the strike box's west edge
   is 14 km − 8 km (ISR radius) − 4 km (half side) = 2,000 m from the ISR disc, under 5,000 m;
   altitudes overlap and both are active 09:00–11:00.
3. joint-citadel-restriction × red-air-3 (restriction–flight, reject): red's eastbound corridor
   at 2,000–2,600 m crosses the citadel keep-out (0–3,000 m) at 14:00–14:20.
4. ngo-hospital-aleppo × red-training-north (site–operation, notify): the training disc's edge
   is 700 m from the hospital's 300 m disc, under 1,000 m; altitude is ignored for sites.

Not conflicts: blue-air-7 × blue-isr-north (same party); the convoy × red-training-north
(the training disc stays more than 2 km from the route's end); red-air-3 × blue-isr-north
(ISR ended at 12:00); blue-air-9 (80 km west, 15:00, nobody near); the convoy × hospital and
flight × site pairs (not in the policy).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wellclear.ingest import default_policy, load_intents
from wellclear.model import Mode
from wellclear.strategic import find_conflicts

EXAMPLE = Path(__file__).parents[2] / "examples" / "aleppo.json"

EXPECTED = {
    ("blue-air-7", "red-strike-east"): (Mode.REJECT, 0.0),
    ("blue-isr-north", "red-strike-east"): (Mode.NOTIFY, 2_000.0),
    ("joint-citadel-restriction", "red-air-3"): (Mode.REJECT, 0.0),
    ("ngo-hospital-aleppo", "red-training-north"): (Mode.NOTIFY, 700.0),
}


def test_aleppo_conflicts_are_exactly_the_hand_worked_ones():
    conflicts = find_conflicts(load_intents(EXAMPLE), default_policy())
    found = {c.intents: (c.rule.mode, c.min_distance_m) for c in conflicts}
    assert set(found) == set(EXPECTED)
    for pair, (mode, distance_m) in EXPECTED.items():
        assert found[pair][0] is mode
        # Coordinates are written with 7 decimals (~1 cm): distances agree to a few cm.
        assert found[pair][1] == pytest.approx(distance_m, abs=0.1)

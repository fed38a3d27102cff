"""Alert levels by time to loss of separation, and the purity of the tactical package."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from tactical_scenes import random_scene

from wellclear.tactical import LEVELS, AlertLevel, AlertThresholds, alert_levels, detect


@pytest.mark.parametrize(
    ("tlos_s", "los", "expected"),
    [
        (0.0, True, AlertLevel.WARNING),
        (0.0, False, AlertLevel.WARNING),
        (60.0, False, AlertLevel.WARNING),
        (60.01, False, AlertLevel.CORRECTIVE),
        (120.0, False, AlertLevel.CORRECTIVE),
        (120.01, False, AlertLevel.PREVENTIVE),
        (299.0, False, AlertLevel.PREVENTIVE),
        (299.0, True, AlertLevel.WARNING),
    ],
)
def test_levels(tlos_s: float, los: bool, expected: AlertLevel) -> None:
    code = alert_levels(np.array([tlos_s]), np.array([los]))[0]
    assert LEVELS[code] is expected


def test_thresholds_are_configurable() -> None:
    codes = alert_levels(np.array([30.0, 90.0]), np.array([False, False]), AlertThresholds(20, 100))
    assert [LEVELS[c] for c in codes] == [AlertLevel.CORRECTIVE, AlertLevel.CORRECTIVE]


def test_every_level_occurs_and_tlos_within_look_ahead() -> None:
    conflicts = detect(random_scene(11, 800, side_km=150.0))
    assert set(conflicts.levels()) == set(AlertLevel)
    assert np.all(conflicts.tlos_s < 300.0)
    assert np.all(conflicts.tlos_s >= 0.0)
    assert np.all(conflicts.tlos_s[conflicts.los] == 0.0)
    assert np.all(conflicts.i < conflicts.j)


def test_tactical_is_pure() -> None:
    code = (
        "import sys, wellclear.tactical; "
        "bad = {'fastapi', 'sqlalchemy', 'typer', 'rich', 'socket'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""SBS-1 BaseStation lines into tracks: a table of real-format lines, malformed ones counted."""

from __future__ import annotations

import pytest

from wellclear.geo.units import FPM_MPS, FT_M, KT_MPS
from wellclear.ingest.sbs import LineCounts, Outcome, apply_line, line_time_s
from wellclear.tactical.tracks import TrackTable

WHEN = "2024/07/06,06:43:09.525,2024/07/06,06:43:09.525"
POSITION = f"MSG,3,1,1,4CA2D6,1,{WHEN},,37000,,,52.10000,4.70000,,,0,0,0,0"
VELOCITY = f"MSG,4,1,1,4CA2D6,1,{WHEN},,,450,90.5,,,-512,,,,,0"
CALLSIGN = f"MSG,1,1,1,4CA2D6,1,{WHEN},KLM1234 ,,,,,,,,,,,"


@pytest.mark.parametrize(
    ("line", "outcome"),
    [
        (POSITION, Outcome.APPLIED),
        (VELOCITY, Outcome.APPLIED),
        (CALLSIGN, Outcome.APPLIED),
        (f"MSG,5,1,1,4CA2D6,1,{WHEN},,36975,,,,,,,0,,0,0", Outcome.APPLIED),
        (f"MSG,8,1,1,4CA2D6,1,{WHEN},,,,,,,,,,,,0", Outcome.IGNORED),
        (f"MSG,3,1,1,4CA2D6,1,{WHEN},,37000,,,,,,,0,,0,0", Outcome.IGNORED),  # no position
        (
            "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
            Outcome.IGNORED,
        ),
        (
            "AIR,,333,5,4CA2D6,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153",
            Outcome.IGNORED,
        ),
        ("", Outcome.MALFORMED),
        ("garbage", Outcome.MALFORMED),
        ("MSG,3,1,1", Outcome.MALFORMED),
        (POSITION.replace("4CA2D6", "XYZ123"), Outcome.MALFORMED),
        (POSITION.replace("52.10000", "95.0"), Outcome.MALFORMED),
        (POSITION.replace("52.10000", "nan"), Outcome.MALFORMED),
        (VELOCITY.replace(",450,", ",inf,"), Outcome.MALFORMED),
        (POSITION.replace("2024/07/06", "2024/13/06", 1), Outcome.MALFORMED),
        (POSITION.replace("06:43:09.525", "6:4x", 1), Outcome.MALFORMED),
        ("\x00\xff" * 20, Outcome.MALFORMED),
    ],
)
def test_lines(line: str, outcome: Outcome) -> None:
    assert apply_line(TrackTable(), line) is outcome


def test_position_and_velocity_merge_into_a_state_vector() -> None:
    table = TrackTable()
    for line in (CALLSIGN, POSITION, VELOCITY):
        apply_line(table, line + "\r\n")
    track = table.tracks["4CA2D6"]
    assert track.callsign == "KLM1234"
    assert track.alt_m == pytest.approx(37000 * FT_M)
    assert track.gs_mps == pytest.approx(450 * KT_MPS)
    assert track.vs_mps == pytest.approx(-512 * FPM_MPS)
    ids, sv = table.snapshot(line_time_s(POSITION))
    assert ids == ("4CA2D6",)
    assert (sv.lat_deg[0], sv.lon_deg[0], sv.trk_deg[0]) == pytest.approx((52.1, 4.7, 90.5))


def test_position_alone_is_not_a_state_vector_and_stale_tracks_go() -> None:
    table = TrackTable(stale_s=60.0)
    apply_line(table, POSITION)
    t0 = line_time_s(POSITION)
    assert table.snapshot(t0)[0] == ()
    apply_line(table, VELOCITY)
    assert table.snapshot(t0 + 59.0)[0] == ("4CA2D6",)
    assert table.snapshot(t0 + 61.0)[0] == ()
    assert table.drop_stale(t0 + 61.0) == 1
    assert len(table) == 0


def test_on_ground_tracks_are_not_in_snapshots() -> None:
    table = TrackTable()
    apply_line(table, POSITION[: -len("0")] + "-1")
    apply_line(table, VELOCITY[:-1])  # no ground flag: the last one known stays
    assert table.tracks["4CA2D6"].on_ground
    assert table.snapshot(line_time_s(POSITION))[0] == ()


def test_receipt_time_overrides_message_time() -> None:
    table = TrackTable()
    apply_line(table, POSITION, receipt_s=5.0)
    assert table.tracks["4CA2D6"].position_s == 5.0


def test_counts() -> None:
    counts = LineCounts()
    table = TrackTable()
    for line in (POSITION, "junk", VELOCITY, "STA,,,"):
        counts.add(apply_line(table, line), line)
    assert (counts.lines, counts.applied, counts.ignored, counts.malformed) == (4, 2, 1, 1)
    assert counts.examples == ["junk"]

"""OpenSky ``state_vectors_data4`` CSV rows into tracks."""

from __future__ import annotations

import pytest

from wellclear.ingest.opensky import OpenSkyRows, apply_lines
from wellclear.ingest.sbs import LineCounts, Outcome
from wellclear.tactical.tracks import TrackTable

HEADER = (
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    "baroaltitude,geoaltitude,lastposupdate,lastcontact"
)
ROW = (
    "1500000000,4ca2d6,52.1,4.7,230.5,90.0,-2.5,KLM12   ,false,false,false,1000,"
    "10972.8,11049.0,1499999999.2,1499999999.9"
)


@pytest.mark.parametrize(
    ("row", "outcome"),
    [
        (ROW, Outcome.APPLIED),
        (ROW.replace("52.1,4.7", ","), Outcome.IGNORED),  # no position yet
        (ROW.replace("230.5,90.0", "NULL,NULL"), Outcome.IGNORED),
        (ROW.replace("52.1", "x"), Outcome.MALFORMED),
        (ROW.replace("4ca2d6", "nothex"), Outcome.MALFORMED),
        (ROW.replace("52.1", "91"), Outcome.MALFORMED),
        (ROW + ",extra", Outcome.MALFORMED),
        ("", Outcome.MALFORMED),
    ],
)
def test_rows(row: str, outcome: Outcome) -> None:
    assert OpenSkyRows(HEADER).apply(TrackTable(), row) is outcome


def test_row_fields_in_si_and_baro_altitude() -> None:
    table = TrackTable()
    OpenSkyRows(HEADER).apply(table, ROW)
    track = table.tracks["4CA2D6"]
    assert (track.lat_deg, track.lon_deg, track.alt_m) == (52.1, 4.7, 10972.8)
    assert (track.gs_mps, track.trk_deg, track.vs_mps) == (230.5, 90.0, -2.5)
    assert track.position_s == 1499999999.2
    assert track.callsign == "KLM12"


def test_geo_altitude_when_no_baro_and_column_order_free() -> None:
    header = "icao24,time,lat,lon,velocity,heading,geoaltitude,onground"
    table = TrackTable()
    assert OpenSkyRows(header).apply(table, "abc123,10,1,2,100,45,5000,true") is Outcome.APPLIED
    assert table.tracks["ABC123"].alt_m == 5000.0
    assert table.tracks["ABC123"].on_ground


def test_header_is_checked() -> None:
    with pytest.raises(ValueError, match="missing"):
        OpenSkyRows("time,icao24,lat")


def test_apply_lines_counts_and_times() -> None:
    counts = LineCounts()
    table = TrackTable()
    times = list(apply_lines(table, [HEADER, ROW, "bad", ""], counts))
    assert times == [1500000000.0]
    assert (counts.applied, counts.malformed) == (1, 1)

"""Whole recordings (``apply_text``) give exactly what ``apply_line`` gives line by line."""

from __future__ import annotations

import dataclasses
import io
import random

import numpy as np
import pytest

from wellclear.ingest import _sbs_bulk
from wellclear.ingest.sbs import LineCounts, apply_line, apply_lines, apply_text
from wellclear.tactical.tracks import TrackTable

ADDRESSES = ["4CA2D6", "4ca2d7", "40105B", "3C6444", "A1B2C3", "010203"]
BROKEN = [
    "",
    "garbage",
    "MSG,3,1,1",
    "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
    "\x00\xff" * 5,
]


def _when(rng: random.Random) -> str:
    second = rng.choice([9.525, 9.5, 10.0, 59.999, 0.001, 31.25])
    minute = rng.choice([43, 43, 44, 7])
    date = rng.choice(["2024/07/06", "2024/07/06", "2024/07/07"])
    stamp = f"{date},06:{minute:02d}:{second:06.3f}"
    return f"{stamp},{stamp}"


def _plain(rng: random.Random) -> str:
    icao = rng.choice(ADDRESSES)
    ground = rng.choice(["0", "0", "-1", "1", "", "x"])
    if rng.random() < 0.5:
        alt = rng.choice(["37000", "", "-75", "1025.5"])
        lat = rng.choice(["52.10000", "-33.5", "", "+0.25", "-0", "90"])
        lon = rng.choice(["4.70000", "-179.99999", "180", "", ".5"])
        return f"MSG,3,1,1,{icao},1,{_when(rng)},,{alt},,,{lat},{lon},,,0,0,0,{ground}"
    gs = rng.choice(["450", "0", "", "123.25", "1."])
    trk = rng.choice(["90.5", "359.9", "", "0"])
    vs = rng.choice(["-512", "", "64", "0"])
    return f"MSG,4,1,1,{icao},1,{_when(rng)},,,{gs},{trk},,,{vs},,0,,0,{ground}"


def _odd(rng: random.Random) -> str:
    """Lines the bulk parser leaves to the line parser, valid or not."""
    icao = rng.choice(ADDRESSES)
    when = _when(rng)
    return rng.choice(
        [
            *BROKEN,
            f"MSG,1,1,1,{icao},1,{when},KLM1234 ,,,,,,,,,,,",
            f"MSG,5,1,1,{icao},1,{when},,36975,,,,,,,0,,0,0",
            f"MSG,8,1,1,{icao},1,{when},,,,,,,,,,,,0",
            f"MSG,3,1,1,{icao},1,{when},,37000,,,95.0,4.7,,,0,0,0,0",  # out of range
            f"MSG,3,1,1,XYZ123,1,{when},,37000,,,52.1,4.7,,,0,0,0,0",
            f"MSG,4,1,1,{icao},1,{when},,,inf,90,,,0,,0,,0,0",
            f"MSG,3,1,1,{icao},1,{when},,1e3,,,52.1,4.7,,,0,0,0,0",
            f"MSG,3,1,1,{icao},1,2024/07/06,6:43:9.5,2024/07/06,6:43:9.5,,1,,,52,4,,,0,0,0,0",
            f"MSG,3,1,1,{icao},1,{when},,37000,,,52.1,4.7,,,0,0,0,0\r",
        ]
    )


def recording(seed: int, lines: int, odd: float) -> list[str]:
    rng = random.Random(seed)
    return [_odd(rng) if rng.random() < odd else _plain(rng) for _ in range(lines)]


def line_by_line(lines: list[str]) -> tuple[TrackTable, LineCounts]:
    table, counts = TrackTable(), LineCounts()
    apply_lines(table, lines, counts)
    return table, counts


def in_bulk(lines: list[str], block_chars: int) -> tuple[TrackTable, LineCounts]:
    table, counts = TrackTable(), LineCounts()
    apply_text(table, io.StringIO("\n".join(lines) + "\n"), counts, block_chars=block_chars)
    return table, counts


def assert_same(a: tuple[TrackTable, LineCounts], b: tuple[TrackTable, LineCounts]) -> None:
    assert list(a[0].tracks) == list(b[0].tracks)  # the same tracks, created in the same order
    for key, track in a[0].tracks.items():  # repr: to the bit, NaN equal to NaN
        assert repr(dataclasses.astuple(track)) == repr(dataclasses.astuple(b[0].tracks[key]))
    assert a[1] == b[1]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    ("odd", "block_chars"), [(0.0, 1 << 24), (0.002, 1 << 24), (0.001, 16_384), (0.3, 4096)]
)
def test_bulk_equals_line_by_line(seed: int, odd: float, block_chars: int) -> None:
    lines = recording(seed, 3_000, odd)
    assert_same(in_bulk(lines, block_chars), line_by_line(lines))


def test_malformed_lines_are_counted_and_shown_the_same() -> None:
    lines = recording(11, 2_000, 0.05)
    bulk, single = in_bulk(lines, 1 << 16), line_by_line(lines)
    assert bulk[1].malformed > 10
    assert bulk[1].examples == single[1].examples
    assert_same(bulk, single)


def test_plain_runs_do_go_through_the_bulk_parser() -> None:
    lines = recording(5, 500, 0.0)
    block = _sbs_bulk.Block.of("\n".join(lines).encode())
    assert block.plain.all()
    table = TrackTable()
    assert _sbs_bulk.apply_run(table, block, 0, len(lines)) is not None
    expected = TrackTable()
    for line in lines:
        apply_line(expected, line)
    assert_same((table, LineCounts()), (expected, LineCounts()))


def test_times_are_the_line_parsers_to_the_bit() -> None:
    lines = recording(3, 400, 0.0)
    for k, line in enumerate(lines):
        single, bulk = TrackTable(), TrackTable()
        apply_line(single, line)
        block = _sbs_bulk.Block.of(line.encode())
        if _sbs_bulk.apply_run(bulk, block, 0, 1) is None:
            continue
        assert [t.seen_s for t in bulk.tracks.values()] == [
            t.seen_s for t in single.tracks.values()
        ], k


def test_plain_decimals_round_as_float_does() -> None:
    rng = random.Random(4)
    texts = []
    for _ in range(5_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 14)))
        cut = rng.randint(0, len(digits))
        text = rng.choice(["", "-", "+"]) + digits[:cut] + rng.choice([".", ""]) + digits[cut:]
        texts.append(text)
    line = ",".join(texts).encode()
    block = _sbs_bulk.Block.of(line)
    ends = [*np.flatnonzero(block.data == ord(",")).tolist(), len(line)]
    starts = [0, *(end + 1 for end in ends[:-1])]
    field = _sbs_bulk._Field(np.array(starts), np.array(ends))
    parsed = _sbs_bulk._decimals(block, field)
    assert [repr(x) for x in parsed.tolist()] == [repr(float(text)) for text in texts]

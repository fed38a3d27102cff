"""SBS-1 recordings in bulk: runs of plain MSG,3 / MSG,4 lines parsed and applied as arrays.

A plain line is MSG,3 (airborne position) or MSG,4 (velocity) with exactly 22 fields. Its
fields are found from the comma positions of the whole block and read as bytes with numpy:
addresses as hex, times written ``HH:MM:SS.fff``, numbers written as plain decimals of at
most 15 digits (parsed as integer / 10^k, which rounds exactly as ``float`` does). The
merge into tracks gives exactly what ``sbs.apply_line`` gives line by line: a position or
velocity is taken when it is not older than the one the track holds (ties: the later line
wins), an altitude or vertical rate only with a taken line, a track appears with its first
applied line, ``seen_s`` is the latest time heard, the ground flag the last one given.
A run with anything else in it (a malformed or unusual field) is left to the line parser,
so the answers never depend on which path ran.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from wellclear.ingest._sbs_fields import (
    ALT_FT,
    ALT_M_PER_FT,
    CLOCK,
    DATE,
    FIELDS,
    GROUND,
    GS_KT,
    GS_MPS_PER_KT,
    ICAO,
    LAT_DEG,
    LON_DEG,
    TRK_DEG,
    VS_FPM,
    VS_MPS_PER_FPM,
    day_s,
)
from wellclear.tactical.tracks import Track, TrackTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Bytes = npt.NDArray[np.uint8]

_WIDTH = 16  # longest number read in bulk
_MAX_DIGITS = 15  # integer part of the decimal stays exact in a double
_CLOCK_DIGITS = [0, 1, 3, 4, 6, 7, 9, 10, 11]  # HH:MM:SS.fff
_CLOCK_WEIGHTS = np.array([36_000, 3_600, 600, 60, 10_000, 1_000, 100, 10, 1])
_DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]  # YYYY/MM/DD


class Block(NamedTuple):
    """A block of lines as bytes: where each line starts and ends, and its commas."""

    data: Bytes
    start: IntArray
    end: IntArray  # the newline (or the end of the block)
    commas: IntArray  # every comma of the block
    first_comma: IntArray  # per line, index of its first comma in ``commas``
    plain: BoolArray  # MSG,3 or MSG,4 with 22 fields, no CR at the end

    @classmethod
    def of(cls, text: bytes) -> Block:
        """The lines of ``text`` (not empty), as ``text.split(b"\\n")`` would give them."""
        data = np.frombuffer(text, dtype=np.uint8)
        newlines = np.flatnonzero(data == ord("\n"))
        start = np.concatenate([[0], newlines + 1])
        end = np.concatenate([newlines, [data.size]])
        commas = np.flatnonzero(data == ord(","))
        first_comma = np.searchsorted(commas, start)
        n_commas = np.diff(np.append(first_comma, commas.size))
        head = data[np.minimum(start[:, None] + np.arange(6), data.size - 1)]
        kind = head[:, 4]
        plain = (
            (n_commas == FIELDS - 1)
            & np.all(head[:, [0, 1, 2, 3, 5]] == np.frombuffer(b"MSG,,", np.uint8), axis=1)
            & ((kind == ord("3")) | (kind == ord("4")))
            & (data[np.maximum(end - 1, 0)] != ord("\r"))
        )
        return cls(data, start, end, commas, first_comma, plain)


class _Field(NamedTuple):
    start: IntArray
    end: IntArray

    @property
    def length(self) -> IntArray:
        length: IntArray = self.end - self.start
        return length


def _field(block: Block, lines: IntArray, index: int) -> _Field:
    """Field ``index`` of plain ``lines``: from after comma index-1 to comma index."""
    first = block.first_comma[lines]
    start = block.commas[first + index - 1] + 1
    end = block.commas[first + index] if index < FIELDS - 1 else block.end[lines]
    return _Field(start, end)


def _chars(block: Block, field: _Field, width: int) -> Bytes:
    at = np.minimum(field.start[:, None] + np.arange(width), block.data.size - 1)
    chars: Bytes = block.data[at]
    return chars


def _decimals(block: Block, field: _Field) -> FloatArray:
    """Plain decimals (sign, digits, one point); NaN where empty; ValueError otherwise."""
    length = field.length
    width = int(length.max()) if length.size else 0
    if width > _WIDTH:
        raise ValueError("number too long for the bulk parser")
    chars = _chars(block, field, max(width, 1))
    column = np.arange(chars.shape[1])
    body = column < length[:, None]
    negative = body[:, 0] & (chars[:, 0] == ord("-"))
    signed = negative | (body[:, 0] & (chars[:, 0] == ord("+")))
    body[:, 0] &= ~signed
    digit = body & (chars >= ord("0")) & (chars <= ord("9"))
    point = body & (chars == ord("."))
    n_points = point.sum(axis=1)
    n_digits = length - signed - n_points
    if np.any(body & ~digit & ~point) or np.any(
        (n_points > 1) | ((length > 0) & (n_digits == 0)) | (n_digits > _MAX_DIGITS)
    ):
        raise ValueError("not a plain decimal")
    point_at = np.where(n_points > 0, point.argmax(axis=1), -1)
    # A digit's power of ten: the digits to its right (the point is not one).
    power = length[:, None] - 1 - column - (column < point_at[:, None])
    weights = np.where(digit, 10 ** np.maximum(power, 0), 0)
    value = ((chars.astype(np.int64) - ord("0")) * weights).sum(axis=1)
    after_point = np.where(n_points > 0, length - 1 - point_at, 0)
    number: FloatArray = value / 10.0**after_point  # both exact: one correct rounding
    number = np.where(negative, -number, number)
    return np.where(length > 0, number, np.nan)


def _addresses(block: Block, lines: IntArray) -> IntArray:
    """24-bit addresses of six hex digits (either case); ValueError otherwise."""
    field = _field(block, lines, ICAO)
    chars = _chars(block, field, 6).astype(np.int64)
    upper = np.where((chars >= ord("a")) & (chars <= ord("f")), chars - 32, chars)
    decimal = (upper >= ord("0")) & (upper <= ord("9"))
    letter = (upper >= ord("A")) & (upper <= ord("F"))
    if np.any(field.length != 6) or not np.all(decimal | letter):
        raise ValueError("address not six hex digits")
    nibble = np.where(decimal, upper - ord("0"), upper - ord("A") + 10)
    address: IntArray = (nibble << np.arange(20, -1, -4)).sum(axis=1)
    return address


def _times(block: Block, lines: IntArray) -> FloatArray:
    """``sbs.message_time_s`` of every line, to the bit: minute + float("SS.fff")."""
    clock = _field(block, lines, CLOCK)
    chars = _chars(block, clock, 12)
    punctuation = chars[:, [2, 5, 8]] != np.frombuffer(b"::.", np.uint8)
    digits = chars[:, _CLOCK_DIGITS].astype(np.int64) - ord("0")
    if np.any(clock.length != 12) or punctuation.any() or digits.min() < 0 or digits.max() > 9:
        raise ValueError("clock not HH:MM:SS.fff")
    weighted = digits * _CLOCK_WEIGHTS
    hours_s = (weighted[:, 0] + weighted[:, 1]).astype(np.float64)
    minutes_s = (weighted[:, 2] + weighted[:, 3]).astype(np.float64)
    millis = weighted[:, 4:].sum(axis=1)  # SS.fff in ms: an exact integer
    times: FloatArray = _days(block, lines) + hours_s + minutes_s + millis / 1000.0
    return times


def _days(block: Block, lines: IntArray) -> FloatArray:
    date = _field(block, lines, DATE)
    chars = _chars(block, date, 10)
    digits = chars[:, _DATE_DIGITS].astype(np.int64) - ord("0")
    slashes = chars[:, [4, 7]] != ord("/")
    if np.any(date.length != 10) or slashes.any() or digits.min() < 0 or digits.max() > 9:
        raise ValueError("date not YYYY/MM/DD")
    key = (digits * 10 ** np.arange(7, -1, -1)).sum(axis=1)
    _, first, which = np.unique(key, return_index=True, return_inverse=True)
    texts = [block.data[s : s + 10].tobytes().decode() for s in date.start[first].tolist()]
    days: FloatArray = np.array([day_s(text) for text in texts], dtype=np.float64)[which]
    return days


class _Lines(NamedTuple):
    """What a run's lines carry, one entry per line."""

    address: IntArray
    time_s: FloatArray
    position: BoolArray  # a position is applied (else a velocity, or ignored)
    velocity: BoolArray
    values: FloatArray  # (lines, 2): lat, lon or ground speed, track
    extra: FloatArray  # altitude or vertical rate, NaN when absent
    ground: npt.NDArray[np.int8]  # 0 on the ground flag "0", 1 on "1" or "-1", -1 none


def _read(block: Block, lines: IntArray) -> _Lines:
    """The fields the line parser reads: positions' on MSG,3 lines, velocities' on MSG,4."""
    address, time_s = _addresses(block, lines), _times(block, lines)
    is_position = block.data[block.start[lines] + 4] == ord("3")
    values = np.full((lines.size, 2), np.nan)
    extra = np.full(lines.size, np.nan)
    for kind, (first, second, third) in (
        (is_position, (LAT_DEG, LON_DEG, ALT_FT)),
        (~is_position, (GS_KT, TRK_DEG, VS_FPM)),
    ):
        rows = np.flatnonzero(kind)
        values[rows, 0], values[rows, 1] = (
            _decimals(block, _field(block, lines[rows], k)) for k in (first, second)
        )
        given = rows[~np.isnan(values[rows]).any(axis=1)]  # else the line is ignored
        extra[given] = _decimals(block, _field(block, lines[given], third))
    position = is_position & ~np.isnan(values).any(axis=1)
    velocity = ~is_position & ~np.isnan(values).any(axis=1)
    if not np.all(np.abs(values[position]) <= [90.0, 180.0]):
        raise ValueError("position out of range")
    values[velocity, 0] *= GS_MPS_PER_KT
    extra[position] *= ALT_M_PER_FT
    extra[velocity] *= VS_MPS_PER_FPM
    return _Lines(address, time_s, position, velocity, values, extra, _ground(block, lines))


def _ground(block: Block, lines: IntArray) -> npt.NDArray[np.int8]:
    field = _field(block, lines, GROUND)
    chars = _chars(block, field, 2)
    zero = (field.length == 1) & (chars[:, 0] == ord("0"))
    one = (field.length == 1) & (chars[:, 0] == ord("1"))
    minus_one = (field.length == 2) & np.all(chars == np.frombuffer(b"-1", np.uint8), axis=1)
    return np.where(zero, 0, np.where(one | minus_one, 1, -1)).astype(np.int8)


def apply_run(table: TrackTable, block: Block, lo: int, hi: int) -> tuple[int, int] | None:
    """Apply plain lines ``lo:hi`` in order: (applied, ignored), or None to use the line parser."""
    try:
        run = _read(block, np.arange(lo, hi))
    except ValueError:
        return None
    applied = run.position | run.velocity
    _merge(table, run, applied)
    count = int(applied.sum())
    return count, hi - lo - count


def _accepted(group: IntArray, time_s: FloatArray, prior_s: FloatArray) -> BoolArray:
    """Lines (in order, one group each) not older than anything before them in their group.

    ``prior_s[g]`` is what group ``g`` held before the run. Times are replaced by their ranks
    (exact), offset per group, so one running maximum serves every group.
    """
    values, rank = np.unique(np.concatenate([prior_s, time_s]), return_inverse=True)
    owner = np.concatenate([np.arange(prior_s.size), group])
    key = owner * values.size + rank
    order = np.argsort(owner, kind="stable")  # each group: what it held, then its lines
    running = np.maximum.accumulate(key[order])
    accepted = np.ones(key.size, dtype=bool)
    accepted[order[1:]] = key[order[1:]] >= running[:-1]
    return accepted[prior_s.size :]


def _last(group: IntArray, mask: BoolArray, groups: int) -> IntArray:
    """Per group, the last line where ``mask`` holds, or -1."""
    last = np.full(groups, -1, dtype=np.intp)
    rows = np.flatnonzero(mask)
    last[group[rows]] = rows  # later rows overwrite earlier ones
    return last


def _merge(table: TrackTable, run: _Lines, applied: BoolArray) -> None:
    codes, group = np.unique(run.address, return_inverse=True)
    names = [f"{code:06X}" for code in codes.tolist()]
    first = np.full(codes.size, run.time_s.size, dtype=np.intp)
    rows = np.flatnonzero(applied)
    np.minimum.at(first, group[rows], rows)
    for g in np.argsort(first, kind="stable").tolist():  # new tracks in order of first line
        if first[g] < run.time_s.size and names[g] not in table.tracks:
            table.tracks[names[g]] = Track(names[g])
    tracks = [table.tracks.get(name) for name in names]
    _merge_kind(tracks, group, run, run.position, _set_position, "position_s")
    _merge_kind(tracks, group, run, run.velocity, _set_velocity, "velocity_s")
    seen = np.full(codes.size, -np.inf)
    np.maximum.at(seen, group[rows], run.time_s[rows])
    ground = _last(group, applied & (run.ground >= 0), codes.size)
    for track, seen_s, row in zip(tracks, seen.tolist(), ground.tolist(), strict=True):
        if track is not None:
            track.seen_s = max(track.seen_s, seen_s)
            if row >= 0:
                track.on_ground = bool(run.ground[row])


Assign = Callable[[Track, float, list[float], "float | None"], None]


def _merge_kind(
    tracks: list[Track | None],
    group: IntArray,
    run: _Lines,
    taken: BoolArray,
    assign: Assign,
    held: str,
) -> None:
    rows = np.flatnonzero(taken)
    prior = np.array([getattr(t, held) if t is not None else -np.inf for t in tracks])
    accepted = np.zeros(taken.size, dtype=bool)
    accepted[rows] = _accepted(group[rows], run.time_s[rows], prior)
    last = _last(group, accepted, len(tracks))
    last_extra = _last(group, accepted & ~np.isnan(run.extra), len(tracks))
    for track, row, extra_row in zip(tracks, last.tolist(), last_extra.tolist(), strict=True):
        if row >= 0 and track is not None:
            extra = float(run.extra[extra_row]) if extra_row >= 0 else None
            assign(track, float(run.time_s[row]), run.values[row].tolist(), extra)


def _set_position(track: Track, time_s: float, values: list[float], alt_m: float | None) -> None:
    track.lat_deg, track.lon_deg = values
    track.position_s = time_s
    if alt_m is not None:
        track.alt_m = alt_m


def _set_velocity(track: Track, time_s: float, values: list[float], vs_mps: float | None) -> None:
    track.gs_mps, track.trk_deg = values
    track.velocity_s = time_s
    if vs_mps is not None:
        track.vs_mps = vs_mps

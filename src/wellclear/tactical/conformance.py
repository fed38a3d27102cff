"""Conformance and incursion: live tracks against the parties' intents.

Rules (DESIGN.md §1, ``alert``):

- **Tied tracks.** An intent lists the tracks that fly it in ``tracks``: ICAO 24-bit
  addresses or callsigns, matched case-insensitively against a track's id or callsign. A
  track's parties are the parties of the intents that list it (unknown when none does).
- **Nonconforming.** A tied track conforms when it is within the tolerance of at least one
  extent of the intents that list it: at most ``horizontal_m`` outside the footprint, at
  most ``vertical_m`` outside the altitude band and at most ``time_s`` outside the time
  window, all for the *same* extent. Otherwise it is ``nonconforming``, reported once per
  track against its nearest extent (nearest in time first, then horizontally, then
  vertically), with the reason that extent fails: ``time``, ``horizontal`` or ``vertical``.
- **Incursion.** A track strictly inside the footprint of a current ``site`` or
  ``restriction`` extent, within its altitude band (closed), is an ``incursion`` unless the
  track is tied to an intent of the zone's own party. Touching the outline is not inside.
- Intents in state ``ended`` are not monitored.

Distances are geodesic (``tactical.zones``); the rules are vectorised over track-extent
pairs, which a latitude sweep keeps near the extents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from wellclear.geo.units import FT_M
from wellclear.model import Intent, Kind, State
from wellclear.tactical.states import FloatArray, IntArray
from wellclear.tactical.zones import (
    KINDS,
    ExtentColumns,
    extent_columns,
    near_pairs,
    signed_distance_m,
    time_outside_s,
    vertical_outside_m,
)

ZONE_KINDS = frozenset({Kind.SITE, Kind.RESTRICTION})
HORIZONTAL_TOLERANCE_M = 100.0
VERTICAL_TOLERANCE_M = 100 * FT_M


class Deviation(StrEnum):
    """Why a tied track does not conform to its nearest extent."""

    TIME = "time"
    HORIZONTAL = "horizontal"
    VERTICAL = "vertical"


DEVIATIONS: tuple[Deviation, ...] = tuple(Deviation)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far outside its intent a tied track may be and still conform."""

    horizontal_m: float = HORIZONTAL_TOLERANCE_M
    vertical_m: float = VERTICAL_TOLERANCE_M
    time_s: float = 0.0


class Positions(NamedTuple):
    """Where the tracks are now: ids, callsigns ("" when unknown) and parallel arrays."""

    ids: tuple[str, ...]
    callsigns: tuple[str, ...]
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray


class Nonconformance(NamedTuple):
    """Nonconforming tracks, one row each, with their nearest extent and how far off it."""

    track: IntArray
    intent: IntArray
    extent: IntArray
    reason: npt.NDArray[np.int8]  # index into DEVIATIONS
    horizontal_m: FloatArray  # outside the footprint (0 when inside)
    vertical_m: FloatArray
    time_s: FloatArray

    def reasons(self) -> list[Deviation]:
        return [DEVIATIONS[code] for code in self.reason.tolist()]


class Incursions(NamedTuple):
    """Tracks inside zones of other parties: one row per track and zone extent."""

    track: IntArray
    intent: IntArray
    extent: IntArray
    depth_m: FloatArray  # distance from the track in to the outline


@dataclass(frozen=True)
class Monitored:
    """Intents prepared for monitoring: their extents as columns and who flies them."""

    intents: tuple[Intent, ...]
    columns: ExtentColumns
    tied: dict[str, tuple[int, ...]]  # upper-case track id or callsign -> intent positions

    @classmethod
    def of(cls, intents: Sequence[Intent]) -> Monitored:
        live = tuple(intent for intent in intents if intent.state is not State.ENDED)
        tied: dict[str, list[int]] = {}
        for position, intent in enumerate(live):
            for name in dict.fromkeys(t.strip().upper() for t in intent.tracks):
                tied.setdefault(name, []).append(position)
        return cls(live, extent_columns(live), {k: tuple(v) for k, v in tied.items()})


def tied_pairs(monitored: Monitored, positions: Positions) -> tuple[IntArray, IntArray]:
    """(track, intent) pairs: each track with every intent listing its id or callsign."""
    tracks: list[int] = []
    intents: list[int] = []
    for k, (ident, callsign) in enumerate(zip(positions.ids, positions.callsigns, strict=True)):
        by_id = monitored.tied.get(ident.upper(), ())
        by_callsign = monitored.tied.get(callsign.strip().upper(), ()) if callsign else ()
        for intent in dict.fromkeys(by_id + by_callsign):
            tracks.append(k)
            intents.append(intent)
    return np.asarray(tracks, dtype=np.intp), np.asarray(intents, dtype=np.intp)


def _rows_of(
    columns: ExtentColumns, track: IntArray, intent: IntArray
) -> tuple[IntArray, IntArray]:
    """Expand (track, intent) pairs into (track, extent row) pairs."""
    order = np.argsort(columns.intent, kind="stable")
    first = np.searchsorted(columns.intent[order], intent, side="left")
    last = np.searchsorted(columns.intent[order], intent, side="right")
    counts = last - first
    shift = np.repeat(first - (np.cumsum(counts) - counts), counts)
    rows: IntArray = order[np.arange(int(counts.sum())) + shift].astype(np.intp)
    return np.repeat(track, counts), rows


class _Offsets(NamedTuple):
    """How far each (track, extent row) pair is outside the extent, per dimension."""

    track: IntArray
    row: IntArray
    horizontal_m: FloatArray
    vertical_m: FloatArray
    time_s: FloatArray

    def take(self, index: npt.NDArray[np.bool_] | IntArray) -> _Offsets:
        return _Offsets._make(field[index] for field in self)


def _offsets(monitored: Monitored, positions: Positions, now_s: float) -> _Offsets:
    cols = monitored.columns
    track, row = _rows_of(cols, *tied_pairs(monitored, positions))
    lat, lon = positions.lat_deg[track], positions.lon_deg[track]
    return _Offsets(
        track,
        row,
        np.maximum(signed_distance_m(cols, row, lat, lon), 0.0),
        vertical_outside_m(cols, row, positions.alt_m[track]),
        time_outside_s(cols, row, now_s),
    )


def _nearest_per_track(offsets: _Offsets) -> _Offsets:
    """Each track's nearest extent: nearest in time, then horizontally, then vertically."""
    order = np.lexsort((offsets.vertical_m, offsets.horizontal_m, offsets.time_s, offsets.track))
    ordered = offsets.take(order)
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = ordered.track[1:] != ordered.track[:-1]
    return ordered.take(first)


def nonconforming(
    monitored: Monitored, positions: Positions, now_s: float, tolerance: Tolerance = Tolerance()
) -> Nonconformance:
    """The tied tracks outside every extent of their intents by more than ``tolerance``."""
    offsets = _offsets(monitored, positions, now_s)
    fits = (
        (offsets.horizontal_m <= tolerance.horizontal_m)
        & (offsets.vertical_m <= tolerance.vertical_m)
        & (offsets.time_s <= tolerance.time_s)
    )
    conforming = np.zeros(positions.lat_deg.shape[0], dtype=bool)
    conforming[offsets.track[fits]] = True
    near = _nearest_per_track(offsets.take(~conforming[offsets.track]))
    reason = np.where(
        near.time_s > tolerance.time_s,
        0,
        np.where(near.horizontal_m > tolerance.horizontal_m, 1, 2),
    ).astype(np.int8)
    cols = monitored.columns
    return Nonconformance(
        near.track, cols.intent[near.row], cols.number[near.row], reason,
        near.horizontal_m, near.vertical_m, near.time_s,
    )  # fmt: skip


def _zone_rows(monitored: Monitored, now_s: float) -> IntArray:
    cols = monitored.columns
    zone_codes = [KINDS.index(kind) for kind in ZONE_KINDS]
    rows: IntArray = np.flatnonzero(np.isin(cols.kind, zone_codes)).astype(np.intp)
    current: IntArray = rows[time_outside_s(cols, rows, now_s) == 0.0]
    return current


def incursions(monitored: Monitored, positions: Positions, now_s: float) -> Incursions:
    """Tracks strictly inside a current site or restriction of a party other than theirs."""
    cols = monitored.columns
    track, row = near_pairs(
        cols, _zone_rows(monitored, now_s), positions.lat_deg, positions.lon_deg, 0.0
    )
    keep = vertical_outside_m(cols, row, positions.alt_m[track]) == 0.0
    track, row = track[keep], row[keep]
    track, row = _other_party(monitored, positions, track, row)
    depth = -signed_distance_m(cols, row, positions.lat_deg[track], positions.lon_deg[track])
    inside = depth > 0.0
    track, row, depth = track[inside], row[inside], depth[inside]
    order = np.lexsort((cols.number[row], cols.intent[row], track))
    track, row, depth = track[order], row[order], depth[order]
    return Incursions(track, cols.intent[row], cols.number[row], depth)


def _other_party(
    monitored: Monitored, positions: Positions, track: IntArray, row: IntArray
) -> tuple[IntArray, IntArray]:
    """Drop (track, zone) pairs where the track is tied to an intent of the zone's party."""
    tied_track, tied_intent = tied_pairs(monitored, positions)
    if tied_track.size == 0 or track.size == 0:
        return track, row
    parties = {name: code for code, name in enumerate({i.party for i in monitored.intents})}
    party_of = np.array([parties[i.party] for i in monitored.intents], dtype=np.int64)
    own = tied_track.astype(np.int64) * len(parties) + party_of[tied_intent]
    pair = track.astype(np.int64) * len(parties) + party_of[monitored.columns.intent[row]]
    keep = ~np.isin(pair, own)
    return track[keep], row[keep]

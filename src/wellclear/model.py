"""Domain types shared by every layer: intents, their 4D extents, policy and conflicts.

Frozen dataclasses, SI units with the unit in the name, times tz-aware UTC.
Wire formats (F3548 JSON, GeoJSON, TOML) are adapted in ``wellclear.ingest``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shapely.geometry.base import BaseGeometry


class Kind(StrEnum):
    """What an intent is (DESIGN.md §1)."""

    FLIGHT = "flight"
    OPERATION = "operation"
    MOVEMENT = "movement"
    SITE = "site"
    RESTRICTION = "restriction"


class State(StrEnum):
    """F3548's lifecycle of an intent."""

    ACCEPTED = "accepted"
    ACTIVATED = "activated"
    NONCONFORMING = "nonconforming"
    CONTINGENT = "contingent"
    ENDED = "ended"


class Mode(StrEnum):
    """What the policy does with a conflict between a pair of kinds."""

    REJECT = "reject"
    NOTIFY = "notify"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class LatLng:
    """A WGS84 position in degrees."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class PolygonOutline:
    """A polygon as the user sent it: an open ring (last != first), either orientation.

    Edges are geodesics (F3548).
    """

    vertices: tuple[LatLng, ...]


@dataclass(frozen=True, slots=True)
class CircleOutline:
    """An exact geodesic disc."""

    center: LatLng
    radius_m: float


Outline = PolygonOutline | CircleOutline


def _require_utc(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Volume4D:
    """One extent of an intent: an outline, an altitude band and a time window.

    ``end`` is ``None`` for an open-ended extent (a protected site with no end).
    Altitudes are metres above the WGS84 ellipsoid.
    """

    outline: Outline
    floor_m: float
    ceiling_m: float
    start: datetime
    end: datetime | None

    def __post_init__(self) -> None:
        _require_utc("start", self.start)
        if self.end is not None:
            _require_utc("end", self.end)
            if self.end <= self.start:
                raise ValueError("end must be after start")
        if not self.floor_m <= self.ceiling_m:
            raise ValueError("floor_m must not exceed ceiling_m")

    @property
    def start_s(self) -> float:
        """Start as POSIX seconds."""
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        """End as POSIX seconds; +inf when open-ended."""
        return math.inf if self.end is None else self.end.timestamp()


@dataclass(frozen=True, slots=True)
class Intent:
    """What a party plans to do somewhere, some time.

    ``tracks`` ties live tracks to the intent: ICAO 24-bit addresses or callsigns,
    matched case-insensitively (conformance monitoring, ``tactical.conformance``).
    """

    id: str
    party: str
    kind: Kind
    extents: tuple[Volume4D, ...]
    priority: int = 0
    state: State = State.ACCEPTED
    tracks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.extents:
            raise ValueError("an intent needs at least one extent")


@dataclass(frozen=True, slots=True)
class PairRule:
    """Separation between two kinds; ``vertical_m`` is ``None`` when altitude is ignored."""

    horizontal_m: float
    vertical_m: float | None
    time_s: float
    mode: Mode

    @property
    def checked(self) -> bool:
        return self.mode is not Mode.IGNORE


NOT_CHECKED = PairRule(horizontal_m=0.0, vertical_m=0.0, time_s=0.0, mode=Mode.IGNORE)

TACTICAL_NOTICE_KINDS = frozenset({"alert", "nonconforming", "incursion"})
"""Notice kinds whose escalation deadline follows their alert level."""


@dataclass(frozen=True, slots=True)
class EscalationDeadlines:
    """How long a notice may stay unacknowledged before it is escalated (``None``: never).

    Tactical notices (alerts, nonconformance, incursions) by alert level; strategic
    conflicts and hotline messages by kind. Escalation notices are never escalated again.

    >>> deadlines = EscalationDeadlines()
    >>> deadlines.deadline_s("alert", "warning"), deadlines.deadline_s("conflict", None)
    (30.0, 900.0)
    >>> deadlines.deadline_s("escalation", None) is None
    True
    """

    warning_s: float | None = 30.0
    corrective_s: float | None = 60.0
    preventive_s: float | None = 300.0
    conflict_s: float | None = 900.0
    message_s: float | None = 600.0

    def deadline_s(self, kind: str, level: str | None) -> float | None:
        """Seconds a notice of this kind and level may wait for its acknowledgement."""
        if kind in TACTICAL_NOTICE_KINDS:
            return self.by_level().get(level or "")
        if kind == "conflict":
            return self.conflict_s
        if kind == "message":
            return self.message_s
        return None

    def by_level(self) -> dict[str, float | None]:
        return {
            "warning": self.warning_s,
            "corrective": self.corrective_s,
            "preventive": self.preventive_s,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    """Separation rules per unordered pair of kinds; pairs not listed are not checked.

    >>> rule = PairRule(9260.0, 304.8, 0.0, Mode.REJECT)
    >>> policy = Policy({frozenset({Kind.FLIGHT}): rule})
    >>> policy.rule(Kind.FLIGHT, Kind.FLIGHT).mode
    <Mode.REJECT: 'reject'>
    >>> policy.rule(Kind.FLIGHT, Kind.SITE).checked
    False
    """

    rules: dict[frozenset[Kind], PairRule] = field(default_factory=dict)
    escalation: EscalationDeadlines = field(default_factory=EscalationDeadlines)

    def rule(self, a: Kind, b: Kind) -> PairRule:
        return self.rules.get(frozenset({a, b}), NOT_CHECKED)

    def max_horizontal_m(self, kind: Kind) -> float:
        """The largest horizontal separation any checked rule applies to ``kind``."""
        return max(
            (r.horizontal_m for pair, r in self.rules.items() if kind in pair and r.checked),
            default=0.0,
        )

    def max_time_s(self) -> float:
        return max((r.time_s for r in self.rules.values() if r.checked), default=0.0)


@dataclass(frozen=True, slots=True)
class ConflictRegion:
    """Where and when one extent pair is too close (DESIGN.md §1).

    ``footprint`` is a lon/lat shapely geometry: buffer(e, h/2) ∩ buffer(f, h/2).
    The altitude band and time window are the overlap, dilated by half the separation.
    """

    extents: tuple[int, int]
    footprint: BaseGeometry
    floor_m: float
    ceiling_m: float
    start: datetime
    end: datetime | None
    min_distance_m: float


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two intents of different parties with at least one extent pair too close.

    ``intents``, ``parties`` and ``kinds`` are ordered by intent id; each region's
    ``extents`` index the first and the second intent's extents in that order.
    """

    intents: tuple[str, str]
    parties: tuple[str, str]
    kinds: tuple[Kind, Kind]
    rule: PairRule
    regions: tuple[ConflictRegion, ...]

    @property
    def min_distance_m(self) -> float:
        return min(r.min_distance_m for r in self.regions)

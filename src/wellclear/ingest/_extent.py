"""Checks shared by both intent formats: limits, outlines, altitude bands and time windows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from wellclear.geo.shapes import outline_area_m2, outline_problems
from wellclear.ingest._fields import Problems
from wellclear.model import Kind, Outline, PolygonOutline, Volume4D

OPEN_ENDED_KINDS = frozenset({Kind.SITE, Kind.RESTRICTION})
"""Kinds whose extents may omit ``time_end`` (they last until withdrawn)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold; input beyond these is refused, not truncated.

    >>> Limits().max_area_km2
    2500.0
    """

    max_area_km2: float = 2500.0
    max_vertices: int = 1000
    max_extents: int = 200
    max_problems: int = 100


DEFAULT_LIMITS = Limits()


def check_outline(
    problems: Problems, outline: Outline, path: str, limits: Limits
) -> Outline | None:
    """The outline if its shape and size are usable, else ``None`` with the reasons recorded."""
    if isinstance(outline, PolygonOutline) and len(outline.vertices) > limits.max_vertices:
        count = len(outline.vertices)
        problems.add(path, f"has {count} vertices; at most {limits.max_vertices} are allowed")
        return None
    reasons = outline_problems(outline)
    for reason in reasons:
        problems.add(path, reason)
    if reasons:
        return None
    area_km2 = outline_area_m2(outline) / 1e6
    if area_km2 > limits.max_area_km2:
        problems.add(
            path,
            f"covers {area_km2:,.0f} km², more than the {limits.max_area_km2:,.0f} km² allowed",
        )
        return None
    return outline


def intent_subject(intent_id: str | None) -> str:
    """How reasons about an intent start: ``intent "blue-7"`` (nothing while the id is unknown)."""
    return "" if intent_id is None else f"intent {json.dumps(intent_id, ensure_ascii=False)}"


@dataclass(frozen=True, slots=True)
class ExtentPaths:
    """Where each part of one extent was written, to name it in a problem."""

    altitude_lower: str
    altitude_upper: str
    time_start: str
    time_end: str


def make_volume(
    problems: Problems,
    paths: ExtentPaths,
    *,
    kind: Kind | None,
    outline: Outline | None,
    floor_m: float | None,
    ceiling_m: float | None,
    start: datetime | None,
    end: datetime | None,
    end_missing: bool,
) -> Volume4D | None:
    """One extent, or ``None`` when any part was refused (now or earlier)."""
    fits = check_band_and_window(
        problems,
        paths,
        kind=kind,
        floor_m=floor_m,
        ceiling_m=ceiling_m,
        start=start,
        end=end,
        end_missing=end_missing,
    )
    if not fits or outline is None or floor_m is None or ceiling_m is None:
        return None
    if start is None or (end is None and not end_missing):
        return None
    return Volume4D(outline, floor_m, ceiling_m, start, end)


def check_band_and_window(
    problems: Problems,
    paths: ExtentPaths,
    *,
    kind: Kind | None,
    floor_m: float | None,
    ceiling_m: float | None,
    start: datetime | None,
    end: datetime | None,
    end_missing: bool,
) -> bool:
    """Whether the altitude band and time window that are known fit together."""
    band_ok = _check_band(problems, paths, floor_m, ceiling_m)
    window_ok = _check_window(problems, paths, kind, start, end, end_missing=end_missing)
    return band_ok and window_ok


def _check_band(
    problems: Problems, paths: ExtentPaths, floor_m: float | None, ceiling_m: float | None
) -> bool:
    if floor_m is None or ceiling_m is None or floor_m <= ceiling_m:
        return True
    upper = paths.altitude_upper.rsplit(".", 1)[-1]
    problems.add(paths.altitude_lower, f"is {floor_m:g} m, above {upper} ({ceiling_m:g} m)")
    return False


def _check_window(
    problems: Problems,
    paths: ExtentPaths,
    kind: Kind | None,
    start: datetime | None,
    end: datetime | None,
    *,
    end_missing: bool,
) -> bool:
    if end_missing and kind is not None and kind not in OPEN_ENDED_KINDS:
        problems.add(
            paths.time_end,
            f"is required for {_with_article(kind)}; only sites and restrictions may be open-ended",
        )
        return False
    if start is not None and end is not None and end <= start:
        problems.add(
            paths.time_end, f"{end.isoformat()} is not after time_start {start.isoformat()}"
        )
        return False
    return True


def _with_article(kind: Kind) -> str:
    return f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value}"

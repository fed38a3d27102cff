"""Scenario time: the wall clock from a start, ``speed`` times faster."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class SimClock:
    """``now()`` = ``start`` + ``speed`` × the wall time elapsed since this clock was made.

    The demo gives this clock to the service as its "now" too, so tracks' times, the
    tactical monitor's extrapolation, conformance windows and notice deadlines all run on
    one accelerated time.

    >>> clock = SimClock.starting_now(speed=60.0)
    >>> 0 <= clock.elapsed_s() < 60.0  # a minute of scenario per wall second
    True
    """

    start: datetime
    speed: float = 1.0
    _origin_s: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be more than 0, not {self.speed}")

    @classmethod
    def starting_now(cls, speed: float = 1.0) -> SimClock:
        """A clock starting at the current whole second (UTC)."""
        return cls(datetime.now(UTC).replace(microsecond=0), speed)

    def elapsed_s(self) -> float:
        """Scenario seconds since ``start``."""
        return (time.monotonic() - self._origin_s) * self.speed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed_s())

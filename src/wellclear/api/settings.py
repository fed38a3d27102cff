"""How the API is run, from the environment (``WELLCLEAR_*``) or given by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    """``rate_per_s`` requests per second per party, bursts up to ``burst``."""

    max_body_bytes: int = MAX_BODY_BYTES
    rate_per_s: float = 100.0
    burst: float = 200.0

    @classmethod
    def from_env(cls) -> Settings:
        defaults = cls()
        return cls(
            max_body_bytes=int(os.environ.get("WELLCLEAR_MAX_BODY_BYTES", defaults.max_body_bytes)),
            rate_per_s=float(os.environ.get("WELLCLEAR_RATE_PER_S", defaults.rate_per_s)),
            burst=float(os.environ.get("WELLCLEAR_RATE_BURST", defaults.burst)),
        )

"""How the API is run, from the environment (``WELLCLEAR_*``) or given by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    """``rate_per_s`` requests per second per party, bursts up to ``burst``;
    ``write_threads`` threads run writes at once (``None``: by database, see
    :mod:`wellclear.api.lanes`)."""

    max_body_bytes: int = MAX_BODY_BYTES
    rate_per_s: float = 100.0
    burst: float = 200.0
    write_threads: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        defaults = cls()
        return cls(
            max_body_bytes=int(os.environ.get("WELLCLEAR_MAX_BODY_BYTES", defaults.max_body_bytes)),
            rate_per_s=float(os.environ.get("WELLCLEAR_RATE_PER_S", defaults.rate_per_s)),
            burst=float(os.environ.get("WELLCLEAR_RATE_BURST", defaults.burst)),
            write_threads=_optional_int(os.environ.get("WELLCLEAR_WRITE_THREADS")),
        )


def _optional_int(text: str | None) -> int | None:
    return int(text) if text else None


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """Notice delivery: webhook retries, stream keep-alives and polling, escalation passes.

    ``webhook_max_attempts`` failures dead-letter a delivery; attempt *n* is retried after
    ``webhook_backoff_s · 2^(n-1)`` seconds (at most ``webhook_max_backoff_s``).
    """

    webhook_max_attempts: int = 8  # WELLCLEAR_WEBHOOK_MAX_ATTEMPTS
    webhook_backoff_s: float = 2.0  # WELLCLEAR_WEBHOOK_BACKOFF_S
    webhook_max_backoff_s: float = 3600.0  # WELLCLEAR_WEBHOOK_MAX_BACKOFF_S
    webhook_timeout_s: float = 10.0  # WELLCLEAR_WEBHOOK_TIMEOUT_S
    stream_keepalive_s: float = 15.0  # WELLCLEAR_STREAM_KEEPALIVE_S
    stream_poll_s: float = 0.5  # WELLCLEAR_STREAM_POLL_S (SQLite; PostgreSQL is woken)
    escalation_every_s: float = 1.0  # WELLCLEAR_ESCALATION_EVERY_S

    @classmethod
    def from_env(cls) -> NoticeSettings:
        defaults = cls()
        env = os.environ.get
        return cls(
            webhook_max_attempts=int(
                env("WELLCLEAR_WEBHOOK_MAX_ATTEMPTS", defaults.webhook_max_attempts)
            ),
            webhook_backoff_s=float(env("WELLCLEAR_WEBHOOK_BACKOFF_S", defaults.webhook_backoff_s)),
            webhook_max_backoff_s=float(
                env("WELLCLEAR_WEBHOOK_MAX_BACKOFF_S", defaults.webhook_max_backoff_s)
            ),
            webhook_timeout_s=float(env("WELLCLEAR_WEBHOOK_TIMEOUT_S", defaults.webhook_timeout_s)),
            stream_keepalive_s=float(
                env("WELLCLEAR_STREAM_KEEPALIVE_S", defaults.stream_keepalive_s)
            ),
            stream_poll_s=float(env("WELLCLEAR_STREAM_POLL_S", defaults.stream_poll_s)),
            escalation_every_s=float(
                env("WELLCLEAR_ESCALATION_EVERY_S", defaults.escalation_every_s)
            ),
        )

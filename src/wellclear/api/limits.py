"""Request limits: body size (413) and a token bucket per party (429 with Retry-After)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wellclear.api.problems import BodyTooLarge, RateLimited


class BodyLimit:
    """Refuses bodies over ``limit_bytes``: at once by Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, limit_bytes: int) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        declared_too_large = declared.isdigit() and int(declared) > self.limit_bytes
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            if declared_too_large:
                raise BodyTooLarge(self.limit_bytes)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit_bytes:
                raise BodyTooLarge(self.limit_bytes)
            return message

        await self.app(scope, counting_receive, send)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_s: float


@dataclass
class TokenBuckets:
    """One bucket per party: ``rate_per_s`` tokens a second, holding at most ``burst``."""

    rate_per_s: float
    burst: float
    _buckets: dict[int, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, party_id: int) -> None:
        """Spend one token, or raise :class:`RateLimited` saying when one will be there."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(party_id, _Bucket(self.burst, now))
            bucket.tokens = min(
                self.burst, bucket.tokens + (now - bucket.updated_s) * self.rate_per_s
            )
            bucket.updated_s = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait_s = (1.0 - bucket.tokens) / self.rate_per_s
        raise RateLimited(max(1, math.ceil(wait_s)))

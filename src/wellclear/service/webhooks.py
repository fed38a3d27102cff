"""Webhooks: every notice event is pushed to its party's configured URL, signed, retried.

The body is the JSON ``{"seq", "action", "at", "notice"}`` (the notice as the inbox shows
it). The header ``Wellclear-Signature: t=<unix seconds>,v1=<hex>`` carries HMAC-SHA256 of
``"{t}.{body}"`` under the party's webhook secret; receivers recompute it and refuse a ``t``
far from their clock (replay). ``Wellclear-Event-Seq`` repeats ``seq`` for deduplication:
delivery is at least once.

Attempt *n* that fails (no 2xx, a timeout, a refused connection) is recorded and attempt
*n + 1* is due ``backoff_s · 2^(n-1)`` later (at most ``max_backoff_s``); the
``max_attempts``-th failure is dead-lettered (``outcome = dead``), visible to the party. A
process leases the attempts it sends (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so several
processes never send the same attempt twice while the lease lasts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem, WellclearError
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.cursors import decode_id, encode_id
from wellclear.service.errors import UnknownParty
from wellclear.service.notices import event_view
from wellclear.service.views import Page, utc_text
from wellclear.store import notices as notice_store
from wellclear.store import parties as party_store
from wellclear.store import webhooks as store

SIGNATURE_HEADER = "Wellclear-Signature"
SEQ_HEADER = "Wellclear-Event-Seq"
MAX_URL_LENGTH = 2000
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_s: float = 2.0
    max_backoff_s: float = 3600.0
    lease_s: float = 60.0

    def delay_s(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One attempt to send: where, what, signed how."""

    delivery_id: int
    attempt: int
    url: str | None
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    seq: int
    action: str
    notice_id: int
    attempt: int
    url: str
    outcome: str
    due_at: str
    attempted_at: str | None
    status_code: int | None
    error: str | None
    next_attempt_at: str | None
    dead_lettered: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "action": self.action,
            "notice_id": self.notice_id,
            "attempt": self.attempt,
            "url": self.url,
            "outcome": self.outcome,
            "due_at": self.due_at,
            "attempted_at": self.attempted_at,
            "status_code": self.status_code,
            "error": self.error,
            "next_attempt_at": self.next_attempt_at,
            "dead_lettered": self.dead_lettered,
        }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Wellclear-Signature`` header value for ``body`` sent at ``timestamp``.

    >>> sign("s3cret", 1700000000, b'{"seq":1}')
    't=1700000000,v1=cbdcfdffb94ac16f20fc7dff420aed60e8abb875b1394e892e008fdba0124439'
    >>> verify("s3cret", sign("s3cret", 1700000000, b"{}"), b"{}", now_unix=1700000100)
    True
    >>> verify("s3cret", sign("s3cret", 1700000000, b"{}"), b"{}", now_unix=1700009999)
    False
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now_unix: int, tolerance_s: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance_s`` of
    ``now_unix`` (what a receiver does; used by the tests and documented for receivers)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now_unix - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# --- configuring -------------------------------------------------------------------------------


def set_webhook(service: Service, name: str, url: str | None) -> str | None:
    """Set (or, with ``None``, remove) a party's webhook URL; a new signing secret, to show once."""
    if url is not None:
        _check_url(url)
    secret = None if url is None else secrets.token_urlsafe(32)

    def work(session: Session) -> None:
        party = party_store.find_party(session, name)
        if party is None:
            raise UnknownParty(name)
        party.webhook_url, party.webhook_secret = url, secret

    service.database.write(work)
    return secret


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_LENGTH:
        raise InvalidInput(
            [Problem("", "url", f"must be an http(s) URL of at most {MAX_URL_LENGTH} characters")]
        )


# --- delivering ----------------------------------------------------------------------------------


def claim_due(service: Service, retry: RetryPolicy, limit: int = 50) -> list[Outgoing]:
    """Lease the attempts due now to this process and build what each sends."""
    now = service.clock()
    lease_until = now + timedelta(seconds=retry.lease_s)

    def work(session: Session) -> list[Outgoing]:
        due = store.claim_due_deliveries(session, now, lease_until, limit)
        return [_outgoing(service, d, now) for d in due]

    return service.database.write(work)


def _outgoing(service: Service, due: store.DueDelivery, now: datetime) -> Outgoing:
    event = event_view(due.event, due.notice, service.policy.escalation)
    document = {"seq": event.seq, "action": event.action, "at": event.at,
                "notice": event.notice.as_json()}  # fmt: skip
    body = json.dumps(document, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", SEQ_HEADER: str(event.seq)}
    if due.secret:
        headers[SIGNATURE_HEADER] = sign(due.secret, int(now.timestamp()), body)
    return Outgoing(due.delivery.id, due.delivery.attempt, due.url, body, headers)


def finish(
    service: Service,
    outgoing: Outgoing,
    retry: RetryPolicy,
    *,
    status_code: int | None,
    error: str | None,
) -> str:
    """Record one attempt's result; the outcome (delivered, failed or dead)."""
    now = service.clock()
    delivered = error is None and status_code is not None and 200 <= status_code < 300
    if delivered:
        outcome, next_at = store.DELIVERED, None
    elif outgoing.attempt >= retry.max_attempts or outgoing.url is None:
        outcome, next_at = store.DEAD, None
    else:
        outcome = store.FAILED
        next_at = now + timedelta(seconds=retry.delay_s(outgoing.attempt))
    if error is None and not delivered:
        error = f"HTTP {status_code}"

    def work(session: Session) -> None:
        store.finish_attempt(session, outgoing.delivery_id, at=now, url=outgoing.url or "",
                             status_code=status_code, error=error, outcome=outcome,
                             next_attempt_at=next_at)  # fmt: skip

    service.database.write(work)
    return outcome


# --- dead letters -------------------------------------------------------------------------------


class UnknownDelivery(WellclearError, KeyError):
    """No delivery of that id *for this caller* (another party's is unknown too)."""

    def __init__(self, delivery_id: int) -> None:
        self.delivery_id = delivery_id
        super().__init__(f"no webhook delivery {delivery_id}")

    def __str__(self) -> str:
        return str(self.args[0])


class NotRedeliverable(WellclearError):
    """A redelivery that cannot be made: not a dead letter (any more), or no webhook set."""


def redeliver(
    service: Service, caller: Caller, delivery_id: int | None = None
) -> tuple[DeliveryView, ...]:
    """Send dead letters again, each as a new first attempt (the full retry schedule), due
    now, to the party's webhook as it is set now: the one ``delivery_id`` names, or every
    dead letter of the caller (up to :data:`MAX_PAGE` a call). Each dead letter is
    redelivered once; afterwards it no longer counts as one (``dead_lettered`` false)."""
    now = service.clock()

    def work(session: Session) -> tuple[DeliveryView, ...]:
        dead = store.dead_letters(session, caller.party_id, delivery_id, MAX_PAGE)
        if delivery_id is not None and not dead:
            _refuse_one(session, caller, delivery_id)
        url = notice_store.webhook_urls(session, [caller.party_id]).get(caller.party_id)
        if url is None:
            if not dead:
                return ()
            raise NotRedeliverable(f"party {caller.name!r} has no webhook set: set one first")
        again = []
        for letter in dead:
            attempt = store.redeliver(session, letter, url, now)
            if attempt is not None:
                again.append(attempt)
            elif delivery_id is not None:  # a concurrent request took it out first
                _refuse_one(session, caller, delivery_id)
        events = store.events_by_seq(session, [a.event_seq for a in again])
        return tuple(_delivery_view(a, events[a.event_seq]) for a in again)

    return service.database.write(work)


def _refuse_one(session: Session, caller: Caller, delivery_id: int) -> None:
    row = store.find_delivery(session, caller.party_id, delivery_id)
    if row is None:
        raise UnknownDelivery(delivery_id)
    state = "was redelivered already" if row.outcome == store.DEAD else f"is {row.outcome}"
    raise NotRedeliverable(f"delivery {delivery_id} is not a dead letter: it {state}")


# --- reading -------------------------------------------------------------------------------------


def list_deliveries(
    service: Service,
    caller: Caller,
    *,
    dead: bool | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[DeliveryView]:
    """The caller's webhook attempts, oldest first; ``dead=True``: the dead letters only (not
    those redelivered since), ``False``: every other attempt."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput([Problem("", "limit", f"must be 1 to {MAX_PAGE}, not {limit}")])
    after = decode_id(cursor)
    with service.database.reading() as session:
        rows = store.list_deliveries(
            session, caller.party_id, dead=dead, after_id=after, limit=limit + 1
        )
    more = len(rows) > limit
    page = rows[:limit]
    items = tuple(_delivery_view(d, e) for d, e in page)
    return Page(items, encode_id(page[-1][0].id) if more else None)


def _delivery_view(
    row: store.WebhookDeliveryRow, event: notice_store.NoticeEventRow
) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        seq=row.event_seq,
        action=event.action,
        notice_id=event.notice_id,
        attempt=row.attempt,
        url=row.url,
        outcome=row.outcome,
        due_at=utc_text(row.due_at),
        attempted_at=None if row.attempted_at is None else utc_text(row.attempted_at),
        status_code=row.status_code,
        error=row.error,
        next_attempt_at=None if row.next_attempt_at is None else utc_text(row.next_attempt_at),
        dead_lettered=row.dead_lettered,
    )

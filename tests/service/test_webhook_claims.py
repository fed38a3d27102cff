"""Two processes' delivery loops claiming webhook attempts from one PostgreSQL at once: each
attempt is leased to exactly one of them (``FOR UPDATE SKIP LOCKED``), and all are leased.

Each "process" is a :class:`Service` with an engine of its own (its own connections), as a
``wellclear serve`` process has; they claim in small batches from two threads started
together, so their transactions overlap on the same due rows.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.webhooks import RetryPolicy, claim_due, set_webhook
from wellclear.store import open_database

CONFLICTS = 30
CLAIM_BATCH = 3


def file_conflicts(service: Service, count: int) -> None:
    """``count`` notify-mode conflicts between blue and red (each: a notice to both)."""
    blue = authenticate(service.database, add_party(service.database, "blue", Role.OPERATOR).key)
    red = authenticate(service.database, add_party(service.database, "red", Role.OPERATOR).key)
    set_webhook(service, "blue", "http://127.0.0.1:9/blue")  # never sent: only claimed here
    set_webhook(service, "red", "http://127.0.0.1:9/red")
    for index in range(count):
        place = offset(0, 50_000 * index)
        for caller, east_m in ((blue, 0.0), (red, 4_000.0)):
            body = intent_body("operation", circle_extent(offset(90, east_m, place), 500))
            file_intent(service, caller, FilingRequest(encoded(body)))


@pytest.mark.postgres
def test_two_processes_never_claim_the_same_attempt(postgres_url):
    setup = Service(open_database(postgres_url))
    file_conflicts(setup, CONFLICTS)
    setup.database.dispose()
    processes = [Service(open_database(postgres_url)) for _ in range(2)]
    start = threading.Barrier(len(processes))
    claimed: list[list[int]] = [[] for _ in processes]
    batches: list[int] = [0 for _ in processes]

    def deliver_loop(number: int) -> None:
        start.wait()
        while due := claim_due(processes[number], RetryPolicy(), limit=CLAIM_BATCH):
            claimed[number].extend(attempt.delivery_id for attempt in due)
            batches[number] += 1

    threads = [threading.Thread(target=deliver_loop, args=(n,)) for n in range(len(processes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for service in processes:
        service.database.dispose()

    every = Counter(delivery for each in claimed for delivery in each)
    assert len(every) == 2 * CONFLICTS  # one conflict notice to each party, each one attempt
    assert max(every.values()) == 1, "an attempt was claimed twice"
    assert all(batches), f"one process claimed everything: {batches}"

"""Webhook deliveries under concurrency on one PostgreSQL: two processes' delivery loops
lease each attempt to exactly one of them (``FOR UPDATE SKIP LOCKED``), and two requests to
redeliver one dead letter add one attempt between them (a conditional ``UPDATE``).

Each "process" is a :class:`Service` with an engine of its own (its own connections), as a
``wellclear serve`` process has, run from threads started together so their transactions
overlap on the same rows.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.callers import Caller
from wellclear.service.webhooks import (
    NotRedeliverable,
    RetryPolicy,
    claim_due,
    finish,
    list_deliveries,
    redeliver,
    set_webhook,
)
from wellclear.store import open_database

CONFLICTS = 30
CLAIM_BATCH = 3


def file_conflicts(service: Service, count: int) -> Caller:
    """``count`` notify-mode conflicts between blue and red (each: a notice to both); blue."""
    blue = authenticate(service.database, add_party(service.database, "blue", Role.OPERATOR).key)
    red = authenticate(service.database, add_party(service.database, "red", Role.OPERATOR).key)
    set_webhook(service, "blue", "http://127.0.0.1:9/blue")  # never sent: only claimed here
    set_webhook(service, "red", "http://127.0.0.1:9/red")
    for index in range(count):
        place = offset(0, 50_000 * index)
        for caller, east_m in ((blue, 0.0), (red, 4_000.0)):
            body = intent_body("operation", circle_extent(offset(90, east_m, place), 500))
            file_intent(service, caller, FilingRequest(encoded(body)))
    return blue


def run_together(work: Callable[[int], None], count: int) -> None:
    """``work(0)`` … ``work(count - 1)`` on threads released at once; their errors raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        start.wait()
        try:
            work(number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert not errors, errors


@pytest.mark.postgres
def test_two_processes_never_claim_the_same_attempt(postgres_url):
    setup = Service(open_database(postgres_url))
    file_conflicts(setup, CONFLICTS)
    setup.database.dispose()
    processes = [Service(open_database(postgres_url)) for _ in range(2)]
    claimed: list[list[int]] = [[] for _ in processes]
    batches: list[int] = [0 for _ in processes]

    def deliver_loop(number: int) -> None:
        while due := claim_due(processes[number], RetryPolicy(), limit=CLAIM_BATCH):
            claimed[number].extend(attempt.delivery_id for attempt in due)
            batches[number] += 1

    run_together(deliver_loop, len(processes))
    for service in processes:
        service.database.dispose()

    every = Counter(delivery for each in claimed for delivery in each)
    assert len(every) == 2 * CONFLICTS  # one conflict notice to each party, each one attempt
    assert max(every.values()) == 1, "an attempt was claimed twice"
    assert all(batches), f"one process claimed everything: {batches}"


@pytest.mark.postgres
def test_two_requests_redeliver_one_dead_letter_once(postgres_url):
    setup = Service(open_database(postgres_url))
    blue = file_conflicts(setup, 1)
    once = RetryPolicy(max_attempts=1)
    for attempt in claim_due(setup, once):
        assert finish(setup, attempt, once, status_code=500, error=None) == "dead"
    assert claim_due(setup, once) == []  # every attempt is a dead letter now
    dead_id = min(d.id for d in list_deliveries(setup, blue, dead=True).items)
    setup.database.dispose()
    processes = [Service(open_database(postgres_url)) for _ in range(2)]
    answers: list[object] = [None, None]

    def ask(number: int) -> None:
        try:
            answers[number] = redeliver(processes[number], blue, dead_id)
        except NotRedeliverable as refusal:
            answers[number] = refusal

    run_together(ask, len(processes))
    for service in processes:
        service.database.dispose()
    refused = [a for a in answers if isinstance(a, NotRedeliverable)]
    resent = [a for a in answers if isinstance(a, tuple)]
    assert len(refused) == 1, answers
    assert len(resent) == 1, answers
    assert len(resent[0]) == 1, answers  # one new attempt

"""The store's broad phase misses nothing: with every pair of kinds in ``notify`` mode, the
conflicts recorded filing by filing are exactly those the batch engine finds over all."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from intent_bodies import circle_extent, encoded, intent_body, offset, square_extent
from wellclear.ingest import default_policy
from wellclear.model import Mode, Policy
from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.candidates import domain_intent
from wellclear.store import open_database, upgrade
from wellclear.store.models import ConflictRow, IntentRow
from wellclear.strategic import find_conflicts

NOTIFY_ALL = Policy(
    {
        kinds: dataclasses.replace(rule, mode=Mode.NOTIFY)
        for kinds, rule in default_policy().rules.items()
    }
)
KINDS = ("flight", "operation", "movement", "site", "restriction")


@st.composite
def bodies(draw):
    kind = draw(st.sampled_from(KINDS))
    extents = []
    for _ in range(draw(st.integers(1, 3))):
        centre = offset(draw(st.floats(0, 360)), draw(st.floats(0, 25_000)))
        size_m = draw(st.floats(50, 6_000))
        start = draw(st.integers(0, 180))
        end = None if kind == "site" and draw(st.booleans()) else start + draw(st.integers(1, 90))
        floor = draw(st.floats(0, 3_000))
        shape = circle_extent if draw(st.booleans()) else square_extent
        ceiling = floor + draw(st.floats(0, 1_500))
        extents.append(
            shape(centre, size_m, floor_m=floor, ceiling_m=ceiling, start_min=start, end_min=end)
        )
    return intent_body(kind, *extents, priority=draw(st.integers(0, 2)))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(filings=st.lists(st.tuples(st.integers(0, 2), bodies()), min_size=2, max_size=14))
def test_recorded_conflicts_equal_batch_conflicts(tmp_path_factory, filings):
    path = tmp_path_factory.mktemp("db") / "wellclear.db"
    service = Service(open_database(f"sqlite:///{path}"), NOTIFY_ALL)
    upgrade(service.database)
    keys = [add_party(service.database, f"p{n}", Role.OPERATOR).key for n in range(3)]
    callers = [authenticate(service.database, key) for key in keys]
    for who, body in filings:
        file_intent(service, callers[who], FilingRequest(encoded(body)))
    with service.database.reading() as session:
        intents = [domain_intent(row) for row in session.scalars(select(IntentRow))]
        recorded = {(r.intent_a, r.intent_b) for r in session.scalars(select(ConflictRow))}
    service.database.dispose()
    expected = {c.intents for c in find_conflicts(intents, NOTIFY_ALL)}
    assert recorded == expected
    assert all(a < b for a, b in recorded)
    assert not any(itertools.starmap(lambda a, b: a == b, recorded))

"""Filing under the policy (DESIGN.md §4) on SQLite and PostgreSQL: reject, priority, notify,
replace with If-Match, idempotency, and nothing half-written."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.errors import InvalidInput
from wellclear.service import (
    FilingRequest,
    IntentQuery,
    Role,
    add_party,
    authenticate,
    end_intent,
    file_intent,
    get_intent,
    list_conflicts,
    list_intents,
)
from wellclear.service.errors import (
    ConflictRejected,
    Forbidden,
    IdempotencyKeyReused,
    InvalidTransition,
    PreconditionRequired,
    VersionMismatch,
)
from wellclear.store.models import ConflictRow, IntentCellRow, IntentRow

NEAR = offset(0, 3_000)  # 3 km north: inside the 9,260 m flight-flight separation
FAR = offset(0, 60_000)


def party(service, name, role=Role.OPERATOR):
    return authenticate(service.database, add_party(service.database, name, role).key)


def file(service, caller, body, **request):
    return file_intent(service, caller, FilingRequest(encoded(body), **request))


def counts(service):
    with service.database.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (IntentRow, IntentCellRow, ConflictRow)
        )


def test_reject_equal_priority_refuses_and_stores_nothing(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    before = counts(service)
    with pytest.raises(ConflictRejected) as refused:
        file(service, red, intent_body("flight", circle_extent(NEAR)))
    (conflict,) = refused.value.conflicts
    assert conflict.counterparty == "blue"
    assert conflict.kinds == ("flight", "flight")
    assert conflict.intents[1] is None  # the other intent's id is not disclosed
    assert conflict.region["footprint"]["type"] == "Polygon"
    assert counts(service) == before


def test_higher_priority_is_accepted_and_the_other_owner_must_act(service):
    blue, red = party(service, "blue"), party(service, "red")
    low = file(service, blue, intent_body())
    high = file(service, red, intent_body("flight", circle_extent(NEAR), priority=2))
    (conflict,) = high.conflicts
    assert conflict.must_act == ("blue",)
    assert conflict.parties == ("red", "blue")
    (blue_sees,) = list_conflicts(service, blue).items
    assert blue_sees.intents == (low.intent.id, None)
    assert blue_sees.counterparty == "red"
    assert blue_sees.must_act == ("blue",)


def test_lower_priority_than_existing_is_refused(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body(priority=5))
    with pytest.raises(ConflictRejected):
        file(service, red, intent_body("flight", circle_extent(NEAR), priority=4))


def test_notify_accepts_and_records_for_both(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body("operation", circle_extent(radius_m=500)))
    filing = file(service, red, intent_body("operation", circle_extent(offset(90, 4_000), 500)))
    (conflict,) = filing.conflicts
    assert conflict.mode == "notify"
    assert set(conflict.must_act) == {"blue", "red"}
    assert len(list_conflicts(service, blue).items) == 1


def test_far_apart_or_same_party_do_not_conflict(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    assert file(service, blue, intent_body()).conflicts == ()
    assert file(service, red, intent_body("flight", circle_extent(FAR))).conflicts == ()


def test_end_frees_the_space(service):
    blue, red = party(service, "blue"), party(service, "red")
    first = file(service, blue, intent_body())
    ended = end_intent(service, blue, first.intent.id)
    assert ended.state == "ended"
    assert ended.version != first.intent.version
    assert file(service, red, intent_body("flight", circle_extent(NEAR))).conflicts == ()
    with pytest.raises(InvalidTransition):
        file(service, blue, intent_body(), intent_id=first.intent.id, if_match="*")


def test_put_creates_then_replaces_with_if_match(service):
    blue = party(service, "blue")
    created = file(service, blue, intent_body(), intent_id="sortie-1")
    assert created.created
    assert created.intent.id == "sortie-1"
    with pytest.raises(PreconditionRequired):
        file(service, blue, intent_body(), intent_id="sortie-1")
    with pytest.raises(VersionMismatch):
        file(service, blue, intent_body(), intent_id="sortie-1", if_match="stale")
    replaced = file(
        service,
        blue,
        intent_body(priority=3),
        intent_id="sortie-1",
        if_match=created.intent.version,
    )
    assert not replaced.created
    assert replaced.intent.priority == 3
    assert replaced.intent.version != created.intent.version
    with pytest.raises(VersionMismatch):
        file(service, blue, intent_body(), intent_id="new-one", if_match="v1")


def test_replacing_moves_conflicts(service):
    blue, red = party(service, "blue"), party(service, "red")
    file(service, blue, intent_body())
    red_filing = file(service, red, intent_body("flight", circle_extent(NEAR), priority=1))
    assert len(red_filing.conflicts) == 1
    moved = file(
        service, red, intent_body("flight", circle_extent(FAR), priority=1),
        intent_id=red_filing.intent.id, if_match=red_filing.intent.version,
    )  # fmt: skip
    assert moved.conflicts == ()
    statuses = [c.status for c in list_conflicts(service, blue).items]
    assert statuses == ["resolved"]


def test_idempotency_key_replays_the_first_answer(service):
    blue, red = party(service, "blue"), party(service, "red")
    first = file(service, blue, intent_body(), idempotency_key="k-1")
    again = file(service, blue, intent_body(), idempotency_key="k-1")
    assert again == first
    assert len(list_intents(service, blue, IntentQuery()).items) == 1
    tied = intent_body(tracks=["blue1", "4ca2d6"])
    with_tracks = file(service, blue, tied, idempotency_key="k-2")
    assert with_tracks.intent.tracks == ("4CA2D6", "BLUE1")
    assert file(service, blue, tied, idempotency_key="k-2") == with_tracks
    with pytest.raises(IdempotencyKeyReused):
        file(service, blue, intent_body(priority=1), idempotency_key="k-1")
    body = intent_body("flight", circle_extent(NEAR))
    with pytest.raises(ConflictRejected):
        file(service, red, body, idempotency_key="k-1")  # keys are per party
    with pytest.raises(ConflictRejected):
        file(service, red, body, idempotency_key="k-1")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (intent_body("boat"), "kind"),
        (intent_body("flight", circle_extent(end_min=None)), "extents[0].time_end"),
        (intent_body(party="someone-else"), "party"),
        (intent_body(id="chosen"), "id"),
        (intent_body(state="ended"), "state"),
        (intent_body("flight", circle_extent((95.0, 0.0))),
         "extents[0].volume.outline_circle.center.lat"),
        (intent_body("flight", circle_extent(radius_m=math.nan)),  # the body says NaN
         "extents[0].volume.outline_circle.radius.value"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_stores_nothing(service, body, path):
    blue = party(service, "blue")
    with pytest.raises(InvalidInput) as refused:
        file(service, blue, body)
    assert path in [p.path for p in refused.value.problems]
    assert counts(service) == (0, 0, 0)


def test_observers_read_everything_and_file_nothing(service):
    blue, joint = party(service, "blue"), party(service, "joint", Role.OBSERVER)
    filing = file(service, blue, intent_body(), intent_id="sortie-1")
    with pytest.raises(Forbidden):
        file(service, joint, intent_body())
    (seen,) = list_intents(service, joint, IntentQuery()).items
    assert seen.party == "blue"
    assert get_intent(service, joint, "sortie-1", party="blue") == filing.intent

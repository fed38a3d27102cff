"""The optimistic first check of a filing (on a read snapshot, outside the locks) never decides
alone: whatever changed between the snapshot and the write transaction is checked again under
the locks. Each test makes the snapshot stale on purpose, then runs the locked part."""

from __future__ import annotations

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.service import FilingRequest, Role, add_party, authenticate, end_intent, file_intent
from wellclear.service import filing as filing_module
from wellclear.service.bodies import intent_from_body
from wellclear.service.candidates import INTENTS, cover_intent, load_candidates
from wellclear.service.ids import new_intent_id

NEAR = offset(0, 3_000)  # inside the 9,260 m flight-flight separation
FAR = offset(0, 60_000)


def party(service, name):
    return authenticate(service.database, add_party(service.database, name, Role.OPERATOR).key)


def prepare(service, caller, body, **request):
    filing_request = FilingRequest(encoded(body), **request)
    client_id = filing_request.intent_id or new_intent_id()
    intent = intent_from_body(
        filing_request.body, client_id=client_id, party_key=str(caller.party_id),
        party_name=caller.name, limits=service.limits,
    )  # fmt: skip
    prepared = filing_module._Prepared(client_id, intent, cover_intent(intent, service.policy))
    return filing_request, prepared


def locked(service, caller, filing_request, prepared, checked):
    def work(session):
        return filing_module._file_in(session, service, caller, filing_request, prepared, checked)

    return service.database.write(work)


def test_an_intent_filed_after_the_snapshot_still_refuses(service):
    blue, red = party(service, "blue"), party(service, "red")
    request, prepared = prepare(service, red, intent_body("flight", circle_extent(NEAR)))
    checked = filing_module._check_snapshot(service, red, request, prepared)
    assert checked.refusal is None
    assert not checked.conflicts
    file_intent(service, blue, FilingRequest(encoded(intent_body())))  # the snapshot is stale
    outcome = locked(service, red, request, prepared, checked)
    if service.database.is_sqlite:  # one writer: the refusal's views are built in place
        assert isinstance(outcome, filing_module._Refusal)
        (view,) = outcome.conflicts
        assert view.counterparty == blue.name
    else:  # the views are built after the cell locks are released
        assert isinstance(outcome, filing_module._Refused)
        (conflict,) = outcome.decision.refusing
        assert str(blue.party_id) in conflict.parties


def test_a_conflict_seen_in_the_snapshot_with_an_intent_ended_since_does_not_refuse(service):
    blue, red = party(service, "blue"), party(service, "red")
    blues = file_intent(service, blue, FilingRequest(encoded(intent_body())))
    # With an idempotency key the snapshot never refuses on its own; it saw the conflict.
    request, prepared = prepare(
        service, red, intent_body("flight", circle_extent(NEAR)), idempotency_key="k1"
    )
    checked = filing_module._check_snapshot(service, red, request, prepared)
    assert checked.refusal is None
    assert len(checked.conflicts) == 1
    end_intent(service, blue, blues.intent.id)
    outcome = locked(service, red, request, prepared, checked)
    assert isinstance(outcome, filing_module.Filing)
    assert outcome.conflicts == ()


def test_a_candidate_replaced_since_the_snapshot_is_checked_at_its_new_version(service):
    blue, red = party(service, "blue"), party(service, "red")
    body = intent_body("flight", circle_extent(NEAR))
    first = file_intent(service, blue, FilingRequest(encoded(body), intent_id="b1"))
    request, prepared = prepare(service, red, intent_body(), idempotency_key="k2")
    checked = filing_module._check_snapshot(service, red, request, prepared)
    assert len(checked.conflicts) == 1
    # Blue replaces its intent with one far away and lower: same uid, new version.
    moved = intent_body("flight", circle_extent(FAR, floor_m=5_000.0, ceiling_m=6_000.0))
    file_intent(
        service, blue,
        FilingRequest(encoded(moved), intent_id="b1", if_match=first.intent.version),
    )  # fmt: skip
    outcome = locked(service, red, request, prepared, checked)
    assert isinstance(outcome, filing_module.Filing)
    assert outcome.conflicts == ()


def test_parsed_candidates_are_cached_by_version(service):
    blue = party(service, "blue")
    filed = file_intent(service, blue, FilingRequest(encoded(intent_body()), intent_id="b1"))
    with service.database.reading() as session:
        (uid,) = (u for (u, v) in INTENTS._entries if v == filed.intent.version)
        cached = load_candidates(session, {uid: filed.intent.version})[uid]
        stale = load_candidates(session, {uid: "an older version"})[uid]  # read from the row
    assert cached == stale
    assert cached.extents[0].floor_m == 1_000.0

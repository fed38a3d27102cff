"""The broad-phase query in the store: chunked ``IN`` lists find what one list finds."""

from __future__ import annotations

import contextlib

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.service import FilingRequest, Role, add_party, authenticate, file_intent
from wellclear.service.bodies import intent_from_body, with_uid
from wellclear.service.candidates import candidate_query, cover_intent
from wellclear.service.errors import ConflictRejected
from wellclear.store import intents as store


def test_chunked_query_finds_the_same_candidates(service, monkeypatch):
    callers = [
        authenticate(service.database, add_party(service.database, f"p{n}", Role.OPERATOR).key)
        for n in range(4)
    ]
    for n in range(12):  # flights around the origin, some refused
        body = intent_body("flight", circle_extent(offset(30 * n, 4_000 * (n % 4)), 300.0))
        with contextlib.suppress(ConflictRejected):  # refusals are fine: stored is compared
            file_intent(service, callers[n % 4], FilingRequest(encoded(body)))
    probe = intent_from_body(
        encoded(intent_body("flight", circle_extent(radius_m=8_000.0))), client_id="probe",
        party_key="999", party_name="probe", limits=service.limits,
    )  # fmt: skip
    probe = with_uid(probe, "probe-uid")
    query = candidate_query(probe, 999, cover_intent(probe, service.policy), service.policy)
    with service.database.reading() as session:
        whole = store.candidate_versions(session, query)
        monkeypatch.setattr(store, "IN_LIST_CHUNK", 3)
        chunked = store.candidate_versions(session, query)
    assert whole
    assert chunked == whole

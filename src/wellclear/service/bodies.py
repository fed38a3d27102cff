"""A filed intent's body: F3548 JSON for one intent, checked by the ingest parser.

The body is the intent without ``party`` (the caller's) and, on POST, without ``id``
(the server's). Problems name paths within the body: ``extents[0].time_end``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from wellclear.errors import InvalidInput, Problem
from wellclear.ingest import Limits, parse_intents_document, read_json
from wellclear.model import Intent, State

FILING_STATES = frozenset({State.ACCEPTED, State.ACTIVATED})
_WRAPPED = re.compile(r"^intents\[0\]\.?")
_SUBJECT = re.compile(r'^intent "(?:[^"\\]|\\.)*": ')


def intent_from_body(
    body: bytes, *, client_id: str, party_key: str, party_name: str, limits: Limits
) -> Intent:
    """The intent in ``body``, filed as ``client_id`` by the party ``party_key``.

    >>> body = b'{"kind": "boat", "extents": []}'
    >>> intent_from_body(body, client_id="x", party_key="1", party_name="p", limits=Limits())
    Traceback (most recent call last):
    ...
    wellclear.errors.InvalidInput: kind: must be one of ..., not "boat"
    extents: must not be empty
    """
    document = _json_object(body)
    _check_server_fields(document, client_id, party_name)
    wrapped = {"intents": [{**document, "id": client_id, "party": party_key}]}
    try:
        (intent,) = parse_intents_document(wrapped, "", limits=limits)
    except InvalidInput as error:
        raise InvalidInput([_unwrapped(p) for p in error.problems]) from None
    if intent.state not in FILING_STATES:
        raise InvalidInput([Problem("", "state", "a new intent is accepted or activated")])
    return intent


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = read_json(body)
    except ValueError as error:  # UnicodeDecodeError is one
        raise InvalidInput([Problem("", "", f"not valid JSON: {error}")]) from None
    if not isinstance(document, dict):
        raise InvalidInput([Problem("", "", "must be a JSON object (one intent)")])
    return document


def _check_server_fields(document: dict[str, Any], client_id: str, party_name: str) -> None:
    problems = []
    if "id" in document and document["id"] != client_id:
        problems.append(Problem("", "id", "is the id in the URL (PUT) or chosen by the server"))
    if "party" in document and document["party"] != party_name:
        problems.append(Problem("", "party", f"is your API key's party ({party_name})"))
    if problems:
        raise InvalidInput(problems)
    document.pop("id", None)
    document.pop("party", None)


def _unwrapped(problem: Problem) -> Problem:
    return Problem("", _WRAPPED.sub("", problem.path), _SUBJECT.sub("", problem.reason))


def with_uid(intent: Intent, uid: str) -> Intent:
    """The same intent under the global id the engine compares by."""
    return replace(intent, id=uid)

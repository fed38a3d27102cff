"""Identifiers the service makes: intent ids and uids, conflict ids, versions."""

from __future__ import annotations

import re
import secrets
import time
import uuid

from wellclear.errors import InvalidInput, Problem

CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")


def new_intent_id() -> str:
    return str(uuid.uuid4())


def new_uid() -> str:
    return str(uuid.uuid4())


def new_conflict_id() -> str:
    """Sorts by creation time (microseconds), then at random."""
    return f"{time.time_ns() // 1000:014x}-{secrets.token_hex(8)}"


def new_version() -> str:
    return secrets.token_hex(8)


def check_client_id(intent_id: str) -> None:
    if not CLIENT_ID.fullmatch(intent_id):
        reason = (
            "must be 1-200 of A-Z, a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit"
        )
        raise InvalidInput([Problem("", "id", reason)])

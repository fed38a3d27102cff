"""What the service refuses, each error carrying its evidence.

::

    WellclearError
     ├── InvalidInput            (wellclear.errors) bad input, with field paths
     ├── UnknownIntent           (wellclear.errors) no such intent *for this caller*
     ├── NotAuthenticated        no key, an unknown key or an expired one
     ├── Forbidden               the caller's party is disabled or its role may not do this
     ├── UnknownParty            no party of that name
     ├── PartyExists             the name is taken
     ├── VersionMismatch         If-Match names another version (.current_version)
     ├── PreconditionRequired    replacing an intent needs If-Match
     ├── InvalidTransition       a lifecycle step F3548 does not allow (.current, .requested)
     ├── ConflictRejected        policy refused the filing (.conflicts, as the filer may see them)
     └── IdempotencyKeyReused    the same Idempotency-Key with a different request
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wellclear.errors import WellclearError

if TYPE_CHECKING:
    from wellclear.service.views import ConflictView


class NotAuthenticated(WellclearError):
    """No usable API key."""


class Forbidden(WellclearError):
    """The caller may not do this."""


class UnknownParty(WellclearError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no party named {name!r}")


class PartyExists(WellclearError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a party named {name!r} already exists")


class VersionMismatch(WellclearError):
    def __init__(self, intent_id: str, expected: str, current_version: str | None) -> None:
        self.intent_id = intent_id
        self.expected = expected
        self.current_version = current_version
        where = "does not exist" if current_version is None else "has another version"
        super().__init__(f"intent {intent_id!r} {where}; If-Match was {expected!r}")


class PreconditionRequired(WellclearError):
    def __init__(self, intent_id: str) -> None:
        self.intent_id = intent_id
        super().__init__(f"intent {intent_id!r} exists: replace it with If-Match: <version>")


class InvalidTransition(WellclearError):
    def __init__(self, intent_id: str, current: str, requested: str) -> None:
        self.intent_id = intent_id
        self.current = current
        self.requested = requested
        super().__init__(f"intent {intent_id!r} is {current}; it cannot become {requested}")


class ConflictRejected(WellclearError):
    """The filing conflicts with intents of equal or higher priority in a ``reject`` pair."""

    def __init__(self, intent_id: str, conflicts: Sequence[ConflictView]) -> None:
        self.intent_id = intent_id
        self.conflicts = tuple(conflicts)
        names = sorted({c.counterparty or "" for c in conflicts})
        super().__init__(
            f"intent {intent_id!r} conflicts with {len(conflicts)} intent(s) of "
            f"{', '.join(names)} that the policy protects; nothing was stored"
        )


class IdempotencyKeyReused(WellclearError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was used for a different request")

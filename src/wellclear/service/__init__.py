"""Use cases in transactions; owns the invariants (policy, disclosure, lifecycle).

The API and the CLI call these, never the store. Every use case takes the
:class:`Service` (database, policy, limits) and, where a party acts, its :class:`Caller`.

- intents: :func:`file_intent`, :func:`change_state`, :func:`end_intent`,
  :func:`get_intent`, :func:`list_intents`
- conflicts: :func:`list_conflicts`
- parties: :func:`add_party`, :func:`list_parties`, :func:`rotate_key`,
  :func:`set_disabled`, :func:`authenticate`
- operations: :func:`upgrade_database`, :func:`readiness`, :func:`store_upkeep`
"""

from wellclear.service.callers import Caller, Role
from wellclear.service.core import Service, open_service
from wellclear.service.filing import FilingRequest, file_intent
from wellclear.service.health import readiness, store_upkeep, upgrade_database
from wellclear.service.lifecycle import change_state, end_intent
from wellclear.service.parties import (
    NewKey,
    PartyView,
    add_party,
    authenticate,
    list_parties,
    rotate_key,
    set_disabled,
)
from wellclear.service.reading import IntentQuery, get_intent, list_conflicts, list_intents
from wellclear.service.views import ConflictView, Filing, IntentView, Page

__all__ = [
    "Caller",
    "ConflictView",
    "Filing",
    "FilingRequest",
    "IntentQuery",
    "IntentView",
    "NewKey",
    "Page",
    "PartyView",
    "Role",
    "Service",
    "add_party",
    "authenticate",
    "change_state",
    "end_intent",
    "file_intent",
    "get_intent",
    "list_conflicts",
    "list_intents",
    "list_parties",
    "open_service",
    "readiness",
    "rotate_key",
    "set_disabled",
    "store_upkeep",
    "upgrade_database",
]
